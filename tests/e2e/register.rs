//! Self-registration by dialling the code plus a token, against the real Asterisk: the handset
//! becomes the extension without being reconfigured, and every refusal changes nothing.

use crate::support::{
    call, header, keys, played, register_and_listen, AsteriskLog, Device, End, Sandbox, Step,
};

fn code(sb: &Sandbox) -> String {
    sb.settings.codes.register.clone()
}

/// Spoken digits of a number, as played after "bound-now".
fn spoken(number: &str) -> Vec<String> {
    number.chars().map(|d| format!("digits/{d}")).collect()
}

#[tokio::test]
async fn en_bloc_token_binds_and_the_handset_is_the_extension_at_once() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4711", "Alice").await;
    let handset = sb.temporary_handset().await;
    let bob = sb.device("2501", "Bob").await;
    let app = sb.start_eventpbx().await;

    // The handset registers once, before the bind, and keeps listening on that address.
    let listener = register_and_listen(&sb.settings, &handset).await;
    let contacts_before = sb.contacts(&handset.username).await;
    assert_eq!(contacts_before.len(), 1);

    let log = AsteriskLog::mark();
    call(
        &sb.settings,
        &handset,
        &format!("{}{token}", code(&sb)),
        &[],
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let mut expected = vec!["bound-now".to_string()];
    expected.extend(spoken("4711"));
    expected.push("goodbye".into());
    assert_eq!(played(&sb.settings, &log.since()), expected);

    // The binding: 4711 rings the handset, its temporary number is free, the token used up.
    assert_eq!(sb.endpoint_of("4711").await, Some(handset.username.clone()));
    assert_eq!(sb.endpoint_of(&handset.number).await, None);
    let state = sb.binding_state().await.join("\n");
    assert!(
        state.contains(&format!("{token}|4711")),
        "token used up: {state}"
    );

    // A call to 4711 reaches the same handset without re-registration: same contact row.
    call(
        &sb.settings,
        &bob,
        "4711",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let handset_side = listener.finish().await;
    handset_side.assert_ok();
    assert!(handset_side.received_request("INVITE").is_some());
    assert_eq!(sb.contacts(&handset.username).await, contacts_before);

    // A call from the handset shows 4711 and Alice's name to the callee.
    let bob_listener = register_and_listen(&sb.settings, &bob).await;
    call(
        &sb.settings,
        &handset,
        "2501",
        &[Step::Pause(300)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let bob_side = bob_listener.finish().await;
    bob_side.assert_ok();
    let invite = bob_side.received_request("INVITE").expect("INVITE at Bob");
    let from = header(&invite, "From").expect("From");
    assert!(
        from.contains("sip:4711@") && from.contains("Alice"),
        "{from}"
    );
    app.stop().await;
}

#[tokio::test]
async fn interactive_entry_wrong_token_then_right_one_with_barge_in() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4712", "Carol").await;
    let handset = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let log = AsteriskLog::mark();

    // Keys start while "enter-token" still plays (barge-in), a wrong token first.
    let mut steps = vec![Step::Pause(1500)];
    steps.extend(keys("98765432#"));
    // "token-unknown, try-again, enter-token" plays; key the right one into it.
    steps.push(Step::Pause(2500));
    steps.extend(keys(&format!("{token}#")));
    call(
        &sb.settings,
        &handset,
        &code(&sb),
        &steps,
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();

    let heard = played(&sb.settings, &log.since());
    let mut expected: Vec<String> = [
        "enter-token",
        "token-unknown",
        "try-again",
        "enter-token",
        "bound-now",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    expected.extend(spoken("4712"));
    expected.push("goodbye".into());
    assert_eq!(heard, expected);
    assert_eq!(sb.endpoint_of("4712").await, Some(handset.username.clone()));
    app.stop().await;
}

/// Dials the code with `digits` en bloc as `device`, hangs up after the first prompt started,
/// and returns what was played.
async fn refused(sb: &Sandbox, device: &Device, digits: &str) -> Vec<String> {
    let log = AsteriskLog::mark();
    call(
        &sb.settings,
        device,
        &format!("{}{digits}", code(sb)),
        &[Step::Pause(1200)],
        End::CallerHangsUp,
    )
    .finish()
    .await;
    played(&sb.settings, &log.since())
}

#[tokio::test]
async fn refusals_have_their_own_prompt_and_change_nothing() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4713", "Dave").await;
    let first = sb.temporary_handset().await;
    let second = sb.temporary_handset().await;
    let sip_phone = sb.device("2502", "SIP phone").await;
    let app = sb.start_eventpbx().await;

    // Unknown token.
    let before = sb.binding_state().await;
    assert_eq!(
        refused(&sb, &first, "1111111111")
            .await
            .first()
            .map(String::as_str),
        Some("token-unknown")
    );
    assert_eq!(sb.binding_state().await, before);

    // A SIP phone (not a temporary handset) with a valid token.
    assert_eq!(
        refused(&sb, &sip_phone, &token)
            .await
            .first()
            .map(String::as_str),
        Some("not-temporary")
    );
    assert_eq!(sb.binding_state().await, before);

    // The token binds the first handset; the same token from the second: already used.
    call(
        &sb.settings,
        &first,
        &format!("{}{token}", code(&sb)),
        &[],
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let bound = sb.binding_state().await;
    assert_ne!(bound, before);
    assert_eq!(
        refused(&sb, &second, &token)
            .await
            .first()
            .map(String::as_str),
        Some("token-used")
    );
    assert_eq!(sb.binding_state().await, bound);

    // The bound handset dialling again: it is not temporary any more.
    assert_eq!(
        refused(&sb, &first, &token)
            .await
            .first()
            .map(String::as_str),
        Some("not-temporary")
    );
    assert_eq!(sb.binding_state().await, bound);
    app.stop().await;
}

#[tokio::test]
async fn five_failures_lock_the_handset_out() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4714", "Erin").await;
    let handset = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let before = sb.binding_state().await;
    for i in 0..5 {
        let heard = refused(&sb, &handset, &format!("{i}0000000{i}0")).await;
        assert_eq!(
            heard.first().map(String::as_str),
            Some("token-unknown"),
            "attempt {i}"
        );
    }
    // The sixth attempt, even with the right token, hears the lockout prompt.
    assert_eq!(
        refused(&sb, &handset, &token)
            .await
            .first()
            .map(String::as_str),
        Some("locked-out")
    );
    assert_eq!(sb.binding_state().await, before);
    let failures: i64 = {
        let id = handset.username.clone();
        sb.db
            .read(move |c| eventpbx::db::attempts::failures_since(c, &id, 0))
            .await
            .unwrap()
    };
    assert_eq!(failures, 5, "the count operators see");
    app.stop().await;
}

#[tokio::test]
async fn two_handsets_dialling_one_token_at_once_exactly_one_wins() {
    let sb = Sandbox::new().await;
    let token = sb.handset_extension("4715", "Frank").await;
    let a = sb.temporary_handset().await;
    let b = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let dial = format!("{}{token}", code(&sb));
    let steps = [Step::Pause(6000)];
    let ca = call(&sb.settings, &a, &dial, &steps, End::CallerHangsUp);
    let cb = call(&sb.settings, &b, &dial, &steps, End::CallerHangsUp);
    let (ra, rb) = (ca.finish().await, cb.finish().await);
    let _ = (ra, rb);
    let winner = sb.endpoint_of("4715").await.expect("one handset bound");
    assert!(winner == a.username || winner == b.username);
    let loser = if winner == a.username { &b } else { &a };
    // The loser is still a temporary handset with its number.
    assert_eq!(
        sb.endpoint_of(&loser.number).await,
        Some(loser.username.clone())
    );
    app.stop().await;
}

#[tokio::test]
async fn hanging_up_during_each_prompt_changes_nothing() {
    let sb = Sandbox::new().await;
    sb.handset_extension("4716", "Grace").await;
    let handset = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let before = sb.binding_state().await;
    // During "enter-token".
    call(
        &sb.settings,
        &handset,
        &code(&sb),
        &[Step::Pause(1000)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    // Half-way through keying a token.
    let mut steps = vec![Step::Pause(500)];
    steps.extend(keys("12345"));
    call(
        &sb.settings,
        &handset,
        &code(&sb),
        &steps,
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    // During "token-unknown".
    refused(&sb, &handset, "2222222222").await;
    assert_eq!(sb.binding_state().await, before);
    // Nothing is left on the Asterisk.
    assert_eq!(
        sb.ari_get("/channels").await.unwrap(),
        serde_json::json!([])
    );
    app.stop().await;
}
