//! eventpbx stopped: ordinary calls keep working through the dialplan, and the service codes
//! answer with "service unavailable" instead of silence.

use crate::support::{call, played, register_and_listen, AsteriskLog, End, Sandbox, Step};

#[tokio::test]
async fn without_eventpbx_calls_work_and_codes_say_unavailable() {
    // No eventpbx runs in this test. (Asterisk keeps listing an app whose websocket went away,
    // as inactive, so the proof is in its log: Stasis() fails and the prompt plays.)
    let sb = Sandbox::new().await;
    let alice = sb.device("2201", "Alice").await;
    let bob = sb.device("2202", "Bob").await;

    let log = AsteriskLog::mark();
    let code = sb.settings.codes.register.clone();
    call(
        &sb.settings,
        &alice,
        &format!("{code}1234567890"),
        &[],
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let text = log.since();
    assert!(text.contains("\"eventpbx,register,"), "{text}");
    assert_eq!(
        played(&sb.settings, &text),
        ["service-unavailable"],
        "{text}"
    );

    let listener = register_and_listen(&sb.settings, &bob).await;
    call(
        &sb.settings,
        &alice,
        &bob.number,
        &[Step::Pause(500)],
        End::CallerHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    listener.finish().await.assert_ok();
}
