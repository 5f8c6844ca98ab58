//! `GET /metrics`: off by default, behind its token, and in a format an independent parser
//! (Python's prometheus_client) reads; and the access log of the real binary.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::web_support::{browser, spawn, spawn_with, TestApp};

const TOKEN: &str = "metrics-token-for-the-test-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = browser().get(app.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The samples of a scrape, as prometheus_client parsed them.
fn parse(text: &str) -> Vec<Value> {
    let venv = std::env::var("EVENTPBX_VENV").unwrap_or_else(|_| "/var/cache/eventpbx/venv".into());
    let python = format!("{venv}/bin/python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/prometheus_parse.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python} (scripts/setup --test makes it): {e}"));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

fn sample<'a>(samples: &'a [Value], name: &str, labels: &[(&str, &str)]) -> Option<&'a Value> {
    samples.iter().find(|s| {
        s["name"] == name
            && labels
                .iter()
                .all(|(k, v)| s["labels"][*k].as_str() == Some(*v))
    })
}

#[tokio::test]
async fn metrics_are_off_unless_enabled() {
    let app = spawn().await;
    assert_eq!(
        scrape(&app, Some(TOKEN)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn metrics_need_their_token() {
    let app = spawn_with(|s| s.metrics.enabled = true).await;
    // No token file yet: nobody gets in, and the answer says why.
    let r = scrape(&app, Some(TOKEN)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("metrics.token_file"));
    std::fs::write(
        app.state.settings.data.dir.join("metrics.secret"),
        format!("{TOKEN}\n"),
    )
    .unwrap();
    assert_eq!(scrape(&app, None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("metrics-token-for-the-test-0123456788"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(scrape(&app, Some(TOKEN)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_scrape_parses_and_counts_requests_by_route() {
    let app = spawn_with(|s| s.metrics.enabled = true).await;
    std::fs::write(app.state.settings.data.dir.join("metrics.secret"), TOKEN).unwrap();
    // A request to count, on a route with a parameter, and a write to time.
    let r = browser()
        .get(app.url("/phonebook/yealink.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let before = parse(&scrape(&app, Some(TOKEN)).await.text().await.unwrap());
    let count = |samples: &[Value]| {
        sample(
            samples,
            "eventpbx_http_requests_total",
            &[
                ("route", "/phonebook/{file}"),
                ("method", "GET"),
                ("status", "200"),
            ],
        )
        .map_or(0.0, |s| s["value"].as_f64().unwrap())
    };
    assert!(count(&before) >= 1.0, "{before:?}");
    browser()
        .get(app.url("/phonebook/snom.xml"))
        .send()
        .await
        .unwrap();
    let r = scrape(&app, Some(TOKEN)).await;
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let after = parse(&r.text().await.unwrap());
    // The recorder is shared by every app in this test process: compare, never assume.
    assert!(count(&after) >= count(&before) + 1.0);
    let family = |name: &str| after.iter().find(|s| s["family"] == name).cloned();
    assert_eq!(
        family("eventpbx_http_requests").expect("requests counted")["type"],
        "counter"
    );
    assert!(sample(
        &after,
        "eventpbx_registered_devices",
        &[("kind", "temporary")]
    )
    .is_some());
    // Browser phones have their own label (issue 16), present even when none is registered.
    assert!(sample(&after, "eventpbx_registered_devices", &[("kind", "webrtc")]).is_some());
    assert!(sample(&after, "eventpbx_outbox_events", &[]).is_some());
    // No Asterisk in this test: not connected, and no channel figure rather than a made-up 0.
    assert_eq!(
        sample(&after, "eventpbx_ari_connected", &[]).unwrap()["value"],
        0.0
    );
    // The query string and path values never become labels.
    assert!(!after.iter().any(|s| s["labels"]["route"]
        .as_str()
        .is_some_and(|r| r.contains("snom"))));
}

/// A plain HTTP/1.1 GET over a socket; the whole answer as text.
fn get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn the_binary_logs_one_json_line_per_request_without_the_query() {
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_eventpbx"))
        .arg("serve")
        .env_remove("EVENTPBX_CONFIG")
        .env_remove("RUST_LOG")
        .env("EVENTPBX_DATA__DIR", tmp.path().join("data"))
        .env("EVENTPBX_WEB__LISTEN", format!("127.0.0.1:{port}"))
        .env("EVENTPBX_ARI__PASSWORD", "x")
        .env("EVENTPBX_ARI__URL", "http://127.0.0.1:9/ari")
        .env("EVENTPBX_LOG__FORMAT", "json")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        match get(port, "/phonebook?q=secret-search-words") {
            Ok(a) => break a,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("the daemon did not answer: {e}"),
        }
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access = lines
        .iter()
        .find(|l| l["target"] == "eventpbx::access" && l["fields"]["route"] == "/phonebook")
        .unwrap_or_else(|| panic!("no access line: {stderr}"));
    assert_eq!(access["fields"]["status"], 200);
    assert_eq!(access["fields"]["method"], "GET");
    assert_eq!(access["fields"]["client"], "127.0.0.1");
    assert!(!stderr.contains("secret-search-words"), "{stderr}");
}
