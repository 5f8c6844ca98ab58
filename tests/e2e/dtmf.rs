//! Tokens keyed at human speed (issue 17): short RFC 4733 events, generated per test by
//! `rtp_events`, keyed fast, slow, into the prompt and with repeated digits. Each keyed entry
//! must bind the handset on the first try.

use crate::rtp_events::Keying;
use crate::support::{call, played, AsteriskLog, End, Sandbox, Step};

/// "enter-token" lasts about 4.1 s; keys after this pause come after it.
const AFTER_PROMPT_MS: u32 = 4_600;
/// Keys after this pause come while "enter-token" still plays (barge-in).
const DURING_PROMPT_MS: u32 = 700;

/// Spoken digits of a number, as played after "bound-now".
fn spoken(number: &str) -> Vec<String> {
    number.chars().map(|d| format!("digits/{d}")).collect()
}

/// Shows eventpbx's DTMF debug lines (when and at which position each key arrived, never the
/// key) in the test's output, to compare with what the recording sent.
fn dtmf_log() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("eventpbx::dtmf=debug,eventpbx=info")
        .with_test_writer()
        .try_init();
}

/// Dials the registration code alone, waits `pause_ms`, keys `keys` (the token and maybe a
/// "#") as `keying` says with each key's `press_ms`/`interval_ms`, and checks that the
/// handset got bound to `number` at the first try: the prompts heard and the database.
async fn keyed_entry_binds(
    number: &str,
    token: Option<&str>,
    pause_ms: u32,
    keying: impl Fn(&str) -> Keying,
    hash: bool,
) {
    dtmf_log();
    let sb = Sandbox::new().await;
    let minted = sb.handset_extension(number, "Keyed").await;
    let token = match token {
        Some(t) => {
            set_token(&sb, number, t).await;
            t.to_string()
        }
        None => minted,
    };
    let handset = sb.temporary_handset().await;
    let app = sb.start_eventpbx().await;
    let log = AsteriskLog::mark();
    let keys = if hash {
        format!("{token}#")
    } else {
        token.clone()
    };
    let keying = keying(&keys);
    let steps = vec![Step::Pause(pause_ms), Step::Keyed(keying)];
    call(
        &sb.settings,
        &handset,
        &sb.settings.codes.register,
        &steps,
        End::AsteriskHangsUp,
    )
    .finish()
    .await
    .assert_ok();
    let heard = played(&sb.settings, &log.since());
    let mut expected = vec!["enter-token".to_string(), "bound-now".to_string()];
    expected.extend(spoken(number));
    expected.push("goodbye".into());
    assert_eq!(heard, expected, "bound at the first try");
    assert_eq!(sb.endpoint_of(number).await, Some(handset.username.clone()));
    app.stop().await;
}

/// Gives the handset extension `number` the token `token` (to key a chosen digit pattern).
async fn set_token(sb: &Sandbox, number: &str, token: &str) {
    let (number, token) = (number.to_string(), token.to_string());
    let n = sb
        .db
        .write(move |tx| {
            Ok(tx.execute(
                "UPDATE extensions SET token = ?2 WHERE number = ?1",
                rusqlite::params![number, token],
            )?)
        })
        .await
        .expect("db");
    assert_eq!(n, 1, "one handset extension");
}

#[tokio::test]
async fn a_token_keyed_fast_after_the_prompt_binds() {
    // 80 ms presses every 150 ms: six and a half keys a second.
    keyed_entry_binds(
        "4721",
        None,
        AFTER_PROMPT_MS,
        |k| Keying::regular(k, 0, 150, 80),
        true,
    )
    .await;
}

#[tokio::test]
async fn a_token_keyed_fast_into_the_prompt_binds() {
    // 60 ms presses every 170 ms, starting while "enter-token" plays.
    keyed_entry_binds(
        "4722",
        None,
        DURING_PROMPT_MS,
        |k| Keying::regular(k, 0, 170, 60),
        true,
    )
    .await;
}

#[tokio::test]
async fn a_token_keyed_fast_into_the_prompt_with_audio_binds() {
    // As a phone sends it: silence packets between the events.
    keyed_entry_binds(
        "4723",
        None,
        DURING_PROMPT_MS,
        |k| Keying::regular(k, 0, 150, 80).with_audio(),
        true,
    )
    .await;
}

#[tokio::test]
async fn a_token_keyed_slowly_without_hash_binds() {
    // One key a second, no "#": the inter-digit timeout submits it.
    keyed_entry_binds(
        "4724",
        None,
        AFTER_PROMPT_MS,
        |k| Keying::regular(k, 0, 1_000, 200),
        false,
    )
    .await;
}

#[tokio::test]
async fn a_token_with_repeated_digits_keyed_fast_binds() {
    // Every digit twice in a row: each press must count once, and not merge with the next.
    keyed_entry_binds(
        "4725",
        Some("1122334455"),
        DURING_PROMPT_MS,
        |k| Keying::regular(k, 0, 150, 80),
        true,
    )
    .await;
}

#[tokio::test]
async fn a_token_keyed_from_the_moment_of_answer_binds() {
    // The first key goes down as the call is answered, before "enter-token" has started.
    keyed_entry_binds("4726", None, 0, |k| Keying::regular(k, 0, 150, 80), true).await;
}

#[tokio::test]
async fn a_token_keyed_with_50_ms_event_packets_binds() {
    // RFC 4733's suggested 50 ms packet interval (libre/baresip's default), with audio in
    // between, 150 ms presses every 300 ms into the prompt; then the timeout submits it.
    keyed_entry_binds(
        "4727",
        Some("9099000990"),
        DURING_PROMPT_MS,
        |k| {
            let mut keying = Keying::regular(k, 0, 300, 150).with_audio();
            keying.packet_ms = 50;
            keying
        },
        false,
    )
    .await;
}

#[tokio::test]
async fn a_token_from_a_phone_that_sends_each_key_in_one_burst_binds() {
    // Media not paced (baresip on ALSA's null device): every packet of a key at once, so
    // Asterisk sees a 0 ms press and emulates 80 ms; keys 300 ms apart, as baresip's were.
    keyed_entry_binds(
        "4728",
        None,
        AFTER_PROMPT_MS,
        |k| Keying::regular(k, 0, 300, 180).in_bursts(),
        true,
    )
    .await;
}
