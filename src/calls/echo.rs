//! The echo flow (diagnostics): answers, plays an intro, speaks back each digit, hangs up on
//! `#` or after a minute without keys.

use std::time::Duration;

use super::call::Call;
use crate::ari::AriEvent;

/// How long the echo test waits for the next key.
const IDLE: Duration = Duration::from_secs(60);

/// Runs one echo call to its end.
pub async fn run(mut call: Call) {
    if call.env.client.answer(&call.channel_id).await.is_err() {
        return;
    }
    let intro = call.env.prompt("echo-intro");
    if call.play(vec![intro]).await.is_err() {
        return;
    }
    loop {
        let event = match tokio::time::timeout(IDLE, call.next_event()).await {
            Ok(Some(e)) => e,
            Ok(None) => return,
            Err(_) => break,
        };
        if let AriEvent::ChannelDtmfReceived { digit, .. } = event {
            let Some(d) = digit.chars().next() else {
                continue;
            };
            if d == '#' {
                break;
            }
            let media = match d {
                '0'..='9' => call.env.digit(d),
                '*' => call.env.prompt("digits/star"),
                _ => continue,
            };
            // ARI queues playbacks on a channel, so fast keys are all spoken, in order.
            if call.play(vec![media]).await.is_err() {
                return;
            }
        }
    }
    let goodbye = call.env.prompt("goodbye");
    call.play_and_wait(vec![goodbye]).await;
    call.hangup().await;
}
