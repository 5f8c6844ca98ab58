//! The event on /admin: its CSRF-protected form, and the registration window it sets closing
//! sign-up and attendees' claims (with a message saying when) while staff still can.

use eventpbx::domain::accounts::Role;
use reqwest::StatusCode;

use crate::web_support::{browser, spawn};

/// `YYYY-MM-DDTHH:MM` (UTC) `hours` from now.
fn in_hours(hours: i64) -> String {
    eventpbx::domain::event::format_minute(eventpbx::db::now() + hours * 3600)
}

#[tokio::test]
async fn web_admin_sets_the_event_and_its_window_closes_registration() {
    let app = spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let olga = app.user_with_role("olga", Role::Attendee).await;
    let (opens, closes) = (in_hours(24), in_hours(48));
    let event = |name: &'static str, starts: &'static str, opens: String, closes: String| {
        vec![
            ("name", name.to_string()),
            ("starts_on", starts.to_string()),
            ("ends_on", "2030-08-14".to_string()),
            ("registration_opens", opens),
            ("registration_closes", closes),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let (app, admin) = (&app, &admin);
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.submit(admin, "/admin", "/admin/event", &f).await
        }
    };

    // Refused forms change nothing and say which field is wrong.
    let r = post(event("Camp", "2030-08-20", opens.clone(), closes.clone())).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("ends before it starts"));
    let r = post(event("Camp", "2030-08-10", closes.clone(), opens.clone())).await;
    assert!(r.text().await.unwrap().contains("closes before it opens"));
    let r = post(event("Camp", "soon", opens.clone(), closes.clone())).await;
    assert!(r.text().await.unwrap().contains("starts_on"));
    assert_eq!(app.count("SELECT count(*) FROM event").await, 0);
    // Without the CSRF token nothing happens either.
    let r = admin
        .post(app.url("/admin/event"))
        .form(&[("name", "Camp")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // Attendees may not set it.
    let f = event("Mine", "2030-08-10", opens.clone(), closes.clone());
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.submit(&olga, "/account", "/admin/event", &f).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(app.count("SELECT count(*) FROM event").await, 0);

    let r = post(event("Camp 2030", "2030-08-10", opens.clone(), closes)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("Camp 2030") && html.contains(&opens), "shown");

    // Not open yet: sign-up and an attendee's claim are refused with the opening time.
    let r = app.signup(&browser(), "newbie", "Newbie").await;
    let text = r.text().await.unwrap();
    assert!(
        text.contains("registration for Camp 2030 opens on"),
        "{text}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'newbie'")
            .await,
        0
    );
    let claim = [("number", "2345"), ("kind", "handset"), ("name", "Olga")];
    let r = app
        .submit(&olga, "/account", "/account/claim", &claim)
        .await;
    assert!(r.text().await.unwrap().contains("opens on"));
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 0);

    // Clearing it opens registration again.
    let r = app
        .submit(&admin, "/admin", "/admin/event/clear", &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.signup(&browser(), "newbie", "Newbie").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(&olga, "/account", "/account/claim", &claim)
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    assert_eq!(app.count("SELECT count(*) FROM extensions").await, 1);
}

#[tokio::test]
async fn web_admin_event_times_are_in_the_events_zone_and_say_which() {
    let app = crate::web_support::spawn_with(|s| s.web.utc_offset = "+02:00".into()).await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let (_, page) = app.get(&admin, "/admin").await;
    assert!(page.contains("Registration opens (UTC+02:00)"), "{page}");
    let fields = [
        ("name", "Camp"),
        ("starts_on", "2030-08-10"),
        ("ends_on", "2030-08-14"),
        ("registration_opens", "2030-08-01T12:00"),
        ("registration_closes", "2030-08-14T18:30"),
    ];
    let r = app.submit(&admin, "/admin", "/admin/event", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Typed as local times: stored as the instants they name (12:00 at +02:00 is 10:00 UTC).
    let stored = app.count("SELECT registration_opens_at FROM event").await;
    let utc = eventpbx::domain::event::parse_minute("x", "2030-08-01T10:00").unwrap();
    assert_eq!(stored, utc);
    // Shown back the way they were typed, with the zone named.
    let (_, page) = app.get(&admin, "/admin").await;
    assert!(
        page.contains("open from 2030-08-01T12:00 to 2030-08-14T18:30 (UTC+02:00)"),
        "{page}"
    );
    assert!(page.contains("value=\"2030-08-01T12:00\""), "{page}");
}
