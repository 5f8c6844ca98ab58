//! Groups, forwarding, do-not-disturb and call waiting (issue 12), set up through eventpbx's
//! routing service (which checks the rules and compiles the plan, docs/routing.md) and executed
//! by the real Asterisk, with sipp phones that ring, answer or refuse.
//!
//! None of these tests starts eventpbx: the service functions only need the database, and once
//! a change is committed Asterisk's dialplan does everything else. That is the proof that
//! routed calls work while eventpbx is down; keep it so (no `start_eventpbx` here).

use std::time::Duration;

use eventpbx::service::routing::{ForwardingChange, RouteChangeError, RoutingChange};

use crate::plan::{call_refused, listen, received_at, registered, to, wait_request, Phone};
use crate::support::{call, header, AsteriskLog, End, Sandbox, SippResult, Step};

/// A caller that stays `hold_ms` in the answered call, then hangs up.
fn answered(
    sb: &Sandbox,
    caller: &crate::support::Device,
    to: &str,
    hold_ms: u32,
) -> crate::support::Sipp {
    call(
        &sb.settings,
        caller,
        to,
        &[Step::Pause(hold_ms)],
        End::CallerHangsUp,
    )
}

fn invites(run: &SippResult) -> Vec<f64> {
    received_at(&run.messages, "INVITE")
}

/// The display name of the From header of the INVITE a phone received.
fn from_display(run: &SippResult) -> String {
    let invite = run
        .received_request("INVITE")
        .unwrap_or_else(|| panic!("{} got no INVITE:\n{}", run.name, run.messages));
    let from = header(&invite, "From").unwrap_or_default().to_string();
    from.split('<')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The phone of `run` got no INVITE.
pub(crate) fn assert_never_rang(run: &SippResult) {
    assert!(
        run.received_request("INVITE").is_none(),
        "{} must not ring:\n{}",
        run.name,
        run.messages
    );
}

#[tokio::test]
async fn a_group_rings_members_by_delay_and_cancels_the_rest_when_one_answers() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2600", "Alice").await;
    let m1 = sb.extension("2601", "Member One").await;
    let m2 = sb.extension("2602", "Member Two").await;
    let m3 = sb.extension("2603", "Member Three").await;
    let p1 = registered(&sb, &m1, Phone::Ring).await;
    let p2 = registered(&sb, &m2, Phone::Ring).await;
    let p3 = registered(&sb, &m3, Phone::AnswerAfter(1000)).await;
    // Members 0, 0 and 10 s: the first two ring at once, the third through a delayed leg.
    sb.group(
        "2610",
        "Infodesk",
        &[("2601", 0, true), ("2602", 0, true), ("2603", 10, true)],
        Some(30),
        None,
    )
    .await;

    let c = answered(&sb, &caller, "2610", 1000).finish().await;
    c.assert_ok();
    let (r1, r2, r3) = (p1.finish().await, p2.finish().await, p3.finish().await);
    for r in [&r1, &r2] {
        r.assert_ok();
        assert!(
            r.received_request("CANCEL").is_some(),
            "{} was not cancelled:\n{}",
            r.name,
            r.messages
        );
    }
    r3.assert_ok();
    let (t1, t2, t3) = (invites(&r1)[0], invites(&r2)[0], invites(&r3)[0]);
    assert!(
        (t1 - t2).abs() < 2.0,
        "the first two must ring together: {t1} {t2}"
    );
    let late_by = t3 - t1.min(t2);
    assert!(
        (9.0..=14.0).contains(&late_by),
        "the 10 s member rang {late_by:.1} s after the first"
    );
    // Answered elsewhere: Dial's c option puts it in the CANCEL's Reason.
    let cancel = r1.received_request("CANCEL").unwrap();
    assert!(
        header(&cancel, "Reason").is_some_and(|r| r.contains("cause=200")),
        "{cancel}"
    );
    for r in [&r1, &r2, &r3] {
        assert_eq!(from_display(r), "\"Alice via Infodesk\"", "{}", r.messages);
    }
}

#[tokio::test]
async fn a_nested_groups_members_ring_and_a_paused_member_never_does() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2620", "Bob").await;
    let m1 = sb.extension("2621", "Bar One").await;
    let inner = sb.extension("2624", "Backstage").await;
    let paused = sb.extension("2625", "On Break").await;
    let p1 = registered(&sb, &m1, Phone::Ring).await;
    let pi = registered(&sb, &inner, Phone::AnswerAfter(500)).await;
    let pp = registered(&sb, &paused, Phone::Ring).await;
    // 2630 = {2621, 2631 = {2624, 2625}}, then 2625 pauses itself: the compiler flattens
    // the nesting and leaves the paused member out.
    sb.group(
        "2631",
        "Backstage",
        &[("2624", 0, true), ("2625", 0, true)],
        None,
        None,
    )
    .await;
    sb.group(
        "2630",
        "Bar",
        &[("2621", 0, true), ("2631", 0, true)],
        None,
        None,
    )
    .await;
    eventpbx::service::routing::set_member_active(
        &sb.db,
        "2631",
        "2625",
        false,
        eventpbx::service::extensions::Actor::Staff,
    )
    .await
    .unwrap();

    answered(&sb, &caller, "2630", 500)
        .finish()
        .await
        .assert_ok();
    let ri = pi.finish().await;
    ri.assert_ok();
    assert_eq!(from_display(&ri), "\"Bob via Bar\"");
    let r1 = p1.finish().await;
    r1.assert_ok();
    assert!(r1.received_request("CANCEL").is_some(), "{}", r1.messages);
    assert_never_rang(&pp.kill());
}

#[tokio::test]
async fn a_cycle_is_refused_and_changes_nothing() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2760", "Lena").await;
    let m = sb.extension("2761", "Crew Phone").await;
    sb.group("2763", "Inner", &[("2761", 0, true)], None, None)
        .await;
    sb.group("2762", "Outer", &[("2763", 0, true)], None, None)
        .await;
    let before = sb.routing_state().await;
    // 2763 holding 2762 would close 2762 -> 2763 -> 2762.
    let refused = sb
        .try_members("2763", &[("2761", 0, true), ("2762", 0, true)])
        .await;
    match &refused {
        Err(RouteChangeError::Rule(e)) => {
            let text = e.to_string();
            assert!(
                text.contains("cycle") && text.contains("2762") && text.contains("2763"),
                "{text}"
            );
        }
        other => panic!("a cycle must be refused: {other:?}"),
    }
    assert_eq!(
        sb.routing_state().await,
        before,
        "a refused change writes nothing"
    );
    // And the plan still routes as before.
    let pm = registered(&sb, &m, Phone::AnswerAfter(300)).await;
    answered(&sb, &caller, "2762", 300)
        .finish()
        .await
        .assert_ok();
    let rm = pm.finish().await;
    rm.assert_ok();
    assert_eq!(from_display(&rm), "\"Lena via Outer\"");
}

#[tokio::test]
async fn forwarding_always_goes_on_at_once_and_follows_a_chain() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2640", "Carol").await;
    let a = sb.extension("2641", "Away").await;
    let b = sb.extension("2642", "Also Away").await;
    let c = sb.extension("2643", "Here").await;
    let pa = registered(&sb, &a, Phone::Ring).await;
    let pb = registered(&sb, &b, Phone::Ring).await;
    let mut pc = registered(&sb, &c, Phone::AnswerAfter(300)).await;
    for (from, target) in [("2641", "2642"), ("2642", "2643")] {
        sb.forward(
            from,
            ForwardingChange {
                always: to(target),
                ..ForwardingChange::default()
            },
        )
        .await;
    }

    // One hop, then two.
    for dialled in ["2642", "2641"] {
        answered(&sb, &caller, dialled, 300)
            .finish()
            .await
            .assert_ok();
        let rc = pc.finish().await;
        rc.assert_ok();
        assert_eq!(from_display(&rc), "\"Carol\"", "no via for extensions");
        pc = listen(&sb.settings, &c, Phone::AnswerAfter(300));
    }
    pc.stop();
    assert_never_rang(&pa.kill());
    assert_never_rang(&pb.kill());
}

#[tokio::test]
async fn no_answer_within_the_timeout_forwards_after_that_many_seconds() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2650", "Dave").await;
    let a = sb.extension("2651", "Slow").await;
    let b = sb.extension("2652", "Backup").await;
    let pa = registered(&sb, &a, Phone::Ring).await;
    let pb = registered(&sb, &b, Phone::AnswerAfter(300)).await;
    sb.forward(
        "2651",
        ForwardingChange {
            no_answer: to("2652"),
            no_answer_after: Some(Some(3)),
            ..ForwardingChange::default()
        },
    )
    .await;

    answered(&sb, &caller, "2651", 300)
        .finish()
        .await
        .assert_ok();
    let (ra, rb) = (pa.finish().await, pb.finish().await);
    ra.assert_ok();
    rb.assert_ok();
    assert!(ra.received_request("CANCEL").is_some(), "{}", ra.messages);
    let after = invites(&rb)[0] - invites(&ra)[0];
    assert!(
        (2.5..=8.0).contains(&after),
        "forwarded {after:.1} s after ringing"
    );
}

#[tokio::test]
async fn busy_and_rejected_calls_forward_on_busy() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2660", "Erin").await;
    let a = sb.extension("2661", "Engaged").await;
    let b = sb.extension("2662", "Busy Target").await;
    let u = sb.extension("2663", "Unavailable Target").await;
    let pu = registered(&sb, &u, Phone::Ring).await;
    let onwards = ForwardingChange {
        busy: to("2662"),
        unavailable: to("2663"),
        ..ForwardingChange::default()
    };
    sb.forward("2661", onwards.clone()).await;
    // A group whose member 2661 rings after 1 s, so through a member leg (a member's own
    // forwarding is not followed inside a group: the group's is).
    sb.group("2664", "Desk", &[("2661", 1, true)], Some(20), None)
        .await;
    sb.forward("2664", onwards).await;
    let mut pb = registered(&sb, &b, Phone::AnswerAfter(300)).await;

    // 486 from the phone; then 603 (which Dial reports as CHANUNAVAIL, told apart from an
    // absent phone by the Asterisk cause): both are busy, directly and through a member leg.
    for (code, dialled) in [(486, "2661"), (603, "2661"), (603, "2664")] {
        let pa = registered(&sb, &a, Phone::Refuse(code)).await;
        answered(&sb, &caller, dialled, 300)
            .finish()
            .await
            .assert_ok();
        let ra = pa.finish().await;
        ra.assert_ok();
        pb.finish().await.assert_ok();
        pb = listen(&sb.settings, &b, Phone::AnswerAfter(300));
    }
    pb.stop();
    assert_never_rang(&pu.kill());
}

#[tokio::test]
async fn an_unregistered_device_forwards_on_unavailable_at_once_even_behind_a_delay() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2670", "Frank").await;
    sb.extension("2671", "Not Registered").await;
    let b = sb.extension("2672", "Unavailable Target").await;
    let busy_target = sb.extension("2673", "Busy Target").await;
    let pbusy = registered(&sb, &busy_target, Phone::Ring).await;
    sb.forward(
        "2671",
        ForwardingChange {
            busy: to("2673"),
            unavailable: to("2672"),
            ..ForwardingChange::default()
        },
    )
    .await;
    // A group whose only member is 10 s delayed and absent: "nobody reachable" is known at
    // once (in the leg), not after the delay.
    sb.group("2674", "Night Shift", &[("2671", 10, true)], Some(30), None)
        .await;
    sb.forward(
        "2674",
        ForwardingChange {
            unavailable: to("2672"),
            ..ForwardingChange::default()
        },
    )
    .await;

    for dialled in ["2671", "2674"] {
        let pb = registered(&sb, &b, Phone::AnswerAfter(300)).await;
        let started = std::time::Instant::now();
        let c = answered(&sb, &caller, dialled, 300);
        wait_request(&pb, "INVITE", Duration::from_secs(30)).await;
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(6),
            "{dialled}: forwarded after {took:?}"
        );
        c.finish().await.assert_ok();
        pb.finish().await.assert_ok();
    }
    assert_never_rang(&pbusy.kill());
}

#[tokio::test]
async fn an_unreachable_leg_ends_the_group_at_once() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2675", "Gina").await;
    sb.extension("2676", "Gone").await;
    sb.group("2677", "Empty", &[("2676", 10, true)], Some(30), None)
        .await;
    // Unavailable without a target: the caller is hung up on as before (no 10 s of ringing).
    let started = std::time::Instant::now();
    let c = call_refused(&sb.settings, &caller, "2677", 480)
        .finish()
        .await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(6),
        "took {took:?}:\n{}",
        c.messages
    );
    c.assert_ok();
}

#[tokio::test]
async fn do_not_disturb_is_busy_or_forwards_on_busy() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2680", "Hank").await;
    let quiet = sb.extension("2681", "Sleeping").await;
    let b = sb.extension("2682", "Night Desk").await;
    let pq = registered(&sb, &quiet, Phone::Ring).await;
    let pb = registered(&sb, &b, Phone::AnswerAfter(300)).await;
    sb.route_change(
        "2681",
        RoutingChange {
            dnd: Some(true),
            ..RoutingChange::default()
        },
    )
    .await;

    call_refused(&sb.settings, &caller, "2681", 486)
        .finish()
        .await
        .assert_ok();
    // DND with busy forwarding forwards.
    sb.forward(
        "2681",
        ForwardingChange {
            busy: to("2682"),
            ..ForwardingChange::default()
        },
    )
    .await;
    answered(&sb, &caller, "2681", 300)
        .finish()
        .await
        .assert_ok();
    pb.finish().await.assert_ok();
    assert_never_rang(&pq.kill());
}

#[tokio::test]
async fn a_forwarding_loop_ends_in_busy_after_five_hops() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2690", "Ivan").await;
    for n in ["2691", "2692", "2693", "2694"] {
        sb.extension(n, "Looping").await;
    }
    for (from, target) in [("2691", "2692"), ("2692", "2691")] {
        sb.forward(
            from,
            ForwardingChange {
                always: to(target),
                ..ForwardingChange::default()
            },
        )
        .await;
    }
    // Busy forwarding in a loop (both DND, each forwarding busy to the other).
    for (from, target) in [("2693", "2694"), ("2694", "2693")] {
        sb.route_change(
            from,
            RoutingChange {
                dnd: Some(true),
                forward: ForwardingChange {
                    busy: to(target),
                    ..ForwardingChange::default()
                },
                ..RoutingChange::default()
            },
        )
        .await;
    }

    for dialled in ["2691", "2693"] {
        let log = AsteriskLog::mark();
        call_refused(&sb.settings, &caller, dialled, 486)
            .finish()
            .await
            .assert_ok();
        let text = log.since();
        let hops = text.matches("Executing [hop@eventpbx-dial:1]").count();
        assert_eq!(hops, 5, "{dialled}: {hops} hops:\n{text}");
    }
}

#[tokio::test]
async fn call_waiting_off_makes_a_second_call_busy() {
    let sb = Sandbox::new().await;
    let first = sb.device("2710", "First").await;
    let second = sb.device("2712", "Second").await;
    let w = sb.extension("2711", "No Waiting").await;
    let x = sb.extension("2714", "Somebody").await;
    sb.route_change(
        "2711",
        RoutingChange {
            call_waiting: Some(false),
            ..RoutingChange::default()
        },
    )
    .await;
    sb.group("2719", "Crew", &[("2711", 0, true)], Some(30), None)
        .await;

    // W answers the first call and stays in it; a second call, direct or through a group,
    // is busy and never reaches W.
    let pw = registered(&sb, &w, Phone::AnswerAfter(200)).await;
    let c1 = answered(&sb, &first, "2711", 8000);
    wait_request(&pw, "ACK", Duration::from_secs(15)).await;
    call_refused(&sb.settings, &second, "2711", 486)
        .finish()
        .await
        .assert_ok();
    call_refused(&sb.settings, &second, "2719", 486)
        .finish()
        .await
        .assert_ok();
    c1.finish().await.assert_ok();
    let rw = pw.finish().await;
    rw.assert_ok();
    assert_eq!(invites(&rw).len(), 1, "{}", rw.messages);

    // W's own call counts too.
    let pw = listen(&sb.settings, &w, Phone::Ring);
    let px = registered(&sb, &x, Phone::AnswerAfter(200)).await;
    let out = answered(&sb, &w, "2714", 6000);
    wait_request(&px, "ACK", Duration::from_secs(15)).await;
    call_refused(&sb.settings, &second, "2711", 486)
        .finish()
        .await
        .assert_ok();
    out.finish().await.assert_ok();
    px.finish().await.assert_ok();
    assert_never_rang(&pw.kill());

    // Idle again: the call rings.
    let pw = listen(&sb.settings, &w, Phone::AnswerAfter(200));
    answered(&sb, &second, "2711", 300)
        .finish()
        .await
        .assert_ok();
    pw.finish().await.assert_ok();
}

#[tokio::test]
async fn temporary_handsets_and_bound_phones_reach_the_emergency_group() {
    let sb = Sandbox::new().await;
    let temp = sb.temporary_handset().await;
    let bound = sb.device("2722", "Bound Phone").await;
    let medic = sb.extension("2721", "Medic").await;
    // An admin makes the emergency number a group (issue 12).
    sb.group("112", "First Aid", &[("2721", 0, true)], None, None)
        .await;
    let mut pm = registered(&sb, &medic, Phone::AnswerAfter(300)).await;
    for caller in [&temp, &bound] {
        answered(&sb, caller, "112", 300).finish().await.assert_ok();
        let rm = pm.finish().await;
        rm.assert_ok();
        assert!(
            from_display(&rm).ends_with(" via First Aid\""),
            "{}",
            rm.messages
        );
        pm = listen(&sb.settings, &medic, Phone::AnswerAfter(300));
    }
    pm.stop();
}

#[tokio::test]
async fn a_callers_name_and_the_group_name_are_shown_as_text_never_evaluated() {
    let sb = Sandbox::new().await;
    let name = "Mallory ${LEN(abc)} $[1+1], \"q\" 'x' ${SHELL(id)}";
    let caller = sb.device("2730", name).await;
    let m = sb.extension("2731", "Member").await;
    let pm = registered(&sb, &m, Phone::AnswerAfter(300)).await;
    sb.group("2735", "O'Brien-Desk_1.0", &[("2731", 0, true)], None, None)
        .await;
    // The same through a member leg (the name crosses a Local channel).
    sb.group("2736", "Leg Desk", &[("2731", 1, true)], None, None)
        .await;

    let log = AsteriskLog::mark();
    answered(&sb, &caller, "2735", 300)
        .finish()
        .await
        .assert_ok();
    let rm = pm.finish().await;
    rm.assert_ok();
    let pm = listen(&sb.settings, &m, Phone::AnswerAfter(300));
    answered(&sb, &caller, "2736", 300)
        .finish()
        .await
        .assert_ok();
    let rl = pm.finish().await;
    rl.assert_ok();
    let escaped = "Mallory ${LEN(abc)} $[1+1], \\\"q\\\" 'x' ${SHELL(id)}";
    assert_eq!(
        from_display(&rm),
        format!("\"{escaped} via O'Brien-Desk_1.0\"")
    );
    assert_eq!(from_display(&rl), format!("\"{escaped} via Leg Desk\""));
    let text = log.since();
    assert!(
        text.contains("Local/") && text.contains("@eventpbx-leg"),
        "the second call went through a member leg:\n{text}"
    );
    assert!(
        !text.contains("argbuf allocated"),
        "a function ran inside an expression:\n{text}"
    );
    assert!(!text.contains("uid="), "{text}");
}

#[tokio::test]
async fn a_delayed_member_without_qualify_still_rings() {
    // With qualify off Asterisk calls the contact NonQualified and the endpoint "offline"; the
    // leg's DEVICE_STATE check must still let a registered device ring.
    let sb = Sandbox::new().await;
    let caller = sb.device("2740", "Jo").await;
    let m = sb.extension("2741", "Unqualified").await;
    sb.update_aor(&m.username, "qualify_frequency = 0").await;
    crate::support::sipp(&sb.settings, "register", &m, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let pm = listen(&sb.settings, &m, Phone::AnswerAfter(300));
    sb.group("2745", "Quiet Desk", &[("2741", 1, true)], Some(30), None)
        .await;
    let log = AsteriskLog::mark();
    answered(&sb, &caller, "2745", 300)
        .finish()
        .await
        .assert_ok();
    pm.finish().await.assert_ok();
    // What the leg saw: a contact, no qualify, so DEVICE_STATE was not asked.
    let text = log.since();
    assert!(text.contains("\"QUALIFY=0\""), "{text}");
}

#[tokio::test]
async fn a_group_nobody_answers_is_busy_or_goes_to_its_fallback() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2750", "Kim").await;
    let m = sb.extension("2751", "Never Answers").await;
    let fallback = sb.extension("2752", "Fallback").await;
    // The shortest ring timeout the rules allow.
    sb.group("2755", "Silent", &[("2751", 0, true)], Some(5), None)
        .await;
    sb.group(
        "2756",
        "Silent",
        &[("2751", 0, true)],
        Some(5),
        Some("2752"),
    )
    .await;

    // Without a fallback the ring timeout ends in busy.
    let pm = registered(&sb, &m, Phone::Ring).await;
    call_refused(&sb.settings, &caller, "2755", 486)
        .finish()
        .await
        .assert_ok();
    let rm = pm.finish().await;
    rm.assert_ok();
    assert!(rm.received_request("CANCEL").is_some(), "{}", rm.messages);

    // With one, the fallback rings after the timeout.
    let pm = listen(&sb.settings, &m, Phone::Ring);
    let pf = registered(&sb, &fallback, Phone::AnswerAfter(300)).await;
    answered(&sb, &caller, "2756", 300)
        .finish()
        .await
        .assert_ok();
    pm.finish().await.assert_ok();
    let rf = pf.finish().await;
    rf.assert_ok();
    assert_eq!(from_display(&rf), "\"Kim\"", "the fallback is an extension");
}
