//! The browser phone behind TLS (issue 16): the README's own nginx block, with a certificate
//! made here, serves the web UI on `https://`, and the page opens its SIP websocket as
//! `wss://…/ws` through nginx and eventpbx's proxy to Asterisk. Chromium trusts exactly that
//! certificate (`--ignore-certificate-errors-spki-list` with its key's hash), as a browser
//! trusts a real one; without it a self-signed `wss://` fails with no prompt. The test checks
//! that the phone registers, that a call to a sipp phone carries audio both ways, and that
//! the websocket went through nginx (its access log has the 101).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eventpbx::domain::accounts::Role;

use crate::support::{root, Sandbox};
use crate::webrtc::{
    call_echo_phone, extension_of, shots, signed_in_at, start_driver, wait_state, webrtc_net_up,
    PASSWORD,
};

/// A foreground nginx that is stopped with the test.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }
}

fn run(cmd: &str, dir: &Path) {
    let status = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .status()
        .expect("sh");
    assert!(status.success(), "{cmd} failed");
}

/// A self-signed certificate for 127.0.0.1 in `dir`; returns its key's SPKI hash, as
/// Chromium's `--ignore-certificate-errors-spki-list` wants it.
fn certificate(dir: &Path) -> String {
    run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
         -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 \
         -addext subjectAltName=IP:127.0.0.1 2>/dev/null",
        dir,
    );
    let out = Command::new("sh")
        .args([
            "-c",
            "openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der \
             | openssl dgst -sha256 -binary | base64",
        ])
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(out.status.success(), "SPKI hash");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The README's nginx block, with only its placeholders filled in: this port, this
/// certificate, eventpbx at `upstream`. A README that drifts from these lines fails here.
fn readme_server_block(port: u16, dir: &Path, upstream: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```nginx\n")
        .expect("README has an nginx block")
        + 9;
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    let fills = [
        ("listen 443 ssl;", format!("listen 127.0.0.1:{port} ssl;")),
        (
            "# ssl_certificate ... ;",
            format!(
                "ssl_certificate {0}/cert.pem; ssl_certificate_key {0}/key.pem;",
                dir.display()
            ),
        ),
        ("http://127.0.0.1:8080", upstream.to_string()),
    ];
    let mut block = block.to_string();
    for (placeholder, value) in fills {
        assert!(
            block.contains(placeholder),
            "the README's nginx block lost {placeholder:?}"
        );
        block = block.replace(placeholder, &value);
    }
    block
}

/// nginx on 127.0.0.1:`port` in front of eventpbx at `upstream`, as the README configures it.
fn start_nginx(port: u16, upstream: &str) -> (Nginx, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("nginx-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spki = certificate(&dir);
    let d = dir.display();
    // One process as root (no workers to switch user), everything below `dir`.
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{}}\nhttp {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
         scgi_temp_path {d}/scgi;\n{}\n}}\n",
        readme_server_block(port, &dir, upstream)
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new("nginx")
        .arg("-p")
        .arg(&dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx: scripts/setup --test installs it");
    let nginx = Nginx { child, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {port}: {}",
            std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (nginx, spki)
}

#[tokio::test]
async fn browser_phone_registers_and_talks_over_wss_behind_the_readme_nginx() {
    webrtc_net_up();
    let sb = Sandbox::new().await;
    let port = crate::support::next_port();
    let base = format!("https://127.0.0.1:{port}");
    let mut settings = sb.settings.clone();
    settings.web.public_url = base.clone();
    let app = sb.start_eventpbx_with(settings).await;
    let (nginx, spki) = start_nginx(port, &app.base);

    let user = format!("tia{}", std::process::id());
    let tia =
        eventpbx::service::users::add_user(&app.state.db, &user, "Tia", PASSWORD, Role::Attendee)
            .await
            .unwrap();
    extension_of(&sb, tia.id, "2980", "Tia Phone").await;
    let bob = sb.extension("2981", "Bob Echo").await;

    let driver = start_driver().await;
    let trust = format!("--ignore-certificate-errors-spki-list={spki}");
    let (s, browser_ep) = signed_in_at(&sb, &app, &driver, &base, &[&trust], &user, "2980").await;
    assert!(
        s.current_url().await.starts_with("https://"),
        "the page is served over TLS"
    );
    let contacts = sb
        .wait_contacts(&browser_ep, 1, Duration::from_secs(10))
        .await;
    assert!(
        contacts[0]
            .uri
            .to_ascii_lowercase()
            .contains("transport=ws"),
        "{:?}",
        contacts[0]
    );

    let (bob_phone, (sent, received), (to_bob, from_bob)) =
        call_echo_phone(&s, &sb, "2980", &bob).await;
    s.execute("document.getElementById('phone-2980').scrollIntoView(); return 1;")
        .await;
    s.screenshot(&shots().join("phone-tls-in-call.png")).await;
    s.find("#phone-2980 .phone-hangup").await.click().await;
    wait_state(&s, "2980", "ended", Duration::from_secs(10)).await;
    bob_phone.finish().await.assert_ok();
    eprintln!("over wss: page sent {sent}, received {received}; Asterisk to Bob {to_bob}, from Bob {from_bob}");
    s.close().await;
    // nginx logs a request when it ends: the websocket's line comes once the browser is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !nginx
        .access_log()
        .lines()
        .any(|l| l.contains("\"GET /ws HTTP/1.1\" 101"))
    {
        assert!(
            Instant::now() < deadline,
            "nginx passed the websocket on (101): {}",
            nginx.access_log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(nginx);
    app.stop().await;
}
