//! One participant's call: answer, PIN (three tries), the limit, into the room's bridge with
//! talk detection, then stay until the caller hangs up, is removed, or the stay reaches
//! `calls.max_conference_secs`. Also the adoption of a participant found in its bridge after
//! a reconnect or a restart of eventpbx.
//!
//! ```text
//! StasisStart ─▶ answer ─▶ [PIN: enter ─ wrong ─▶ again (3 tries) ─▶ goodbye]
//!                              │ right
//!                              ▼
//!                  door lock: full? ─▶ "room full", hang up
//!                              │
//!                              ▼
//!     bridge conf-<n> (made if missing), TALK_DETECT, enter ─▶ tone / music ─▶ stay ─▶ leave
//! ```

use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::time::Instant;

use super::{bridge_id, Conferences, MUTED_VAR};
use crate::ari::{AriClient, AriError, AriEvent, Channel};
use crate::calls::call::Call;
use crate::db::conferences::Room;
use crate::domain::conference::{Change, Participant, PinEntry, PinOutcome};
use crate::domain::Number;

/// How long the caller may pause while typing the PIN before the try counts as wrong.
const PIN_WAIT: Duration = Duration::from_secs(10);

/// Runs a caller's call into room `number` (the Stasis argument after the endpoint).
pub async fn run(mut call: Call, rooms: Conferences, number: Option<String>) {
    // The dialplan passes digits a pattern proved; checked again, as every Stasis argument.
    let Some(number) = number.and_then(|n| Number::parse(&n).ok()) else {
        return;
    };
    let number = number.as_str().to_string();
    let n = number.clone();
    let room = match call
        .env
        .db
        .read(move |c| crate::db::conferences::get(c, &n))
        .await
    {
        Ok(Some(room)) => room,
        Ok(None) => return say_and_hang_up(&mut call, &["unknown-number"]).await,
        Err(e) => {
            tracing::warn!(error = %e, "reading a conference room failed");
            return say_and_hang_up(&mut call, &["internal-error"]).await;
        }
    };
    if call.env.client.answer(&call.channel_id).await.is_err() {
        return;
    }
    if let Some(pin) = room.settings.pin.clone() {
        if !ask_pin(&mut call, &pin).await {
            return;
        }
    }
    match enter(&mut call, &rooms, &room).await {
        Ok(true) => stay(call, rooms, number, Instant::now()).await,
        Ok(false) => say_and_hang_up(&mut call, &["conf-full"]).await,
        Err(e) => {
            tracing::warn!(channel = %call.channel_id, error = %e, "could not put a caller into the room");
        }
    }
}

/// Carries on a participant found in our app with no task: if its channel is in the room's
/// bridge, it stays there and is listed again (muted as it was); a caller still at the PIN
/// prompt when eventpbx went away is hung up (its typing is lost: safer to call again).
pub fn adopt(call: Call, rooms: Conferences, channel: &Channel) -> Option<BoxFuture<'static, ()>> {
    // app_data is `<app>,conference,<endpoint>,<number>`, written by the dialplan.
    let number = channel.dialplan.app_data.splitn(4, ',').nth(3)?;
    let number = Number::parse(number).ok()?.as_str().to_string();
    let channel = channel.clone();
    Some(Box::pin(async move {
        let client = call.env.client.clone();
        let id = call.channel_id.clone();
        match client.bridge(&bridge_id(&number)).await {
            Ok(b) if b.channels.contains(&id) => {}
            _ => return,
        }
        let muted = client.get_var(&id, MUTED_VAR).await.is_ok_and(|v| v == "1");
        call.hand_over();
        let mut p = participant(&channel);
        p.muted = muted;
        let since_ms = crate::ari::events::parse_ari_time_ms(&channel.creationtime);
        // A restart in the middle of a stay must not extend it.
        let elapsed = since_ms
            .map(|ms| (crate::db::now() * 1000 - ms).max(0))
            .and_then(|ms| u64::try_from(ms).ok())
            .map_or(Duration::ZERO, Duration::from_millis);
        let started = Instant::now()
            .checked_sub(elapsed)
            .unwrap_or_else(Instant::now);
        // Back in the list; no tone, no music change: for the room nothing happened.
        rooms.enter(&number, p);
        tracing::info!(channel = %id, room = %number, "conference participant adopted");
        stay(call, rooms, number, started).await;
    }))
}

fn participant(channel: &Channel) -> Participant {
    let joined_at = crate::ari::events::parse_ari_time_ms(&channel.creationtime)
        .map_or_else(crate::db::now, |ms| ms / 1000);
    Participant {
        id: channel.id.clone(),
        number: channel.caller.number.clone(),
        name: channel.caller.name.clone(),
        talking: false,
        muted: false,
        joined_at,
    }
}

async fn say_and_hang_up(call: &mut Call, prompts: &[&str]) {
    if call.env.client.answer(&call.channel_id).await.is_err() {
        return;
    }
    let media = prompts.iter().map(|p| call.env.prompt(p)).collect();
    call.play_and_wait(media).await;
    call.hangup().await;
}

/// Asks for the PIN until it is right (true) or the tries are used up (goodbye, false).
async fn ask_pin(call: &mut Call, pin: &str) -> bool {
    let mut entry = PinEntry::new(pin);
    let ask = call.env.prompt("conf-enter-pin");
    if call.play(vec![ask.clone()]).await.is_err() {
        return false;
    }
    loop {
        let outcome = match tokio::time::timeout(PIN_WAIT, call.next_event()).await {
            Err(_) => entry.timeout(),
            Ok(None) => return false,
            Ok(Some(AriEvent::ChannelDtmfReceived { digit, .. })) => {
                // Typing interrupts the prompt.
                if let Some(pb) = call.current_playback.take() {
                    let _ = call.env.client.stop_playback(&pb).await;
                }
                match digit.chars().next().and_then(|k| entry.key(k)) {
                    Some(outcome) => outcome,
                    None => continue,
                }
            }
            Ok(Some(_)) => continue,
        };
        match outcome {
            PinOutcome::Accepted => return true,
            PinOutcome::Retry => {
                let media = vec![call.env.prompt("conf-wrong-pin"), ask.clone()];
                if call.play(media).await.is_err() {
                    return false;
                }
            }
            PinOutcome::GiveUp => {
                tracing::info!(channel = %call.channel_id, "conference PIN wrong three times");
                let media = vec![
                    call.env.prompt("conf-wrong-pin"),
                    call.env.prompt("goodbye"),
                ];
                call.play_and_wait(media).await;
                call.hangup().await;
                return false;
            }
        }
    }
}

/// Puts the caller into the room if it has space (false: full). Behind the room's door
/// lock, so two callers for the last seat cannot both get it.
async fn enter(call: &mut Call, rooms: &Conferences, room: &Room) -> Result<bool, AriError> {
    let client = call.env.client.clone();
    let id = call.channel_id.clone();
    // What needs no head count is done before the door: callers of one room enter in turn.
    let channel = client.channel(&id).await?;
    if let Err(e) = client.set_var(&id, "TALK_DETECT(set)", "").await {
        tracing::warn!(channel = %id, error = %e, "no talk detection for this participant");
    }
    let door = rooms.door(&room.number);
    let _inside = door.lock().await;
    let present = rooms.count(&room.number);
    if !room.settings.admits(present) {
        return Ok(false);
    }
    let bridge = bridge_id(&room.number);
    // Someone listed is in the bridge, so it exists; the first caller looks it up.
    if present == 0 {
        match client.bridge(&bridge).await {
            Ok(_) => {}
            // A room nobody is in has no bridge; one left over from a restart is used as is.
            Err(AriError::NotFound(_)) => {
                client.create_bridge(&bridge).await?;
            }
            Err(e) => return Err(e),
        }
    }
    client.add_to_bridge(&bridge, &id).await?;
    // From here the bridge holds the channel: a stopped task must leave it there.
    call.hand_over();
    let change = rooms.enter(&room.number, participant(&channel));
    apply(&client, &bridge, &id, change, "confbridge-join").await;
    Ok(true)
}

/// What the room hears of someone entering or leaving. Failures only cost a tone or music.
async fn apply(client: &AriClient, bridge: &str, who: &str, change: Change, tone: &str) {
    if change.empty {
        if let Err(e) = client.destroy_bridge(bridge).await {
            tracing::debug!(%bridge, error = %e, "could not remove an empty room's bridge");
        }
        return;
    }
    if change.music_off {
        if let Err(e) = client.bridge_moh_stop(bridge).await {
            tracing::debug!(%bridge, error = %e, "could not stop the music");
        }
    }
    if change.tone {
        let playback = format!("{bridge}-{who}-{tone}");
        if let Err(e) = client
            .bridge_play(bridge, &playback, &format!("sound:{tone}"))
            .await
        {
            tracing::debug!(%bridge, error = %e, "could not play the tone");
        }
    }
    if change.music_on {
        if let Err(e) = client.bridge_moh_start(bridge).await {
            tracing::debug!(%bridge, error = %e, "could not start the music");
        }
    }
}

/// Lists the participant until its task ends; a task stopped from outside (ARI lost,
/// shutdown) only takes it off the list, since its channel stays in the bridge.
struct Listed {
    rooms: Conferences,
    number: String,
    id: String,
    left: bool,
}

impl Drop for Listed {
    fn drop(&mut self) {
        if !self.left {
            self.rooms.forget(&self.number, &self.id);
        }
    }
}

/// A participant in the room: talk detection until they leave, then the room's side of it.
async fn stay(mut call: Call, rooms: Conferences, number: String, started: Instant) {
    let mut listed = Listed {
        rooms: rooms.clone(),
        number: number.clone(),
        id: call.channel_id.clone(),
        left: false,
    };
    let max = Duration::from_secs(u64::from(call.env.settings.calls.max_conference_secs));
    let until = started + max;
    let id = call.channel_id.clone();
    loop {
        match tokio::time::timeout_at(until, call.next_event()).await {
            Ok(Some(AriEvent::ChannelTalkingStarted { .. })) => {
                rooms.set_talking(&number, &id, true)
            }
            Ok(Some(AriEvent::ChannelTalkingFinished { .. })) => {
                rooms.set_talking(&number, &id, false)
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                tracing::info!(channel = %id, room = %number, "conference stay reached its maximum: hung up");
                call.hangup().await;
                break;
            }
        }
    }
    if call.cancel.is_cancelled() {
        return;
    }
    let door = rooms.door(&number);
    let _inside = door.lock().await;
    listed.left = true;
    if let Some(change) = rooms.leave(&number, &id) {
        apply(
            &call.env.client,
            &bridge_id(&number),
            &id,
            change,
            "confbridge-leave",
        )
        .await;
    }
}
