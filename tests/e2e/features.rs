//! The feature codes (issue 12) through the whole chain: a phone dials the code, the dialplan's
//! digits-only pattern hands it to eventpbx over Stasis, eventpbx changes the routing in one
//! transaction and says so; then calls follow the new plan and the API shows it.

use eventpbx::db::api_keys::{self, Scope};

use crate::plan::{call_refused, listen, registered, Phone};
use crate::support::{call, played, AsteriskLog, End, Eventpbx, Sandbox, Step};

/// Dials `code` as `device` and returns the prompts eventpbx played, in order.
async fn dial_code(sb: &Sandbox, device: &crate::support::Device, code: &str) -> Vec<String> {
    let log = AsteriskLog::mark();
    call(
        &sb.settings,
        device,
        code,
        &[Step::Pause(200)],
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    played(&sb.settings, &log.since())
}

/// Prompt names, with each digit of `n` spoken as `digits/<d>` where `n` stands.
fn heard(parts: &[&str]) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| match p.strip_prefix('#') {
            Some(digits) => digits.chars().map(|d| format!("digits/{d}")).collect(),
            None => vec![p.to_string()],
        })
        .collect()
}

/// GET on the running eventpbx's API with a read key.
async fn api(sb: &Sandbox, app: &Eventpbx, path: &str) -> serde_json::Value {
    let key = sb
        .db
        .write(|tx| {
            tx.execute("DELETE FROM api_keys WHERE name = 'e2e-features'", [])?;
            api_keys::create(tx, "e2e-features", Scope::Read)
        })
        .await
        .expect("API key");
    let resp = sb
        .http
        .get(format!("{}/api/v1{path}", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("API");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.expect("API JSON")
}

#[tokio::test]
async fn each_feature_code_changes_routing_as_announced() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2800", "Caller").await;
    let me = sb.extension("2801", "Me").await;
    let other = sb.extension("2802", "Other").await;
    sb.group("2810", "Crew", &[("2801", 0, true)], None, None)
        .await;
    let app = sb.start_eventpbx().await;
    let first_event: i64 = sb
        .db
        .read(|c| Ok(c.query_row("SELECT coalesce(max(id), 0) FROM outbox", [], |r| r.get(0))?))
        .await
        .unwrap();

    // 9952 + N pauses, then resumes, my membership; the group's plan follows.
    let code = &sb.settings.codes;
    let toggle = format!("{}2810", code.group_toggle);
    assert_eq!(
        dial_code(&sb, &me, &toggle).await,
        heard(&["group-paused", "#2810"])
    );
    let route = api(&sb, &app, "/numbers/2810/route").await;
    assert_eq!(route["members"][0]["active"], false, "{route}");
    assert_eq!(route["rings"], serde_json::json!([]), "{route}");
    let pm = registered(&sb, &me, Phone::Ring).await;
    call_refused(&sb.settings, &caller, "2810", 480)
        .finish()
        .await
        .assert_ok();
    assert_eq!(
        dial_code(&sb, &me, &toggle).await,
        heard(&["group-active", "#2810"])
    );
    let route = api(&sb, &app, "/numbers/2810/route").await;
    assert_eq!(route["members"][0]["active"], true, "{route}");
    assert_eq!(route["rings"][0]["number"], "2801", "{route}");
    let r = pm.kill();
    assert!(
        r.received_request("INVITE").is_none(),
        "paused, 2801 must not ring:\n{}",
        r.messages
    );
    // The code alone changes nothing: it says where I stand and how to use it.
    assert_eq!(
        dial_code(&sb, &me, &code.group_toggle).await,
        heard(&["member-active", "#2810", "group-code-how"])
    );
    let route = api(&sb, &app, "/numbers/2810/route").await;
    assert_eq!(route["members"][0]["active"], true, "{route}");

    // 9953 + N: forwarding always to N; a call to me rings N, not me.
    let forward = format!("{}2802", code.forward);
    assert_eq!(
        dial_code(&sb, &me, &forward).await,
        heard(&["forwarding-to", "#2802", "is-on"])
    );
    let route = api(&sb, &app, "/numbers/2801/route").await;
    assert_eq!(route["forward"], "2802", "{route}");
    assert_eq!(route["settings"]["forward"]["always"], "2802", "{route}");
    let pm = listen(&sb.settings, &me, Phone::Ring);
    let po = registered(&sb, &other, Phone::AnswerAfter(300)).await;
    call(
        &sb.settings,
        &caller,
        "2801",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    po.finish().await.assert_ok();
    let r = pm.kill();
    assert!(
        r.received_request("INVITE").is_none(),
        "forwarded, 2801 must not ring:\n{}",
        r.messages
    );

    // 9953 alone: off again.
    assert_eq!(
        dial_code(&sb, &me, &code.forward).await,
        heard(&["forwarding-off"])
    );
    let route = api(&sb, &app, "/numbers/2801/route").await;
    assert_eq!(route["forward"], serde_json::Value::Null, "{route}");

    // 9954: do-not-disturb on (callers get busy), then off (it rings again).
    assert_eq!(dial_code(&sb, &me, &code.dnd).await, heard(&["dnd-on"]));
    let route = api(&sb, &app, "/numbers/2801/route").await;
    assert_eq!(route["settings"]["dnd"], true, "{route}");
    assert_eq!(route["busy_now"], true, "{route}");
    call_refused(&sb.settings, &caller, "2801", 486)
        .finish()
        .await
        .assert_ok();
    assert_eq!(dial_code(&sb, &me, &code.dnd).await, heard(&["dnd-off"]));
    // Registered again: while no phone answered its qualify, Asterisk took it for gone.
    let pm = registered(&sb, &me, Phone::AnswerAfter(300)).await;
    call(
        &sb.settings,
        &caller,
        "2801",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    pm.finish().await.assert_ok();

    // Each change reached the events stream, written in its transaction by the triggers.
    let events: Vec<String> = sb
        .db
        .read(move |c| {
            let mut stmt = c.prepare(
                "SELECT type || ' ' || subject FROM outbox WHERE id > ?1 AND type LIKE 'group.%'
                 OR id > ?1 AND type LIKE 'routing.%' ORDER BY id",
            )?;
            let rows = stmt.query_map([first_event], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            "group.member_updated 2810",
            "group.member_updated 2810",
            "routing.updated 2801",
            "routing.updated 2801",
            "routing.updated 2801",
            "routing.updated 2801",
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn refused_feature_codes_say_why_and_change_nothing() {
    let sb = Sandbox::new().await;
    let me = sb.extension("2821", "Me").await;
    sb.extension("2822", "Not A Group").await;
    sb.group("2830", "Others", &[("2822", 0, true)], None, None)
        .await;
    let temp = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let code = sb.settings.codes.clone();
    let before = sb.routing_state().await;

    // Forwarding to a temporary number, to a number nobody has, to myself.
    for target in [temp.number.as_str(), "4711", "2821"] {
        assert_eq!(
            dial_code(&sb, &me, &format!("{}{target}", code.forward)).await,
            heard(&["forwarding-refused"]),
            "{target}"
        );
    }
    // Not a member of that group (nor of a number that is no group).
    for group in ["2830", "2822", "4711"] {
        assert_eq!(
            dial_code(&sb, &me, &format!("{}{group}", code.group_toggle)).await,
            heard(&["not-a-member"]),
            "{group}"
        );
    }
    // The group code alone, for someone in no group.
    assert_eq!(
        dial_code(&sb, &me, &code.group_toggle).await,
        heard(&["no-groups"])
    );
    // A temporary handset reaches the codes but has no extension to change.
    for dialled in [code.dnd.clone(), format!("{}2821", code.forward)] {
        assert_eq!(
            dial_code(&sb, &temp, &dialled).await,
            heard(&["no-number"]),
            "{dialled}"
        );
    }
    assert_eq!(sb.routing_state().await, before, "refused: nothing written");
    app.stop().await;
}

#[tokio::test]
async fn a_call_into_eventpbx_counts_as_in_a_call_for_call_waiting() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2840", "Caller").await;
    let me = sb.extension("2841", "Echo Tester").await;
    sb.route_change(
        "2841",
        eventpbx::service::routing::RoutingChange {
            call_waiting: Some(false),
            ..Default::default()
        },
    )
    .await;
    let app = sb.start_eventpbx().await;
    // I am in the echo test (a Stasis flow) for a few seconds: a call to me is busy.
    let log = AsteriskLog::mark();
    let echo = call(
        &sb.settings,
        &me,
        &sb.settings.codes.echo,
        &[Step::Pause(6000)],
        End::CallerHangsUp,
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !log.since().contains("Stasis(") {
        assert!(
            std::time::Instant::now() < deadline,
            "the echo call never reached Stasis"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    call_refused(&sb.settings, &caller, "2841", 486)
        .finish()
        .await
        .assert_ok();
    echo.finish().await.assert_ok();
    // Out of the echo test: the call rings again.
    let pm = registered(&sb, &me, Phone::AnswerAfter(300)).await;
    call(
        &sb.settings,
        &caller,
        "2841",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    pm.finish().await.assert_ok();
    app.stop().await;
}
