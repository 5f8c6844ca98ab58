//! Conference rooms on the account page and in the API, without Asterisk (the live list is
//! empty and actions say "not connected"): creating a room, its owner's page and settings,
//! and every refusal, each changing nothing. With Asterisk: tests/e2e/conference.rs.

use eventpbx::domain::accounts::Role;
use reqwest::{Method, StatusCode};

use crate::api_support::{detail, Api};
use crate::web_support::{csrf_in, location, spawn, TestApp};

async fn rooms(app: &TestApp) -> String {
    app.state
        .db
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT c.number || ':' || c.pin || ':' || c.max_participants || ':' || e.kind
                 FROM conferences c JOIN extensions e USING (number) ORDER BY 1",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?.join("\n"))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn an_attendee_makes_a_room_and_only_its_owner_sees_and_changes_it() {
    let app = spawn().await;
    let ann = app.user_with_role("ann", Role::Attendee).await;
    let bob = app.user_with_role("bob", Role::Attendee).await;

    let (_, page) = app.get(&ann, "/account").await;
    assert!(page.contains("action=\"/account/conferences\""), "{page}");
    let form = [
        ("number", "2800"),
        ("name", "Standup"),
        ("pin", "4711"),
        ("max", "5"),
    ];
    let r = app
        .submit(&ann, "/account", "/account/conferences", &form)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = location(&r);
    assert_eq!(loc, "/account/conferences/2800?done=created");
    let (status, html) = app.get(&ann, &loc).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Dial 2800 to join."), "{html}");
    assert!(html.contains("value=\"4711\""), "{html}");
    assert!(html.contains("not connected to Asterisk"), "{html}");
    assert!(html.contains("data-stream=\"/account/conferences/2800/stream\""));
    assert_eq!(rooms(&app).await, "2800:4711:5:conference");
    let (_, account) = app.get(&ann, "/account").await;
    assert!(
        account.contains("href=\"/account/conferences/2800\""),
        "{account}"
    );

    // Bad input: refused with a message, nothing made.
    for (fields, message) in [
        (
            [
                ("number", "2801"),
                ("name", "X"),
                ("pin", "12"),
                ("max", ""),
            ],
            "a PIN is 4 to 8 digits",
        ),
        (
            [("number", "2801"), ("name", "X"), ("pin", ""), ("max", "1")],
            "2 to 100",
        ),
        (
            [
                ("number", "2801"),
                ("name", "X"),
                ("pin", ""),
                ("max", "many"),
            ],
            "2 to 100",
        ),
        (
            [("number", ""), ("name", "X"), ("pin", ""), ("max", "")],
            "Type the room's number",
        ),
        (
            [("number", "2800"), ("name", "X"), ("pin", ""), ("max", "")],
            "2800",
        ),
    ] {
        let r = app
            .submit(&ann, "/account", "/account/conferences", &fields)
            .await;
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(status.is_client_error(), "{fields:?}: {status}");
        assert!(
            body.contains(message),
            "{fields:?}: wanted {message:?} in {body}"
        );
    }
    // The claim form makes no rooms.
    let fields = [("number", "2802"), ("kind", "conference"), ("name", "X")];
    let r = app
        .submit(&ann, "/account", "/account/claim", &fields)
        .await;
    assert!(r.status().is_client_error());
    assert_eq!(rooms(&app).await, "2800:4711:5:conference");

    // Someone else's room is not there, and nothing of it changes.
    let (status, _) = app.get(&bob, "/account/conferences/2800").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&bob, "/account/conferences/2800/stream").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for action in [
        "/account/conferences/2800/settings",
        "/account/conferences/2800/participants/1764500000.1/mute",
        "/account/conferences/2800/participants/1764500000.1/remove",
    ] {
        let fields = [("pin", ""), ("max", "")];
        let r = app.submit(&bob, "/account", action, &fields).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(rooms(&app).await, "2800:4711:5:conference");

    // The owner: a form without its token, an unknown action or id, no Asterisk.
    let r = ann
        .post(app.url("/account/conferences/2800/settings"))
        .form(&[("pin", ""), ("max", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = "/account/conferences/2800";
    for (action, status) in [
        (
            "/account/conferences/2800/participants/1.2/explode",
            StatusCode::NOT_FOUND,
        ),
        (
            "/account/conferences/2800/participants/a%2Fb/mute",
            StatusCode::NOT_FOUND,
        ),
        (
            "/account/conferences/2800/participants/1.2/mute",
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        ("/account/conferences/2800x/settings", StatusCode::NOT_FOUND),
    ] {
        let r = app.submit(&ann, page, action, &[]).await;
        assert_eq!(r.status(), status, "{action}");
    }
    let r = app
        .submit(
            &ann,
            page,
            "/account/conferences/2800/settings",
            &[("pin", "1"), ("max", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rooms(&app).await, "2800:4711:5:conference");

    // A change that is right.
    let fields = [("pin", "98765"), ("max", "")];
    let r = app
        .submit(&ann, page, "/account/conferences/2800/settings", &fields)
        .await;
    assert_eq!(location(&r), "/account/conferences/2800?done=saved");
    assert_eq!(rooms(&app).await, "2800:98765:0:conference");
    let (_, html) = app.get(&ann, "/account/conferences/2800?done=saved").await;
    assert!(html.contains("value=\"98765\""), "{}", csrf_in(&html));
}

#[tokio::test]
async fn the_api_lists_a_room_and_refuses_what_a_key_may_not() {
    let api = Api::start().await;
    let (status, body) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(serde_json::json!({"number": "2800", "name": "Room", "kind": "conference"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = api.ro(Method::GET, "/conferences/2800", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["participants"], serde_json::json!([]));
    assert_eq!(body["has_pin"], false);
    assert_eq!(body["max_participants"], 100);
    assert_eq!(body["ari_connected"], false);
    let (status, body) = api.ro(Method::GET, "/conferences/2999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(detail(&body).contains("no conference room 2999"), "{body}");
    let (status, _) = api.ro(Method::GET, "/conferences/abc", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mute = "/conferences/2800/participants/1764500000.1/mute";
    let (status, _) = api.ro(Method::POST, mute, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a read key");
    // The read-write key made it; without Asterisk there is nobody to mute.
    let (status, _) = api.rw(Method::POST, mute, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = api
        .admin(Method::DELETE, "/conferences/2800/participants/1.1", None)
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, _) = api
        .admin(
            Method::POST,
            "/conferences/2999/participants/1.1/unmute",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A room another key made: 403 for a read-write key, admin keys may.
    let (status, body) = api
        .admin(
            Method::POST,
            "/extensions",
            Some(serde_json::json!({"number": "2801", "name": "Other", "kind": "conference"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = api
        .rw(
            Method::POST,
            "/conferences/2801/participants/1.1/mute",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_room_has_no_routing_and_joins_no_group_but_may_be_forwarded_to() {
    let api = Api::start().await;
    for (number, kind) in [("2800", "conference"), ("2100", "group"), ("2001", "sip")] {
        let body = serde_json::json!({"number": number, "name": "X", "kind": kind});
        let (status, body) = api.admin(Method::POST, "/extensions", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let before = api.snapshot().await;
    let (status, body) = api
        .admin(
            Method::PATCH,
            "/extensions/2800",
            Some(serde_json::json!({"dnd": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        detail(&body).contains("2800 is a conference room"),
        "{body}"
    );
    let (status, body) = api
        .admin(
            Method::PUT,
            "/extensions/2100/members",
            Some(serde_json::json!({"members": [{"number": "2800"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(detail(&body).contains("cannot be a member"), "{body}");
    assert_eq!(api.snapshot().await, before, "refusals changed nothing");
}
