//! The info flow: speaks the caller's own number (its extension, or its temporary number).

use super::call::Call;
use crate::db::numbers;

/// Runs one info call to its end.
pub async fn run(mut call: Call) {
    if call.env.client.answer(&call.channel_id).await.is_err() {
        return;
    }
    let endpoint = call.endpoint.clone();
    let found = call
        .env
        .db
        .read(move |c| numbers::numbers_of(c, &endpoint))
        .await;
    let mut media = Vec::new();
    match found {
        Ok(numbers) if !numbers.is_empty() => {
            // An extension number is shorter than a temporary one; prefer it.
            let mut numbers = numbers;
            numbers.sort_by_key(|n| n.len());
            media.push(call.env.prompt("your-number-is"));
            media.extend(numbers[0].chars().map(|d| call.env.digit(d)));
        }
        Ok(_) => media.push(call.env.prompt("no-number")),
        Err(e) => {
            tracing::error!(error = %e, "info flow: database");
            media.push(call.env.prompt("internal-error"));
        }
    }
    media.push(call.env.prompt("goodbye"));
    call.play_and_wait(media).await;
    call.hangup().await;
}
