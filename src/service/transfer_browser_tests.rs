//! Browser phones in export and import --next-event (issue 16).

use std::sync::Arc;

use super::tests::previous_event;
use super::*;
use crate::service::tests::test_db;

#[tokio::test]
async fn a_browser_phone_carries_over_with_a_fresh_identity() {
    let settings = Arc::new(Settings::default());
    let (dir, old) = test_db();
    let (phone, _) = previous_event(&old, settings.clone()).await;
    // ann's SIP extension and her handset extension each have a browser phone.
    let mut old_browsers = Vec::new();
    for number in ["2000", "2001"] {
        let c = crate::service::browser::add(
            &old,
            &settings,
            number,
            crate::service::extensions::Actor::Staff,
        )
        .await
        .unwrap();
        old_browsers.push(c);
    }
    let file = dir.path().join("camp.json");
    let done = export_to(&old, &file).await.unwrap();
    assert_eq!(done.devices, 3, "browser phones are no devices of the file");
    let text = std::fs::read_to_string(&file).unwrap();
    for c in &old_browsers {
        assert!(!text.contains(&c.password), "its secret stays behind");
        assert!(!text.contains(&c.username));
    }

    let (_dir2, next) = test_db();
    let imported = import_next_event(&next, settings.clone(), &file, crate::db::now() + 60)
        .await
        .unwrap();
    assert_eq!(imported.browser_phones, 2);
    assert_eq!(imported.sip_phones, 1);
    for (number, before) in ["2000", "2001"].into_iter().zip(&old_browsers) {
        let n = number.to_string();
        let now = next
            .read(move |c| crate::db::browser::get(c, &n))
            .await
            .unwrap()
            .expect("the browser phone carried over");
        assert_ne!(
            now.credentials.username, before.username,
            "a fresh identity"
        );
        assert_ne!(now.credentials.password, before.password);
        assert!(now.credentials.username.starts_with('w'));
        let (n, user) = (number.to_string(), now.credentials.username.clone());
        let (webrtc, dial): (String, String) = next
            .read(move |c| {
                let w = c.query_row(
                    "SELECT webrtc FROM ps_endpoints WHERE id = ?1",
                    [&user],
                    |r| r.get(0),
                )?;
                let d = c.query_row("SELECT dial FROM routes WHERE number = ?1", [&n], |r| {
                    r.get(0)
                })?;
                Ok((w, d))
            })
            .await
            .unwrap();
        assert_eq!(webrtc, "yes");
        assert!(
            dial.contains(&format!("PJSIP/{}", now.credentials.username)),
            "{number} rings its browser: {dial}"
        );
        if number == "2000" {
            assert_eq!(
                dial,
                format!("PJSIP/{phone}&PJSIP/{}", now.credentials.username)
            );
        }
    }
    // An extension without one gets none.
    let none = next
        .read(|c| crate::db::browser::get(c, "2002"))
        .await
        .unwrap();
    assert_eq!(none, None);
}
