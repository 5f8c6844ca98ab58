//! The account page's registration status follows the live registry over SSE, without a
//! reload, and only the visitor's own devices are reported.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use eventpbx::domain::accounts::Role;
use eventpbx::web::live_view::{
    ActionFuture, DeviceStatus, EndpointLive, EndpointsLive, LiveSnapshot, LiveSource,
};
use reqwest::StatusCode;

use crate::web_support::{browser, csrf_in, spawn, PASSWORD};

#[derive(Default)]
struct FakeRegistrations {
    online: Mutex<HashMap<String, DeviceStatus>>,
    changes: Mutex<Option<tokio::sync::watch::Sender<u64>>>,
}

impl FakeRegistrations {
    fn set(&self, device: &str, online: bool) {
        self.set_with_rtt(device, online, None);
    }

    fn set_with_rtt(&self, device: &str, online: bool, rtt_usec: Option<u64>) {
        self.online.lock().unwrap().insert(
            device.to_string(),
            DeviceStatus {
                online,
                since: Some(1_800_000_000),
                rtt_usec,
            },
        );
        if let Some(tx) = &*self.changes.lock().unwrap() {
            tx.send_modify(|v| *v += 1);
        }
    }
}

impl LiveSource for FakeRegistrations {
    fn snapshot(&self) -> LiveSnapshot {
        LiveSnapshot::default()
    }
    fn hangup(&self, _channel_id: String) -> ActionFuture {
        Box::pin(async { Ok(()) })
    }
    fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        let mut changes = self.changes.lock().unwrap();
        changes
            .get_or_insert_with(|| tokio::sync::watch::channel(0).0)
            .subscribe()
    }
    fn endpoints(&self) -> EndpointsLive {
        let online = self.online.lock().unwrap();
        EndpointsLive {
            ari_connected: true,
            endpoints: online
                .iter()
                .map(|(id, d)| {
                    let e = EndpointLive {
                        online: d.online,
                        ..EndpointLive::default()
                    };
                    (id.clone(), e)
                })
                .collect(),
        }
    }
    fn device_status(&self, device_ids: &[String]) -> HashMap<String, DeviceStatus> {
        let online = self.online.lock().unwrap();
        device_ids
            .iter()
            .filter_map(|id| Some((id.clone(), online.get(id)?.clone())))
            .collect()
    }
}

/// Reads SSE frames until one named `status` arrives; returns its JSON data.
async fn next_status(response: &mut reqwest::Response, buffer: &mut String) -> serde_json::Value {
    next_event(response, buffer, "status").await
}

/// Reads SSE frames until one named `name` arrives; returns its JSON data.
async fn next_event(
    response: &mut reqwest::Response,
    buffer: &mut String,
    name: &str,
) -> serde_json::Value {
    let wanted = format!("event: {name}");
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.lines().any(|l| l == wanted) {
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), response.chunk())
            .await
            .expect("the event within 5 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

/// Posts a form with the CSRF token of the page at `page` (this router is not a TestApp's).
async fn submit(
    b: &reqwest::Client,
    base: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let html = b.get(format!("{base}{page}")).send().await.unwrap();
    let csrf = csrf_in(&html.text().await.unwrap());
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(format!("{base}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn web_account_status_goes_online_and_offline_live() {
    let app = spawn().await;
    let live = Arc::new(FakeRegistrations::default());
    let router = eventpbx::web::router_with_live(app.state.clone(), live.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    eventpbx::service::users::add_user(&app.state.db, "alice", "Alice", PASSWORD, Role::Attendee)
        .await
        .unwrap();
    let b = browser();
    let login = [("username", "alice"), ("password", PASSWORD)];
    let r = submit(&b, &base, "/login", "/login", &login).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let claim = [("number", "2001"), ("kind", "sip"), ("name", "Alice")];
    let r = submit(&b, &base, "/account", "/account/claim", &claim).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claimed");
    let device: String = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT device_id FROM extensions WHERE number = '2001'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    // Another person's device: its changes must not reach Alice's page.
    let html = b
        .get(format!("{base}/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-status-stream=\"/account/stream\""));
    assert!(html.contains("id=\"status-2001\""));

    let mut stream = b
        .get(format!("{base}/account/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut buffer = String::new();
    let first = next_status(&mut stream, &mut buffer).await;
    assert!(
        first["2001"].as_str().unwrap().contains("offline"),
        "{first}"
    );

    live.set("someone-else", true);
    live.set(&device, true);
    let online = next_status(&mut stream, &mut buffer).await;
    assert!(
        online["2001"].as_str().unwrap().contains(">online<"),
        "{online}"
    );
    assert_eq!(
        online.as_object().unwrap().len(),
        1,
        "only Alice's extension"
    );
    // Registered without a measured round trip (qualify off): online, "not checked".
    assert!(
        online["2001"].as_str().unwrap().contains("not checked"),
        "{online}"
    );
    live.set_with_rtt(&device, true, Some(12_300));
    let measured = next_status(&mut stream, &mut buffer).await;
    let block = measured["2001"].as_str().unwrap();
    assert!(
        block.contains("Answers in 13 ms") && !block.contains("not checked"),
        "{block}"
    );

    live.set(&device, false);
    let offline = next_status(&mut stream, &mut buffer).await;
    let block = offline["2001"].as_str().unwrap();
    assert!(
        block.contains(">offline<") && block.contains("since"),
        "{block}"
    );

    // Not logged in: no stream.
    let r = browser()
        .get(format!("{base}/account/stream"))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn web_account_route_table_follows_the_phones_live() {
    let app = spawn().await;
    let live = Arc::new(FakeRegistrations::default());
    let router = eventpbx::web::router_with_live(app.state.clone(), live.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    eventpbx::service::users::add_user(&app.state.db, "bob", "Bob", PASSWORD, Role::Attendee)
        .await
        .unwrap();
    let b = browser();
    let login = [("username", "bob"), ("password", PASSWORD)];
    submit(&b, &base, "/login", "/login", &login).await;
    let claim = [("number", "2002"), ("kind", "sip"), ("name", "Bob <b>")];
    let r = submit(&b, &base, "/account", "/account/claim", &claim).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claimed");
    let device: String = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT device_id FROM extensions WHERE number = '2002'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    let html = b.get(format!("{base}/account")).send().await.unwrap();
    let html = html.text().await.unwrap();
    assert!(
        html.contains("<div class=\"scroll\" id=\"route-2002\">"),
        "{html}"
    );

    let mut stream = b
        .get(format!("{base}/account/stream"))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let first = next_event(&mut stream, &mut buffer, "route").await;
    let table = first["2002"].as_str().unwrap();
    assert!(
        table.contains(">offline<") && table.starts_with("<table"),
        "{table}"
    );
    // The name is text in the table, never markup.
    assert!(table.contains("Bob &lt;b&gt;"), "{table}");

    // A qualify's new round trip changes nothing the table shows: no route event for it.
    live.set(&device, true);
    let online = next_event(&mut stream, &mut buffer, "route").await;
    assert!(
        online["2002"].as_str().unwrap().contains(">online<"),
        "{online}"
    );
    live.set_with_rtt(&device, true, Some(5_000));
    next_status(&mut stream, &mut buffer).await;
    live.set(&device, false);
    let offline = next_event(&mut stream, &mut buffer, "route").await;
    assert!(
        offline["2002"].as_str().unwrap().contains(">offline<"),
        "{offline}"
    );
    assert!(
        !buffer.contains("event: route"),
        "no route event in between: {buffer}"
    );
}
