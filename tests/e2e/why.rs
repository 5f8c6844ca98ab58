//! The "ring me" button of `/ext/{number}/why` against the real Asterisk with sipp phones:
//! eventpbx originates a test call through the number's route (`Local/N@...`) or to the
//! phone alone (`PJSIP/<endpoint>`), and the outcome the page shows is what the phone did:
//! answered, busy, not registered, no answer.

use std::time::{Duration, Instant};

use eventpbx::domain::accounts::Role;
use reqwest::{Client, StatusCode};

use crate::plan::{registered, Phone};
use crate::support::{Eventpbx, Sandbox};

const PASSWORD: &str = "why-test-password-1";

fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

/// A help-desk person (an operator) logged in to the running eventpbx.
async fn helpdesk(sb: &Sandbox, app: &Eventpbx) -> Client {
    let _ =
        eventpbx::service::users::add_user(&sb.db, "whydesk", "Why Desk", PASSWORD, Role::Operator)
            .await;
    let b = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = b.get(format!("{}/login", app.base)).send().await.unwrap();
    let csrf = csrf_in(&page.text().await.unwrap());
    let r = b
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "whydesk"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login");
    b
}

/// Presses the ring button of `number` with `target` and follows the outcome as the page's
/// script does, until it is known; returns its `data-state` and text.
async fn ring(b: &Client, app: &Eventpbx, number: &str, target: &str) -> (String, String) {
    let page = b
        .get(format!("{}/ext/{number}/why", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    let r = b
        .post(format!("{}/ext/{number}/why/ring", app.base))
        .form(&[("csrf", csrf.as_str()), ("target", target)])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "ring {number} {target}: {body}"
    );
    let location = location.expect("a redirect to the page following the test");
    let id = location
        .split("test=")
        .nth(1)
        .and_then(|s| s.split('#').next())
        .expect("the test id in the redirect")
        .to_string();
    let page = b
        .get(format!("{}{location}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"ring-test\""), "{page}");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let r = b
            .get(format!("{}/ext/{number}/why/ring/{id}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let block = r.text().await.unwrap();
        if !block.contains("data-ring-test") {
            let state = block
                .split("data-state=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_default()
                .to_string();
            return (state, block);
        }
        assert!(Instant::now() < deadline, "no outcome in time: {block}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn ring_me_shows_answered_busy_not_registered_and_no_answer() {
    let sb = Sandbox::new().await;
    let answers = sb.extension("2720", "Answers").await;
    let busy = sb.extension("2721", "Busy").await;
    let absent = sb.extension("2722", "Absent").await;
    let rings = sb.extension("2723", "Rings").await;
    let app = sb.start_eventpbx().await;
    let b = helpdesk(&sb, &app).await;

    // Answered, through the route: the phone hears the message, then eventpbx hangs up
    // (sipp's answer scenario waits for that BYE).
    let p = registered(&sb, &answers, Phone::AnswerAfter(300)).await;
    let (state, block) = ring(&b, &app, "2720", "route").await;
    assert_eq!(state, "answered", "{block}");
    assert!(block.contains("through its route"), "{block}");
    p.finish().await.assert_ok();

    // Busy: through the route, and the phone alone.
    let p = registered(&sb, &busy, Phone::Refuse(486)).await;
    let (state, block) = ring(&b, &app, "2721", "route").await;
    assert_eq!(state, "busy", "{block}");
    p.finish().await.assert_ok();
    let p = crate::plan::listen(&sb.settings, &busy, Phone::Refuse(486));
    let (state, block) = ring(&b, &app, "2721", &busy.username).await;
    assert_eq!(state, "busy", "{block}");
    assert!(block.contains("the phone directly"), "{block}");
    p.finish().await.assert_ok();

    // Never registered: nobody to ring.
    let (state, block) = ring(&b, &app, "2722", "route").await;
    assert_eq!(state, "not_registered", "{block}");
    let (state, block) = ring(&b, &app, "2722", &absent.username).await;
    assert_eq!(state, "not_registered", "{block}");

    // Rings and nobody answers: "no answer" once the test's ring time is over.
    let p = registered(&sb, &rings, Phone::Ring).await;
    let (state, block) = ring(&b, &app, "2723", &rings.username).await;
    assert_eq!(state, "no_answer", "{block}");
    p.finish().await.assert_ok();

    app.stop().await;
}
