//! Groups, forwarding, do-not-disturb and call waiting (issue 12), executed by the real Asterisk
//! from plan rows (docs/routing.md), with sipp phones that ring, answer or refuse.
//!
//! None of these tests starts eventpbx: they write the rows the routing compiler would write
//! straight into the database and Asterisk's dialplan does everything else. That is the proof
//! that routed calls work while eventpbx is down; keep it so (no `start_eventpbx` here).

use std::time::Duration;

use crate::plan::{
    call_refused, listen, pjsip, received_at, registered, wait_request, Leg, Phone, Route,
};
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

fn assert_never_rang(run: &SippResult) {
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
    let m1 = sb.device("2601", "Member One").await;
    let m2 = sb.device("2602", "Member Two").await;
    let m3 = sb.device("2603", "Member Three").await;
    let p1 = registered(&sb, &m1, Phone::Ring).await;
    let p2 = registered(&sb, &m2, Phone::Ring).await;
    let p3 = registered(&sb, &m3, Phone::AnswerAfter(1000)).await;
    // Members 0, 0 and 10 s: the first two ring at once, the third through a delayed leg.
    let late = Leg::new("2610", 0, &m3.username, 10, 20);
    sb.plan(
        vec![Route {
            via: "Infodesk".into(),
            ..Route::ring("2610", &[pjsip(&m1), pjsip(&m2), late.target()], 30)
        }],
        vec![late],
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
    let m1 = sb.device("2621", "Bar One").await;
    let inner = sb.device("2624", "Backstage").await;
    let paused = sb.device("2625", "On Break").await;
    let p1 = registered(&sb, &m1, Phone::Ring).await;
    let pi = registered(&sb, &inner, Phone::AnswerAfter(500)).await;
    let pp = registered(&sb, &paused, Phone::Ring).await;
    // 2630 = {2621, 2631 = {2624, 2625 paused}}: flattened, the paused member left out.
    sb.plan(
        vec![
            Route {
                via: "Bar".into(),
                ..Route::ring("2630", &[pjsip(&m1), pjsip(&inner)], 30)
            },
            Route {
                via: "Backstage".into(),
                ..Route::ring("2631", &[pjsip(&inner)], 30)
            },
        ],
        vec![],
    )
    .await;

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
async fn forwarding_always_goes_on_at_once_and_follows_a_chain() {
    let sb = Sandbox::new().await;
    let caller = sb.device("2640", "Carol").await;
    let a = sb.device("2641", "Away").await;
    let b = sb.device("2642", "Also Away").await;
    let c = sb.device("2643", "Here").await;
    let pa = registered(&sb, &a, Phone::Ring).await;
    let pb = registered(&sb, &b, Phone::Ring).await;
    let mut pc = registered(&sb, &c, Phone::AnswerAfter(300)).await;
    sb.plan(
        vec![
            Route {
                forward: "2642".into(),
                ..Route::ring("2641", &[pjsip(&a)], 60)
            },
            Route {
                forward: "2643".into(),
                ..Route::ring("2642", &[pjsip(&b)], 60)
            },
            Route::ring("2643", &[pjsip(&c)], 60),
        ],
        vec![],
    )
    .await;

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
    // The compiler writes fwd_no_answer after N s and fwd_always after N s alike: ring the
    // device N s, then on_noanswer.
    let sb = Sandbox::new().await;
    let caller = sb.device("2650", "Dave").await;
    let a = sb.device("2651", "Slow").await;
    let b = sb.device("2652", "Backup").await;
    let pa = registered(&sb, &a, Phone::Ring).await;
    let pb = registered(&sb, &b, Phone::AnswerAfter(300)).await;
    sb.plan(
        vec![
            Route {
                on_noanswer: "2652".into(),
                ..Route::ring("2651", &[pjsip(&a)], 3)
            },
            Route::ring("2652", &[pjsip(&b)], 60),
        ],
        vec![],
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
    let a = sb.device("2661", "Engaged").await;
    let b = sb.device("2662", "Busy Target").await;
    let u = sb.device("2663", "Unavailable Target").await;
    let pu = registered(&sb, &u, Phone::Ring).await;
    let leg = Leg::new("2664", 0, &a.username, 0, 20);
    sb.plan(
        vec![
            Route {
                on_busy: "2662".into(),
                on_unavailable: "2663".into(),
                ..Route::ring("2661", &[pjsip(&a)], 20)
            },
            Route::ring("2662", &[pjsip(&b)], 60),
            Route::ring("2663", &[pjsip(&u)], 60),
            Route {
                via: "Desk".into(),
                on_busy: "2662".into(),
                on_unavailable: "2663".into(),
                ..Route::ring("2664", &[leg.target()], 20)
            },
        ],
        vec![leg],
    )
    .await;
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
    let absent = sb.device("2671", "Not Registered").await;
    let b = sb.device("2672", "Unavailable Target").await;
    let busy_target = sb.device("2673", "Busy Target").await;
    let pbusy = registered(&sb, &busy_target, Phone::Ring).await;
    // A group whose only member is 10 s delayed and absent: "nobody reachable" is known at
    // once (DEVICE_STATE), not after the delay.
    let leg = Leg::new("2674", 0, &absent.username, 10, 20);
    sb.plan(
        vec![
            Route {
                on_busy: "2673".into(),
                on_unavailable: "2672".into(),
                ..Route::ring("2671", &[pjsip(&absent)], 20)
            },
            Route::ring("2672", &[pjsip(&b)], 60),
            Route {
                via: "Night Shift".into(),
                on_unavailable: "2672".into(),
                ..Route::ring("2674", &[leg.target()], 30)
            },
        ],
        vec![leg],
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
    let absent = sb.device("2676", "Gone").await;
    let leg = Leg::new("2677", 0, &absent.username, 10, 20);
    sb.plan(
        vec![Route {
            via: "Empty".into(),
            ..Route::ring("2677", &[leg.target()], 30)
        }],
        vec![leg],
    )
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
    let quiet = sb.device("2681", "Sleeping").await;
    let b = sb.device("2682", "Night Desk").await;
    let pq = registered(&sb, &quiet, Phone::Ring).await;
    let pb = registered(&sb, &b, Phone::AnswerAfter(300)).await;
    sb.plan(
        vec![
            Route {
                busy_now: true,
                ..Route::ring("2681", &[pjsip(&quiet)], 60)
            },
            Route {
                busy_now: true,
                on_busy: "2682".into(),
                ..Route::ring("2683", &[pjsip(&quiet)], 60)
            },
            Route::ring("2682", &[pjsip(&b)], 60),
        ],
        vec![],
    )
    .await;

    call_refused(&sb.settings, &caller, "2681", 486)
        .finish()
        .await
        .assert_ok();
    answered(&sb, &caller, "2683", 300)
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
    sb.plan(
        vec![
            Route {
                number: "2691".into(),
                forward: "2692".into(),
                ..Route::default()
            },
            Route {
                number: "2692".into(),
                forward: "2691".into(),
                ..Route::default()
            },
            // Busy forwarding in a loop (both DND, each forwarding busy to the other).
            Route {
                number: "2693".into(),
                busy_now: true,
                on_busy: "2694".into(),
                ..Route::default()
            },
            Route {
                number: "2694".into(),
                busy_now: true,
                on_busy: "2693".into(),
                ..Route::default()
            },
        ],
        vec![],
    )
    .await;

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
    let w = sb.device("2711", "No Waiting").await;
    let x = sb.device("2714", "Somebody").await;
    let leg = Leg {
        cw: false,
        ..Leg::new("2711", 0, &w.username, 0, 60)
    };
    let in_group = Leg {
        cw: false,
        ..Leg::new("2719", 0, &w.username, 0, 30)
    };
    sb.plan(
        vec![
            Route {
                cw_endpoint: w.username.clone(),
                ..Route::ring("2711", &[leg.target()], 60)
            },
            Route {
                via: "Crew".into(),
                ..Route::ring("2719", &[in_group.target()], 30)
            },
            Route::ring("2714", &[pjsip(&x)], 60),
        ],
        vec![leg, in_group],
    )
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
    let medic = sb.device("2721", "Medic").await;
    sb.plan(
        vec![Route {
            via: "First Aid".into(),
            ..Route::ring("112", &[pjsip(&medic)], 60)
        }],
        vec![],
    )
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
    let m = sb.device("2731", "Member").await;
    let pm = registered(&sb, &m, Phone::AnswerAfter(300)).await;
    let late = Leg::new("2735", 0, &m.username, 0, 30);
    sb.plan(
        vec![
            Route {
                via: "O'Brien-Desk_1.0".into(),
                ..Route::ring("2735", &[pjsip(&m)], 30)
            },
            // The same through a member leg (the name crosses a Local channel).
            Route {
                via: "Leg Desk".into(),
                ..Route::ring("2736", &[late.target()], 30)
            },
        ],
        vec![late],
    )
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
    let m = sb.device("2741", "Unqualified").await;
    sb.update_aor(&m.username, "qualify_frequency = 0").await;
    crate::support::sipp(&sb.settings, "register", &m, &["-m", "1"])
        .finish()
        .await
        .assert_ok();
    let pm = listen(&sb.settings, &m, Phone::AnswerAfter(300));
    let leg = Leg::new("2745", 0, &m.username, 1, 20);
    sb.plan(
        vec![Route {
            via: "Quiet Desk".into(),
            ..Route::ring("2745", &[leg.target()], 30)
        }],
        vec![leg],
    )
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
    let m = sb.device("2751", "Never Answers").await;
    let fallback = sb.device("2752", "Fallback").await;
    sb.plan(
        vec![
            Route {
                via: "Silent".into(),
                ..Route::ring("2755", &[pjsip(&m)], 3)
            },
            Route {
                via: "Silent".into(),
                on_noanswer: "2752".into(),
                ..Route::ring("2756", &[pjsip(&m)], 3)
            },
            Route::ring("2752", &[pjsip(&fallback)], 60),
        ],
        vec![],
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
