//! A loaner handed out at the desk outside the event's registration window: refused with a
//! clear message, and nothing is bound (the same rule as dialling the token, which
//! `db::handsets::bind` checks for both).

use eventpbx::db::events;
use eventpbx::domain::accounts::Role;
use eventpbx::domain::event::{parse_date, Event};
use reqwest::StatusCode;

use crate::web_support::spawn;

#[tokio::test]
async fn web_helpdesk_hand_out_outside_the_registration_window_is_refused() {
    let app = spawn().await;
    let ann = app.user_with_role("ann", Role::Attendee).await;
    let r = app
        .submit(
            &ann,
            "/account",
            "/account/claim",
            &[("number", "4712"), ("kind", "handset"), ("name", "Ann")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let helen = app.user_with_role("helen", Role::Helpdesk).await;
    let r = app
        .submit(
            &helen,
            "/helpdesk/loaners",
            "/helpdesk/loaners",
            &[("count", "1")],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let temporary: String = app
        .state
        .db
        .read(|c| {
            Ok(c.query_row(
                "SELECT number FROM numbers WHERE kind = 'temporary'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();

    // The registration closed an hour ago.
    let now = eventpbx::db::now();
    let event = Event::new(
        "Camp",
        parse_date("starts_on", "2026-08-01").unwrap(),
        parse_date("ends_on", "2026-08-05").unwrap(),
        now - 7200,
        now - 3600,
    )
    .unwrap();
    app.state
        .db
        .write(move |tx| events::set(tx, &event))
        .await
        .unwrap();

    let r = app
        .submit(
            &helen,
            "/helpdesk/ext/4712",
            "/helpdesk/ext/4712/hand-out",
            &[("loaner", &temporary)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("the event's registration is closed"));
    // Nothing bound: the extension has no device, the loaner keeps its temporary number, and
    // the audit log has no hand-out.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM extensions WHERE number = '4712' AND device_id IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM numbers WHERE kind = 'temporary'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action LIKE 'hand%'")
            .await,
        0
    );
}
