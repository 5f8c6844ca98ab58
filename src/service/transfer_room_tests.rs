//! Conference rooms in export and import: their PIN and maximum, and refused room settings.

use std::sync::Arc;

use super::tests::{good, refusal, PW};
use super::*;
use crate::domain::accounts::Role;
use crate::domain::numbering::Authority;
use crate::service::tests::test_db;
use crate::service::users::add_user;

/// A conference room keeps its PIN and maximum into the next event; an open room stays open.
#[tokio::test]
async fn conference_rooms_carry_their_pin_and_maximum_over() {
    use crate::domain::conference::RoomSettings;
    use crate::service::conferences::{create_room, NewRoom};
    let settings = Arc::new(Settings::default());
    let (dir, old) = test_db();
    let cat = add_user(&old, "cat", "Cat", PW, Role::Attendee)
        .await
        .unwrap();
    for (number, pin, max) in [("2060", Some("4711"), Some(10)), ("2061", None, None)] {
        create_room(
            &old,
            settings.clone(),
            NewRoom {
                owner_id: Some(cat.id),
                number: number.into(),
                name: format!("Room {number}"),
                public: true,
                settings: RoomSettings::parse(pin, max).unwrap(),
                authority: Authority::Attendee,
                by_key: None,
            },
        )
        .await
        .unwrap();
    }
    let file = dir.path().join("rooms.json");
    export_to(&old, &file).await.unwrap();
    let (_dir2, next) = test_db();
    import_next_event(&next, settings, &file, crate::db::now() + 3600)
        .await
        .unwrap();
    let rooms = next
        .read(|c| {
            let mut s = c.prepare(
                "SELECT number || ':' || pin || ':' || max_participants FROM conferences
                 ORDER BY number",
            )?;
            let rows = s.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(rooms, ["2060:4711:10", "2061::0"]);
}

/// Room settings that the web form would refuse are refused in a file too, and only rooms
/// have them.
#[tokio::test]
async fn bad_room_settings_are_refused_whole() {
    let base = good().await;
    let with_room = |room: serde_json::Value| {
        let mut v = base.clone();
        v["extensions"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "number": "2070", "name": "Plenum", "kind": "conference",
                "owner": null, "public": true, "device": null, "room": room,
            }));
        v.to_string()
    };
    let mut on_sip = base.clone();
    on_sip["extensions"][0]["room"] = serde_json::json!({"pin": "4711", "max_participants": null});
    let mut room_phone = base.clone();
    room_phone["extensions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "number": "2071", "name": "Forum", "kind": "conference",
            "owner": null, "public": true, "device": null, "browser_phone": true,
        }));
    let cases = [
        (
            room_phone.to_string(),
            "browser_phone: a conference room has no browser phone",
        ),
        (
            on_sip.to_string(),
            "extensions[0].room: only a conference room has room settings",
        ),
        (
            with_room(serde_json::json!({"pin": "12", "max_participants": null})),
            "room: a PIN is 4 to 8 digits",
        ),
        (
            with_room(serde_json::json!({"pin": "47a1", "max_participants": null})),
            "room: a PIN is 4 to 8 digits",
        ),
        (
            with_room(serde_json::json!({"pin": "", "max_participants": null})),
            "room: an empty PIN or a maximum of 0: leave it out",
        ),
        (
            with_room(serde_json::json!({"pin": null, "max_participants": 0})),
            "room: an empty PIN or a maximum of 0: leave it out",
        ),
        (
            with_room(serde_json::json!({"pin": null, "max_participants": 101})),
            "room: the maximum of participants is 2 to 100",
        ),
        (
            with_room(serde_json::json!({"pin": null, "max_participants": null, "x": 1})),
            "unknown field",
        ),
    ];
    for (text, want) in cases {
        let got = refusal(&text, want).await;
        assert!(got.contains(want), "{want}: got {got}");
    }
}
