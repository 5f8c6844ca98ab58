//! Routing through the API (issue 12, docs/routing.md): groups with members and delays,
//! member lists, invitations, forwarding / DND / call waiting by PATCH, and
//! `GET /numbers/{number}/route`; every bad input is refused with its reason and changes
//! nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api_support::{detail, Api};

async fn sip(api: &Api, number: &str) -> String {
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": number, "name": format!("Ext {number}"), "kind": "sip"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{number}: {v}");
    v["sip_username"].as_str().unwrap().to_string()
}

async fn group(api: &Api, number: &str, members: Value) -> Value {
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(
                json!({"number": number, "name": "Info desk", "kind": "group", "members": members}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{number}: {v}");
    v
}

async fn route(api: &Api, number: &str) -> Value {
    let (s, v) = api
        .ro(Method::GET, &format!("/numbers/{number}/route"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{number}: {v}");
    v
}

/// Who rings when: (number, delay) of each ring.
fn rings(route: &Value) -> Vec<(String, u64)> {
    route["rings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["number"].as_str().unwrap().to_string(),
                r["delay"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Every routing row and the event count: what a refusal must leave as it was.
async fn routing_snapshot(api: &Api) -> Vec<String> {
    api.app
        .state
        .db
        .read(|c| {
            let mut out = Vec::new();
            for q in [
                "SELECT number || '|' || kind FROM extensions ORDER BY 1",
                "SELECT group_number || '>' || member_number || '|' || delay || '|' || active FROM group_members ORDER BY 1",
                "SELECT group_number || '>' || member_number || '|' || delay FROM group_invitations ORDER BY 1",
                "SELECT number || '|' || dnd || call_waiting || '|' || coalesce(fwd_always,'') || coalesce(fwd_busy,'') || coalesce(fwd_unavailable,'') || coalesce(fallback,'') || ring_timeout FROM routing ORDER BY 1",
                "SELECT number || '|' || forward || '|' || dial || '|' || timeout || '|' || on_busy FROM routes ORDER BY 1",
                "SELECT leg || '|' || line || '|' || endpoints || '|' || delay FROM route_legs ORDER BY 1",
                "SELECT 'events ' || count(*) FROM outbox",
            ] {
                let mut stmt = c.prepare(q)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                for row in rows {
                    out.push(row?);
                }
            }
            Ok(out)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn api_routing_a_group_rings_its_members_after_their_delays() {
    let api = Api::start().await;
    let a = sip(&api, "2001").await;
    sip(&api, "2002").await;
    sip(&api, "2003").await;
    let created = group(
        &api,
        "2100",
        json!([{"number": "2001", "delay": 0}, {"number": "2002", "delay": 0}, {"number": "2003", "delay": 10}]),
    )
    .await;
    assert_eq!(created["kind"], "group");
    assert!(created.get("token").is_none() && created.get("sip_password").is_none());
    let r = route(&api, "2100").await;
    assert_eq!(r["kind"], "group");
    assert_eq!(
        rings(&r),
        [("2001".into(), 0), ("2002".into(), 0), ("2003".into(), 10)]
    );
    assert_eq!(r["rings"][0]["sip_username"], a.as_str());
    assert_eq!(r["rings"][2]["rings_for"], 20);
    assert_eq!(
        (
            r["rings"][0]["status"].as_str(),
            r["ari_connected"].as_bool()
        ),
        (Some("unknown"), Some(false)),
        "no Asterisk in this test: the state is unknown, and says why"
    );
    assert_eq!(
        (r["timeout"].as_u64(), r["via"].as_str()),
        (Some(30), Some("Info desk"))
    );
    assert_eq!(r["on_noanswer"], Value::Null);
    assert_eq!(r["members"].as_array().unwrap().len(), 3);

    // Nested: 2200 rings 2100's members 5 s later, and 2001 itself at once (kept at 0).
    group(
        &api,
        "2200",
        json!([{"number": "2100", "delay": 5}, {"number": "2001"}]),
    )
    .await;
    assert_eq!(
        rings(&route(&api, "2200").await),
        [("2001".into(), 0), ("2002".into(), 5), ("2003".into(), 15)]
    );

    // A paused member does not ring, here or in the group above.
    let (s, v) = api
        .rw(
            Method::PUT,
            "/extensions/2100/members",
            Some(json!({"members": [
                {"number": "2001", "delay": 0},
                {"number": "2002", "delay": 0, "active": false},
                {"number": "2003", "delay": 10}
            ]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["members"][1]["active"], false);
    assert_eq!(
        rings(&route(&api, "2200").await),
        [("2001".into(), 0), ("2003".into(), 15)]
    );

    // An extension's own route.
    let r = route(&api, "2001").await;
    assert_eq!(r["kind"], "sip");
    assert_eq!((r["timeout"].as_u64(), r["via"].as_str()), (Some(60), None));
    let (s, v) = api.ro(Method::GET, "/numbers/2999/route", None).await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::NOT_FOUND, "Extension not found")
    );
}

#[tokio::test]
async fn api_routing_bad_groups_are_refused_and_change_nothing() {
    let api = Api::start().await;
    sip(&api, "2001").await;
    let before = routing_snapshot(&api).await;
    let cases = [
        (
            json!({"number": "2100", "name": "G", "kind": "group", "members": [{"number": "2999"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown member 2999: no extension or group has that number",
        ),
        (
            json!({"number": "2100", "name": "G", "kind": "group", "members": [{"number": "2001", "delay": 400}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "delay 400 of member 2001 out of range 0–300 seconds",
        ),
        (
            json!({"number": "2100", "name": "G", "kind": "group", "ring_timeout": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "ring timeout 3 out of range 5–300 seconds",
        ),
        (
            json!({"number": "2100", "name": "G", "kind": "group", "fallback": "99560001"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the fallback to 99560001: not a number you may forward to (use an extension or group; temporary numbers and service codes are not)",
        ),
        (
            json!({"number": "2100", "name": "G", "kind": "group", "members": [{"number": "2001"}, {"number": "2001"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "member 2001 is listed twice",
        ),
        (
            json!({"number": "2100", "name": "G", "kind": "group", "members": [{"number": "20x1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "member \"20x1\" is not a number",
        ),
        (
            json!({"number": "2101", "name": "G", "kind": "sip", "members": [{"number": "2001"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "members, ring_timeout and fallback are for \"kind\": \"group\" only",
        ),
        (
            json!({"number": "2001", "name": "G", "kind": "group"}),
            StatusCode::CONFLICT,
            "2001 is already taken. Pick another one.",
        ),
    ];
    for (body, status, message) in cases {
        let (s, v) = api
            .rw(Method::POST, "/extensions", Some(body.clone()))
            .await;
        assert_eq!((s, detail(&v).as_str()), (status, message), "{body}");
    }
    // The emergency number is a group only admins may create.
    let desk = json!({"number": "112", "name": "Emergency", "kind": "group", "members": [{"number": "2001"}]});
    let (s, _) = api
        .rw(Method::POST, "/extensions", Some(desk.clone()))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(routing_snapshot(&api).await, before);
    let (s, v) = api.admin(Method::POST, "/extensions", Some(desk)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(rings(&route(&api, "112").await), [("2001".into(), 0)]);
}

#[tokio::test]
async fn api_routing_member_lists_refuse_cycles_depth_and_unknown_members() {
    let api = Api::start().await;
    sip(&api, "2001").await;
    group(&api, "2100", json!([{"number": "2001"}])).await;
    group(&api, "2101", json!([{"number": "2100"}])).await;
    let put = |number: &'static str, members: Value| {
        let api = &api;
        async move {
            api.rw(
                Method::PUT,
                &format!("/extensions/{number}/members"),
                Some(json!({ "members": members })),
            )
            .await
        }
    };
    let before = routing_snapshot(&api).await;
    let (s, v) = put("2100", json!([{"number": "2001"}, {"number": "2101"}])).await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::CONFLICT, "cycle: 2100 → 2101 → 2100")
    );
    let (s, v) = put("2100", json!([{"number": "2999"}])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(detail(&v).contains("2999"), "{v}");
    let (s, v) = put("2100", json!([{"number": "2001", "delay": 301}])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = put("2100", json!([{"number": "2100"}])).await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "group 2100 cannot be a member of itself"
        )
    );
    let (s, v) = put("2001", json!([{"number": "2100"}])).await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::CONFLICT, "2001 is not a group")
    );
    let (s, v) = put("2999", json!([])).await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::NOT_FOUND, "Extension not found")
    );
    let (s, _) = api
        .ro(
            Method::PUT,
            "/extensions/2100/members",
            Some(json!({"members": []})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a read key cannot");
    assert_eq!(routing_snapshot(&api).await, before);

    // Eight deep is fine, nine is refused: 2102 .. 2107 stack on 2101 (depth 2).
    let mut top = "2101".to_string();
    for n in 2102..=2107 {
        group(&api, &n.to_string(), json!([{ "number": top }])).await;
        top = n.to_string();
    }
    assert_eq!(rings(&route(&api, "2107").await), [("2001".into(), 0)]);
    let before = routing_snapshot(&api).await;
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions",
            Some(json!({"number": "2108", "name": "G", "kind": "group", "members": [{"number": "2107"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        detail(&v).starts_with("groups nest at most 8 deep, and 2108 → 2107 → 2106"),
        "{v}"
    );
    assert_eq!(routing_snapshot(&api).await, before);
}

#[tokio::test]
async fn api_routing_invitations_join_on_accept_and_vanish_on_decline() {
    let api = Api::start().await;
    sip(&api, "2001").await;
    sip(&api, "2002").await;
    group(&api, "2100", json!([])).await;
    let invite = |member: &'static str, delay: u32| {
        let api = &api;
        async move {
            api.rw(
                Method::POST,
                "/extensions/2100/invitations",
                Some(json!({"number": member, "delay": delay})),
            )
            .await
        }
    };
    let before = routing_snapshot(&api).await;
    let (s, v) = invite("2999", 0).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = invite("2001", 999).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions/2001/invitations",
            Some(json!({"number": "2002"})),
        )
        .await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::CONFLICT, "2001 is not a group")
    );
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations/2001/accept",
            None,
        )
        .await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (
            StatusCode::NOT_FOUND,
            "there is no invitation of 2001 into group 2100"
        )
    );
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations/20x1/decline",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(routing_snapshot(&api).await, before);

    let (s, v) = invite("2001", 5).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        rings(&route(&api, "2100").await).is_empty(),
        "not a member yet"
    );
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations/2001/accept",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(rings(&route(&api, "2100").await), [("2001".into(), 5)]);
    invite("2002", 0).await;
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations/2002/decline",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations/2002/accept",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "declined means gone");
    assert_eq!(rings(&route(&api, "2100").await), [("2001".into(), 5)]);

    // Accepting what would close a loop is refused, and the invitation stays.
    group(&api, "2200", json!([{"number": "2100"}])).await;
    let (s, _) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations",
            Some(json!({"number": "2200"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let before = routing_snapshot(&api).await;
    let (s, v) = api
        .rw(
            Method::POST,
            "/extensions/2100/invitations/2200/accept",
            None,
        )
        .await;
    assert_eq!(
        (s, detail(&v).as_str()),
        (StatusCode::CONFLICT, "cycle: 2100 → 2200 → 2100")
    );
    assert_eq!(routing_snapshot(&api).await, before);
}

#[tokio::test]
async fn api_routing_forwarding_dnd_and_call_waiting_by_patch() {
    let api = Api::start().await;
    let a = sip(&api, "2001").await;
    sip(&api, "2002").await;
    group(&api, "2100", json!([{"number": "2001"}])).await;
    let patch = |number: &'static str, body: Value| {
        let api = &api;
        async move {
            api.rw(Method::PATCH, &format!("/extensions/{number}"), Some(body))
                .await
        }
    };
    let before = routing_snapshot(&api).await;
    for (number, body, message) in [
        ("2001", json!({"forward": {"busy": "99560001"}}), "forwarding on busy to 99560001: not a number you may forward to (use an extension or group; temporary numbers and service codes are not)"),
        ("2001", json!({"forward": {"always": "2001"}}), "forwarding always to 2001: that is this number itself"),
        ("2001", json!({"forward": {"always": "2002", "always_after": 0}}), "always_after 0 out of range 1–300 seconds"),
        ("2001", json!({"forward": {"always_after": 10}}), "always_after needs an always target"),
        ("2001", json!({"forward": {"no_answer": "2002", "no_answer_after": 301}}), "no_answer_after 301 out of range 1–300 seconds"),
        ("2001", json!({"forward": {"unavailable": "9955"}}), "forwarding when unavailable to 9955: not a number you may forward to (use an extension or group; temporary numbers and service codes are not)"),
        ("2001", json!({"forward": {"busy": "2x"}}), "forward.busy \"2x\" is not a number"),
        ("2100", json!({"forward": {"no_answer": "2002"}}), "a group has no forwarding on no answer: its no-answer target is its fallback, after its ring timeout"),
        ("2100", json!({"call_waiting": false}), "a group has no call waiting: its no-answer target is its fallback, after its ring timeout"),
        ("2100", json!({"ring_timeout": 301}), "ring timeout 301 out of range 5–300 seconds"),
        ("2001", json!({"fallback": "2002"}), "the fallback is for groups only"),
        ("2001", json!({"ring_timeout": 40}), "ring timeout is for groups only"),
        // A valid name with a bad forwarding changes neither.
        ("2001", json!({"name": "Renamed", "forward": {"busy": "2999"}}), "forwarding on busy to 2999: not a number you may forward to (use an extension or group; temporary numbers and service codes are not)"),
    ] {
        let (s, v) = patch(number, body.clone()).await;
        assert_eq!((s, detail(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, message), "{body}");
    }
    let (s, _) = patch("2999", json!({"dnd": true})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(routing_snapshot(&api).await, before);

    let (s, v) = patch(
        "2001",
        json!({"forward": {"busy": "2002", "unavailable": "2100"}, "dnd": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = route(&api, "2001").await;
    assert_eq!(
        (r["busy_now"].as_bool(), r["on_busy"].as_str()),
        (Some(true), Some("2002"))
    );
    assert_eq!(r["on_unavailable"], "2100");
    assert!(
        r["rings"].as_array().unwrap().is_empty(),
        "DND rings nothing"
    );
    assert_eq!(r["settings"]["forward"]["busy"], "2002");
    assert!(
        rings(&route(&api, "2100").await).is_empty(),
        "a DND member is left out"
    );

    // null clears; absent fields stay.
    let (s, _) = patch("2001", json!({"forward": {"busy": null}, "dnd": false})).await;
    assert_eq!(s, StatusCode::OK);
    let r = route(&api, "2001").await;
    assert_eq!(
        (r["on_busy"].clone(), r["on_unavailable"].as_str()),
        (Value::Null, Some("2100"))
    );
    assert_eq!(rings(&r), [("2001".into(), 0)]);

    // Always after 15 s; call waiting off.
    let (s, _) = patch(
        "2001",
        json!({"forward": {"always": "2002", "always_after": 15}, "call_waiting": false}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let r = route(&api, "2001").await;
    assert_eq!(
        (r["timeout"].as_u64(), r["on_noanswer"].as_str()),
        (Some(15), Some("2002"))
    );
    assert_eq!(r["forward"], Value::Null);
    assert_eq!(r["rings"][0]["call_waiting"], false);
    assert_eq!(r["rings"][0]["sip_username"], a.as_str());
    let (s, _) = patch("2001", json!({"forward": {"always_after": null}})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(route(&api, "2001").await["forward"], "2002", "at once now");

    // A group's fallback and ring timeout.
    let (s, _) = patch("2100", json!({"fallback": "2002", "ring_timeout": 45})).await;
    assert_eq!(s, StatusCode::OK);
    let r = route(&api, "2100").await;
    assert_eq!(
        (r["timeout"].as_u64(), r["on_noanswer"].as_str()),
        (Some(45), Some("2002"))
    );
    let (s, _) = patch("2100", json!({"fallback": null})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(route(&api, "2100").await["on_noanswer"], Value::Null);
}

#[tokio::test]
async fn api_routing_changes_are_in_the_events_stream() {
    let api = Api::start().await;
    sip(&api, "2001").await;
    group(&api, "2100", json!([{"number": "2001", "delay": 3}])).await;
    let (s, _) = api
        .rw(
            Method::PATCH,
            "/extensions/2001",
            Some(json!({"forward": {"busy": "2100"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = api
        .ro(Method::GET, "/events?after=0&follow=false", None)
        .await;
    let text = v.as_str().unwrap();
    for kind in ["event: group.member_added", "event: routing.updated"] {
        assert!(text.contains(kind), "{kind} in {text}");
    }
    assert!(text.contains(r#""busy":"2100""#), "{text}");
}
