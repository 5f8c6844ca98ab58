//! The call history: CDR rows as Asterisk writes them into `cdr_inbox` become history rows
//! (the periodic ingest), attendees see their own extensions' calls and nobody else's, and
//! `GET /calls/history` filters, pages and refuses bad filters.

use std::time::Duration;

use eventpbx::domain::accounts::Role;
use reqwest::{Client, Method, StatusCode};

use crate::api_support::{detail, key, Api};
use crate::web_support::{location, TestApp};

async fn claim(app: &TestApp, b: &Client, number: &str) {
    let r = app
        .submit(
            b,
            "/account",
            "/account/claim",
            &[
                ("number", number),
                ("kind", "sip"),
                ("name", "Someone"),
                ("public", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim {number}");
    assert!(location(&r).contains("done=claimed"), "claim {number}");
}

async fn endpoint_of(app: &TestApp, number: &str) -> String {
    let n = number.to_string();
    app.state
        .db
        .read(move |c| {
            Ok(
                c.query_row("SELECT endpoint FROM numbers WHERE number = ?1", [n], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
        .unwrap()
}

/// One call's CDR row of the caller's channel, as cdr_sqlite3_custom writes it (int64 times),
/// ended ten seconds ago so the ingest takes it at once.
async fn cdr(
    app: &TestApp,
    call: &str,
    from_ep: &str,
    to: &str,
    to_ep: &str,
    disp: &str,
    outcome: &str,
) {
    let (call, from_ep, to, to_ep, disp, outcome) = (
        call.to_string(),
        from_ep.to_string(),
        to.to_string(),
        to_ep.to_string(),
        disp.to_string(),
        outcome.to_string(),
    );
    let ended = eventpbx::db::now() - 10;
    app.state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO cdr_inbox (started, answered, ended, duration, billsec, disposition,
                 channel, dstchannel, uniqueid, linkedid, sequence, ev_number, ev_from,
                 ev_outcome, ev_forward) VALUES (?1, 0, ?2, 5, 0, ?3, ?4, ?5, ?6, ?6, 1, ?7, ?8,
                 ?9, '')",
                rusqlite::params![
                    (ended - 5).to_string(),
                    ended.to_string(),
                    disp,
                    format!("PJSIP/{from_ep}-00000001"),
                    format!("PJSIP/{to_ep}-00000002"),
                    call,
                    to,
                    from_ep,
                    outcome,
                ],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn wait_ingested(app: &TestApp, calls: i64) {
    for _ in 0..100 {
        if app.count("SELECT count(*) FROM call_history").await >= calls {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the ingest did not take the CDR rows within 10 s");
}

#[tokio::test]
async fn attendees_see_their_own_calls_with_causes_and_never_others() {
    let api = Api::start().await;
    let app = &api.app;
    let alice = app.user_with_role("alice", Role::Attendee).await;
    let bob = app.user_with_role("bob", Role::Attendee).await;
    let carol = app.user_with_role("carol", Role::Attendee).await;
    claim(app, &alice, "4711").await;
    claim(app, &bob, "4712").await;
    claim(app, &carol, "4713").await;
    claim(app, &carol, "4714").await;
    let (a, b, c, d) = (
        endpoint_of(app, "4711").await,
        endpoint_of(app, "4712").await,
        endpoint_of(app, "4713").await,
        endpoint_of(app, "4714").await,
    );
    cdr(app, "1.1", &b, "4711", &a, "BUSY", "busy").await;
    cdr(app, "1.2", &c, "4714", &d, "NO ANSWER", "dnd").await;
    wait_ingested(app, 2).await;

    let (s, html) = app.get(&alice, "/account").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Recent calls"), "{html}");
    assert!(html.contains(r#"<td class="cause">busy</td>"#), "{html}");
    assert!(
        html.contains("<td>4712</td>"),
        "the caller's number: {html}"
    );
    assert!(
        !html.contains(r#"<td class="cause">do-not-disturb</td>"#)
            && !html.contains("<td>4714</td>"),
        "carol's call: {html}"
    );
    // The caller sees it too; carol sees only her own.
    let (_, html) = app.get(&bob, "/account").await;
    assert!(html.contains(r#"<td class="cause">busy</td>"#), "{html}");
    assert!(
        !html.contains(r#"<td class="cause">do-not-disturb</td>"#),
        "{html}"
    );
    let (_, html) = app.get(&carol, "/account").await;
    assert!(
        html.contains(r#"<td class="cause">do-not-disturb</td>"#),
        "{html}"
    );
    assert!(!html.contains("<td>4711</td>"), "alice's call: {html}");

    // The API: a read key sees every call, newest first, with the filters.
    let (s, v) = api.ro(Method::GET, "/calls/history", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    assert_eq!(items[0]["dialled"], "4714");
    assert_eq!(items[0]["cause"], "dnd");
    assert_eq!(items[1]["caller"], "4712");
    assert_eq!(items[1]["cause_text"], "busy");
    assert_eq!(items[1]["rang"], serde_json::json!([a]));
    let (_, v) = api.ro(Method::GET, "/calls/history?cause=busy", None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    let (_, v) = api
        .ro(Method::GET, "/calls/history?number=4712", None)
        .await;
    assert_eq!(v["items"][0]["dialled"], "4711", "{v}");
    let (_, v) = api
        .ro(Method::GET, "/calls/history?limit=1&offset=1", None)
        .await;
    assert_eq!(v["items"][0]["dialled"], "4711", "{v}");
    let future = eventpbx::db::now() + 3600;
    let (_, v) = api
        .ro(Method::GET, &format!("/calls/history?since={future}"), None)
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    let (_, v) = api.ro(Method::GET, "/calls/history?until=0", None).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    // The ingest raised one call.ended event per call.
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE type = 'call.ended'")
            .await,
        2
    );
}

#[tokio::test]
async fn call_history_refuses_bad_filters_and_keys() {
    let api = Api::start().await;
    for (query, word) in [
        ("cause=busy%27%20OR%201%3D1", "cause"),
        ("cause=", "cause"),
        ("number=47a1", "number"),
        ("number=1234567890123456", "number"),
        ("since=-1", "since"),
        ("until=99999999999999", "until"),
        ("limit=0", "limit"),
    ] {
        let (s, v) = api
            .ro(Method::GET, &format!("/calls/history?{query}"), None)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {v}");
        assert!(detail(&v).contains(word), "{query}: {v}");
    }
    let (s, _) = api.send(Method::GET, "/calls/history", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let other = key(&api.app, "other", eventpbx::db::api_keys::Scope::Read).await;
    let (s, _) = api
        .send(Method::GET, "/calls/history", Some(&other), None)
        .await;
    assert_eq!(s, StatusCode::OK);
}
