//! The registration call task: drives [`RegistrationFlow`] with ARI events, timers and the
//! database, and carries out its actions. The binding itself is one transaction in
//! `db::handsets::bind`; a hangup at any point leaves either the old or the new state.

use std::time::Instant;

use tokio::time::Instant as TokioInstant;

use super::machine::{self, Action, Input, Media, Precheck, RegistrationFlow, Timing};
use crate::ari::AriEvent;
use crate::calls::call::Call;
use crate::db::attempts::Eligibility;
use crate::db::handsets::{self, BindOutcome};

/// Runs one registration call to its end. `digits` were dialled en bloc after the code.
pub async fn run(mut call: Call, digits: Option<String>, timing: Timing) {
    let started = Instant::now();
    // eventpbx's own time towards the bind, without waiting on Asterisk: `own.total` is the
    // wall time of the database steps including their queueing, `own.work` the time the
    // reads and the transaction themselves ran (wall and CPU).
    let mut own = OwnTime::default();
    let mut flow = RegistrationFlow::new(timing);
    let mut pending = std::collections::VecDeque::from([Input::Start { digits }]);
    let mut timer: Option<TokioInstant> = None;
    loop {
        while let Some(input) = pending.pop_front() {
            for action in flow.handle(input) {
                if let Some(next) = execute(&mut call, action, &mut timer, started, &mut own).await
                {
                    pending.push_back(next);
                }
            }
        }
        if flow.is_done() {
            break;
        }
        let sleep = async {
            match timer {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let input = tokio::select! {
            event = call.next_event() => match event {
                None => Input::Hangup,
                Some(AriEvent::ChannelDtmfReceived { digit, duration_ms, .. }) => {
                    let Some(d) = digit.chars().next() else { continue };
                    // Where and when each key arrived, to compare with what the phone sent
                    // and with Asterisk's own DTMF log; the key itself stays out of the log.
                    let entry = flow.entry();
                    tracing::debug!(
                        target: "eventpbx::dtmf",
                        channel = %call.channel_id,
                        key = machine::key_kind(d),
                        position = entry.map(|(held, _)| held + 1),
                        prompt_playing = entry.is_some_and(|(_, playing)| playing),
                        at_ms = started.elapsed().as_millis() as u64,
                        duration_ms,
                        "DTMF received"
                    );
                    Input::Digit(d)
                }
                Some(AriEvent::PlaybackFinished { playback })
                    if Some(&playback.id) == call.current_playback.as_ref() => Input::PlaybackFinished,
                Some(_) => continue,
            },
            _ = sleep => { timer = None; Input::Timeout }
        };
        pending.push_back(input);
    }
    // A bind logs its own outcome, which is then the call's; one line per call is enough
    // (writing a log line is a good part of what a registration call costs eventpbx).
    if let (Some(outcome), false) = (&flow.outcome, own.bind_logged) {
        tracing::info!(endpoint = %call.endpoint, ?outcome, "registration call ended");
    }
}

/// eventpbx's own time towards a bind (see [`run`]).
#[derive(Debug, Default)]
struct OwnTime {
    total: std::time::Duration,
    work: crate::db::WorkTime,
    /// A bind ran and logged its outcome.
    bind_logged: bool,
}

/// Carries out one action; returns the input it produced right away, if any.
async fn execute(
    call: &mut Call,
    action: Action,
    timer: &mut Option<TokioInstant>,
    started: Instant,
    own: &mut OwnTime,
) -> Option<Input> {
    match action {
        Action::Answer => match call.env.client.answer(&call.channel_id).await {
            Ok(()) => None,
            Err(_) => Some(Input::Hangup),
        },
        Action::Precheck => {
            let step = Instant::now();
            let endpoint = call.endpoint.clone();
            let now = crate::db::now();
            let check = call
                .env
                .db
                .read_timed(move |c| {
                    Ok(match crate::db::attempts::eligibility(c, &endpoint, now)? {
                        Eligibility::Allowed => Precheck::Allowed,
                        Eligibility::NotTemporary => Precheck::NotTemporary,
                        Eligibility::LockedOut => Precheck::LockedOut,
                    })
                })
                .await
                .map(|(check, work)| {
                    own.work += work;
                    check
                });
            own.total += step.elapsed();
            Some(Input::Prechecked(check.unwrap_or_else(|e| {
                tracing::error!(error = %e, "registration precheck failed");
                Precheck::Failed
            })))
        }
        Action::Play(media) => {
            let uris = media
                .iter()
                .map(|m| match m {
                    Media::Prompt(p) => call.env.prompt(p.file()),
                    Media::Digit(d) => call.env.digit(*d),
                })
                .collect();
            match call.play(uris).await {
                Ok(_) => None,
                Err(_) => Some(Input::Hangup),
            }
        }
        Action::StopPlayback => {
            if let Some(id) = call.current_playback.clone() {
                let _ = call.env.client.stop_playback(&id).await;
            }
            None
        }
        Action::StartTimer(d) => {
            *timer = Some(TokioInstant::now() + d);
            None
        }
        Action::CancelTimer => {
            *timer = None;
            None
        }
        Action::Bind(digits) => {
            tracing::debug!(
                target: "eventpbx::dtmf",
                channel = %call.channel_id,
                digits = digits.len(),
                at_ms = started.elapsed().as_millis() as u64,
                "entry submitted"
            );
            let step = Instant::now();
            let guard = call.env.settings.token_guard();
            let endpoint = call.endpoint.clone();
            let result = call
                .env
                .db
                .write_timed(move |tx| {
                    let now = crate::db::now();
                    let outcome = handsets::bind(tx, &endpoint, &digits, now)?;
                    // In the same transaction as the failure, so the alarm is raised by the
                    // try that crosses the line, and old rows go with each new one.
                    if outcome.is_failure() {
                        crate::db::attempts::check_guard(tx, guard, now)?;
                    }
                    Ok(outcome)
                })
                .await
                .map(|(outcome, work)| {
                    own.work += work;
                    outcome
                });
            own.total += step.elapsed();
            own.bind_logged = true;
            count_binding(&result);
            match &result {
                Ok(BindOutcome::Bound { number, .. }) => tracing::info!(
                    target: "eventpbx::bind",
                    endpoint = %call.endpoint,
                    %number,
                    micros = started.elapsed().as_micros() as u64,
                    own_micros = own.total.as_micros() as u64,
                    work_micros = own.work.wall.as_micros() as u64,
                    cpu_micros = own.work.cpu.as_micros() as u64,
                    "handset bound"
                ),
                Ok(outcome) => {
                    tracing::info!(endpoint = %call.endpoint, ?outcome, "registration refused")
                }
                Err(e) => {
                    tracing::error!(endpoint = %call.endpoint, error = %e, "binding failed; nothing changed")
                }
            }
            Some(Input::Bound(result.ok()))
        }
        Action::Hangup => {
            call.hangup().await;
            None
        }
    }
}

/// The binding counters of `GET /metrics`.
fn count_binding(result: &Result<BindOutcome, crate::db::DbError>) {
    use crate::domain::metrics::{BINDINGS, TOKEN_FAILURES};
    match result {
        Ok(BindOutcome::Bound { .. }) => {
            metrics::counter!(BINDINGS, "result" => "bound").increment(1)
        }
        Ok(outcome) if outcome.is_failure() => {
            metrics::counter!(TOKEN_FAILURES).increment(1);
            metrics::counter!(BINDINGS, "result" => "failed").increment(1);
        }
        Ok(_) => metrics::counter!(BINDINGS, "result" => "refused").increment(1),
        Err(_) => metrics::counter!(BINDINGS, "result" => "error").increment(1),
    }
}
