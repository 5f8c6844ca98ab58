//! Routing on the account page: forwarding, do-not-disturb and call waiting, the route table,
//! groups, invitations and pausing. Every refusal shows its message and changes nothing.

use eventpbx::domain::accounts::Role;
use reqwest::{Client, StatusCode};

use crate::web_support::{location, spawn, TestApp};

/// Posts a form of the account page; answers the status and the redirect or the page.
async fn post(
    app: &TestApp,
    b: &Client,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let r = app.submit(b, "/account", action, fields).await;
    let status = r.status();
    let loc = location(&r);
    let body = r.text().await.unwrap();
    (status, if loc.is_empty() { body } else { loc })
}

async fn claim(app: &TestApp, b: &Client, number: &str) {
    let fields = [
        ("number", number),
        ("kind", "sip"),
        ("name", "Phone"),
        ("public", "on"),
    ];
    let (status, loc) = post(app, b, "/account/claim", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "claim {number}: {loc}");
}

async fn account(app: &TestApp, b: &Client) -> String {
    let (status, html) = app.get(b, "/account").await;
    assert_eq!(status, StatusCode::OK);
    html
}

/// Every routing setting and membership as one comparable text: what "nothing changed" means.
async fn routing_state(app: &TestApp) -> String {
    app.state
        .db
        .read(|c| {
            let mut out = String::new();
            for sql in [
                "SELECT number || ':' || dnd || call_waiting || ifnull(fwd_always,'-') || ifnull(fwd_always_after,'-') || ifnull(fwd_busy,'-') || ifnull(fwd_no_answer,'-') || fwd_no_answer_after || ifnull(fwd_unavailable,'-') || ring_timeout || ifnull(fallback,'-') FROM routing ORDER BY number",
                "SELECT group_number || '>' || member_number || ':' || delay || active FROM group_members ORDER BY 1",
                "SELECT group_number || '?' || member_number || ':' || delay FROM group_invitations ORDER BY 1",
                "SELECT number || '=' || kind FROM extensions ORDER BY number",
            ] {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                for row in rows {
                    out.push_str(&row?);
                    out.push('\n');
                }
            }
            Ok(out)
        })
        .await
        .unwrap()
}

/// Asserts a refused post: the status, the message on the account page, nothing changed.
async fn refused(
    app: &TestApp,
    b: &Client,
    action: &str,
    fields: &[(&str, &str)],
    status: StatusCode,
    message: &str,
) {
    let before = routing_state(app).await;
    let (got, html) = post(app, b, action, fields).await;
    assert_eq!(got, status, "{action} {fields:?}: {html}");
    assert!(
        html.contains(message),
        "{action} {fields:?}: wanted {message:?} in {html}"
    );
    assert!(html.contains("role=\"alert\""), "shown as an error");
    assert_eq!(
        routing_state(app).await,
        before,
        "{action} {fields:?} changed something"
    );
}

const FORWARD_EMPTY: [(&str, &str); 6] = [
    ("always", ""),
    ("always_after", ""),
    ("busy", ""),
    ("no_answer", ""),
    ("no_answer_after", ""),
    ("unavailable", ""),
];

fn forward(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    FORWARD_EMPTY
        .iter()
        .map(|(k, v)| *changes.iter().find(|(c, _)| c == k).unwrap_or(&(k, v)))
        .collect()
}

#[tokio::test]
async fn web_forwarding_dnd_and_call_waiting() {
    let app = spawn().await;
    let ann = app.user_with_role("ann", Role::Attendee).await;
    let bob = app.user_with_role("bob", Role::Attendee).await;
    claim(&app, &ann, "2001").await;
    claim(&app, &ann, "2002").await;
    claim(&app, &bob, "3001").await;

    // A fresh extension rings itself at once, and its route table says so.
    let html = account(&app, &ann).await;
    assert!(html.contains("id=\"route-2001\""), "{html}");
    assert!(html.contains("at once, for 60 s"), "{html}");

    let fields = forward(&[
        ("busy", "3001"),
        ("no_answer", "2002"),
        ("no_answer_after", "15"),
    ]);
    let (status, loc) = post(&app, &ann, "/account/ext/2001/forwarding", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{loc}");
    assert!(loc.starts_with("/account?done=routing&n=2001"), "{loc}");
    let (_, html) = app.get(&ann, &loc).await;
    assert!(
        html.contains("Saved how calls to 2001 are routed"),
        "{html}"
    );
    assert!(
        html.contains("name=\"busy\" inputmode=\"numeric\" value=\"3001\""),
        "{html}"
    );
    assert!(
        html.contains("Busy: goes to <strong>3001</strong>"),
        "{html}"
    );
    assert!(
        html.contains("No answer after 15 s: goes to <strong>2002</strong>"),
        "{html}"
    );

    // Bad input: each shows the reason and changes nothing.
    let f = forward(&[("busy", "2999")]);
    refused(
        &app,
        &ann,
        "/account/ext/2001/forwarding",
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "forwarding on busy to 2999: not a number you may forward to",
    )
    .await;
    let temporary = eventpbx::service::handsets::mint(&app.state.db, &app.state.settings, 1)
        .await
        .unwrap()
        .remove(0)
        .number;
    let temp: &'static str = Box::leak(temporary.clone().into_boxed_str());
    let f = forward(&[("unavailable", temp)]);
    let expected =
        format!("forwarding when unavailable to {temporary}: not a number you may forward to");
    refused(
        &app,
        &ann,
        "/account/ext/2001/forwarding",
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        &expected,
    )
    .await;
    let f = forward(&[("always", "20x1")]);
    refused(
        &app,
        &ann,
        "/account/ext/2001/forwarding",
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Always to: “20x1” is not a number.",
    )
    .await;
    let f = forward(&[("no_answer", "2002"), ("no_answer_after", "400")]);
    refused(
        &app,
        &ann,
        "/account/ext/2001/forwarding",
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "400 out of range 1–300 seconds",
    )
    .await;
    let f = forward(&[("always", "2001")]);
    refused(
        &app,
        &ann,
        "/account/ext/2001/forwarding",
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "that is this number itself",
    )
    .await;
    // Someone else's extension answers like a missing one.
    let f = forward(&[("always", "2001")]);
    refused(
        &app,
        &ann,
        "/account/ext/3001/forwarding",
        &f,
        StatusCode::NOT_FOUND,
        "Extension not found",
    )
    .await;
    refused(
        &app,
        &ann,
        "/account/ext/3001/dnd",
        &[("on", "1")],
        StatusCode::NOT_FOUND,
        "Extension not found",
    )
    .await;

    // Clearing: an empty form turns all forwarding off.
    let (status, _) = post(&app, &ann, "/account/ext/2001/forwarding", &FORWARD_EMPTY).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(html.contains("Busy: the caller hears busy"), "{html}");

    // Do-not-disturb on: nothing rings; off again.
    let (status, _) = post(&app, &ann, "/account/ext/2001/dnd", &[("on", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(
        html.contains("Do-not-disturb is on: nothing rings."),
        "{html}"
    );
    assert!(html.contains("Turn do-not-disturb off"), "{html}");
    let (status, _) = post(&app, &ann, "/account/ext/2001/dnd", &[("on", "0")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!account(&app, &ann).await.contains("Do-not-disturb is on"));

    // Call waiting off shows in the route table.
    let (status, _) = post(&app, &ann, "/account/ext/2001/call-waiting", &[("on", "0")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(
        html.contains("not while in a call: call waiting is off"),
        "{html}"
    );
    assert!(html.contains("Turn call waiting on"), "{html}");

    // A form without its CSRF token changes nothing.
    let before = routing_state(&app).await;
    let r = ann
        .post(app.url("/account/ext/2001/dnd"))
        .form(&[("on", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(routing_state(&app).await, before);
}

#[tokio::test]
async fn web_groups_members_invitations_and_pausing() {
    let app = spawn().await;
    let ann = app.user_with_role("ann", Role::Attendee).await;
    let bob = app.user_with_role("bob", Role::Attendee).await;
    claim(&app, &ann, "2001").await;
    claim(&app, &bob, "3001").await;

    // A crafted claim with kind=group is refused: no empty group by accident.
    let fields = [("number", "2100"), ("kind", "group"), ("name", "Bar")];
    let before = routing_state(&app).await;
    let (status, html) = post(&app, &ann, "/account/claim", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("groups and conference rooms have their own forms"),
        "{html}"
    );
    assert_eq!(routing_state(&app).await, before);

    // The deliberate way; attendees may not take desk numbers.
    let fields = [("number", "110"), ("name", "Not mine"), ("public", "on")];
    refused(
        &app,
        &ann,
        "/account/groups",
        &fields,
        StatusCode::UNPROCESSABLE_ENTITY,
        "110 is outside the numbers you can claim",
    )
    .await;
    let fields = [("number", "2100"), ("name", "Bar"), ("public", "on")];
    let (status, loc) = post(&app, &ann, "/account/groups", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{loc}");
    let html = account(&app, &ann).await;
    assert!(html.contains("No members yet"), "{html}");
    assert!(html.contains("Nothing can ring"), "{html}");

    // Own extension: added directly; bad delays and strangers' extensions refused.
    let add = "/account/ext/2100/members/add";
    refused(
        &app,
        &ann,
        add,
        &[("member", "2001"), ("delay", "400")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "delay 400 of member 2001 out of range 0–300 seconds",
    )
    .await;
    refused(
        &app,
        &ann,
        add,
        &[("member", "2999"), ("delay", "0")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown member 2999",
    )
    .await;
    refused(
        &app,
        &ann,
        add,
        &[("member", "3001"), ("delay", "0")],
        StatusCode::FORBIDDEN,
        "3001 is not yours: invite it instead",
    )
    .await;
    let (status, _) = post(&app, &ann, add, &[("member", "2001"), ("delay", "5")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(html.contains("id=\"member-2100-2001\""), "{html}");
    assert!(
        html.contains("after 5 s, for 25 s"),
        "the route table shows the delay: {html}"
    );

    // Delay edits.
    let delay = "/account/ext/2100/members/2001/delay";
    refused(
        &app,
        &ann,
        delay,
        &[("delay", "400")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "out of range 0–300 seconds",
    )
    .await;
    let (status, _) = post(&app, &ann, delay, &[("delay", "0")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(account(&app, &ann).await.contains("at once, for 30 s"));

    // A cycle 2100 → 2200 → 2100 is refused with the loop spelled out.
    let fields = [("number", "2200"), ("name", "Inner"), ("public", "on")];
    post(&app, &ann, "/account/groups", &fields).await;
    let (status, _) = post(
        &app,
        &ann,
        "/account/ext/2200/members/add",
        &[("member", "2100"), ("delay", "0")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    refused(
        &app,
        &ann,
        add,
        &[("member", "2200"), ("delay", "0")],
        StatusCode::CONFLICT,
        "cycle: ",
    )
    .await;

    // Ring timeout and fallback.
    let settings = "/account/ext/2100/group";
    refused(
        &app,
        &ann,
        settings,
        &[("ring_timeout", "3"), ("fallback", "")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "ring timeout 3 out of range 5–300 seconds",
    )
    .await;
    refused(
        &app,
        &ann,
        settings,
        &[("ring_timeout", "20"), ("fallback", "2999")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "2999",
    )
    .await;
    let (status, _) = post(
        &app,
        &ann,
        settings,
        &[("ring_timeout", "20"), ("fallback", "2001")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(
        html.contains("No answer after 20 s: goes to <strong>2001</strong>"),
        "{html}"
    );

    // A group forwards when no member is reachable; it has no no-answer forwarding (its
    // fallback is that), and a crafted field says so.
    let fwd = "/account/ext/2100/forwarding";
    let f = [("unavailable", "2001")];
    let (status, _) = post(&app, &ann, fwd, &f).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(!html.contains("id=\"fwd-no-answer-2100\""), "{html}");
    assert!(
        html.contains(
            "id=\"fwd-unavailable-2100\" name=\"unavailable\" inputmode=\"numeric\" value=\"2001\""
        ),
        "{html}"
    );
    let f = [("unavailable", "2001"), ("no_answer", "2001")];
    refused(
        &app,
        &ann,
        fwd,
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a group has no forwarding on no answer",
    )
    .await;

    // Others' extensions are invited; their owner accepts.
    let invite = "/account/ext/2100/invite";
    refused(
        &app,
        &ann,
        invite,
        &[("member", "2999"), ("delay", "0")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown member 2999",
    )
    .await;
    refused(
        &app,
        &bob,
        invite,
        &[("member", "3001"), ("delay", "0")],
        StatusCode::NOT_FOUND,
        "Extension not found",
    )
    .await;
    let (status, _) = post(&app, &ann, invite, &[("member", "3001"), ("delay", "10")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(account(&app, &ann)
        .await
        .contains("Invited, not answered yet: 3001 (delay 10 s)"));
    let html = account(&app, &bob).await;
    assert!(html.contains("id=\"invitation-2100-3001\""), "{html}");
    // Only the invited number's owner answers.
    refused(
        &app,
        &ann,
        "/account/invitations/2100/3001/accept",
        &[],
        StatusCode::NOT_FOUND,
        "Extension not found",
    )
    .await;
    let (status, loc) = post(&app, &bob, "/account/invitations/2100/3001/accept", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{loc}");
    refused(
        &app,
        &bob,
        "/account/invitations/2100/3001/accept",
        &[],
        StatusCode::NOT_FOUND,
        "there is no invitation of 3001 into group 2100",
    )
    .await;
    let html = account(&app, &bob).await;
    assert!(html.contains("id=\"membership-2100-3001\""), "{html}");
    let html = account(&app, &ann).await;
    assert!(html.contains("id=\"member-2100-3001\""), "{html}");
    assert!(html.contains("after 10 s, for 10 s"), "{html}");

    // Bob pauses himself; the route leaves him out; a stranger cannot.
    let carol = app.user_with_role("carol", Role::Attendee).await;
    refused(
        &app,
        &carol,
        "/account/ext/2100/members/3001/active",
        &[("on", "0")],
        StatusCode::NOT_FOUND,
        "Extension not found",
    )
    .await;
    let (status, _) = post(
        &app,
        &bob,
        "/account/ext/2100/members/3001/active",
        &[("on", "0")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = account(&app, &ann).await;
    assert!(
        !html.contains("after 10 s, for 10 s"),
        "a paused member does not ring: {html}"
    );
    assert!(html.contains("paused"), "{html}");

    // Decline: the invitation goes, nobody joins.
    claim(&app, &bob, "3002").await;
    post(&app, &ann, invite, &[("member", "3002"), ("delay", "0")]).await;
    let (status, _) = post(&app, &bob, "/account/invitations/2100/3002/decline", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM group_invitations").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM group_members WHERE member_number = '3002'")
            .await,
        0
    );

    // Removing a member; a member that is not there is named.
    let (status, _) = post(&app, &ann, "/account/ext/2100/members/3001/remove", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    refused(
        &app,
        &ann,
        "/account/ext/2100/members/3001/remove",
        &[],
        StatusCode::NOT_FOUND,
        "3001 is not a member of group 2100",
    )
    .await;
    // Bob cannot change Ann's group at all.
    refused(
        &app,
        &bob,
        "/account/ext/2100/members/2001/remove",
        &[],
        StatusCode::NOT_FOUND,
        "Extension not found",
    )
    .await;
}

#[tokio::test]
async fn web_admin_staffs_a_desk_group_and_edits_any_group() {
    let app = spawn().await;
    let admin = app.user_with_role("root", Role::Admin).await;
    let ann = app.user_with_role("ann", Role::Attendee).await;
    claim(&app, &ann, "2001").await;

    // An attendee may not take the emergency number as a group.
    let fields = [("number", "112"), ("name", "Mine"), ("public", "on")];
    refused(
        &app,
        &ann,
        "/account/groups",
        &fields,
        StatusCode::CONFLICT,
        "emergency number",
    )
    .await;

    // The admin sets 112 up as a group, deliberately, from the desk form.
    let fields = [("number", "112"), ("kind", "group"), ("name", "First aid")];
    let r = app.submit(&admin, "/admin", "/admin/desks", &fields).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Desk 112 set up as a group"));
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("id=\"group-112\""), "{html}");
    assert!(
        html.contains("112 (emergency): no member of its group can ring"),
        "{html}"
    );

    // Admins add anyone's extension directly; bad input is named and changes nothing.
    let add = "/admin/groups/112/members/add";
    for (fields, message) in [
        ([("member", "2999"), ("delay", "0")], "unknown member 2999"),
        (
            [("member", "2001"), ("delay", "400")],
            "delay 400 of member 2001 out of range",
        ),
        (
            [("member", "2001"), ("delay", "soon")],
            "is not a number of seconds",
        ),
    ] {
        let before = routing_state(&app).await;
        let r = app.submit(&admin, "/admin", add, &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
        assert_eq!(routing_state(&app).await, before);
    }
    let r = app
        .submit(&admin, "/admin", add, &[("member", "2001"), ("delay", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin#group-112");
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("id=\"admin-member-112-2001\""), "{html}");
    assert!(!html.contains("no member of its group can ring"), "{html}");
    // Ann sees her membership and may pause it herself.
    let html = account(&app, &ann).await;
    assert!(html.contains("id=\"membership-112-2001\""), "{html}");

    let delay = "/admin/groups/112/members/2001/delay";
    let r = app.submit(&admin, "/admin", delay, &[("delay", "7")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT delay FROM group_members WHERE group_number = '112'")
            .await,
        7
    );
    let pause = "/admin/groups/112/members/2001/active";
    let r = app.submit(&admin, "/admin", pause, &[("on", "0")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT active FROM group_members WHERE group_number = '112'")
            .await,
        0
    );
    let remove = "/admin/groups/112/members/2001/remove";
    let r = app.submit(&admin, "/admin", remove, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM group_members").await, 0);
    // Attendees cannot post the admin forms.
    let r = app
        .submit(&ann, "/account", add, &[("member", "2001"), ("delay", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM group_members").await, 0);

    // Admins set any group's ring timeout and fallback; bad input is named, changes nothing.
    let settings = "/admin/groups/112/settings";
    for (fields, message) in [
        (
            [("ring_timeout", "2"), ("fallback", "")],
            "ring timeout 2 out of range",
        ),
        (
            [("ring_timeout", "${SHELL(id)}"), ("fallback", "")],
            "Ring timeout: \u{201c}${SHELL(id)}\u{201d} is not a number of seconds",
        ),
        (
            [("ring_timeout", "45"), ("fallback", "20;1")],
            "Fallback: \u{201c}20;1\u{201d} is not a number",
        ),
        (
            [("ring_timeout", "45"), ("fallback", "2999")],
            "to 2999: not a number you may forward to",
        ),
    ] {
        let before = routing_state(&app).await;
        let r = app.submit(&admin, "/admin", settings, &fields).await;
        assert!(r.status().is_client_error(), "{fields:?}: {}", r.status());
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
        assert_eq!(routing_state(&app).await, before, "{fields:?}");
    }
    let fields = [("ring_timeout", "45"), ("fallback", "2001")];
    let r = app.submit(&admin, "/admin", settings, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin#group-112");
    assert_eq!(
        app.count("SELECT ring_timeout FROM routing WHERE number = '112' AND fallback = '2001'")
            .await,
        45
    );
    let (_, html) = app.get(&admin, "/admin").await;
    assert!(html.contains("id=\"admin-fallback-112\""), "{html}");
    // The compiled plan follows: after 45 s of ringing, the call goes to 2001.
    assert_eq!(
        app.count("SELECT timeout FROM routes WHERE number = '112' AND on_noanswer = '2001'")
            .await,
        45
    );
    // Attendees cannot post it, and nor can a form without its CSRF token.
    let before = routing_state(&app).await;
    let fields = [("ring_timeout", "60"), ("fallback", "")];
    let r = app.submit(&ann, "/account", settings, &fields).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin
        .post(app.url(settings))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(routing_state(&app).await, before);
}
