//! `/operator`: the live view of channels, for operators and admins.
//!
//! The page renders from a [`LiveSnapshot`]; the SSE stream that updates it in place comes
//! with the live registry. Durations tick with a little JS from `data-since`.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup, Render};

use crate::db::{self, extensions, handsets, numbering};
use crate::domain::accounts::Role;
use crate::domain::numbering::DeskWarning;
use crate::web::auth::{CsrfForm, Operator, Visitor};
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::live_view::{LiveSnapshot, LiveSource, OperatorChannel};
use crate::web::pages::{see_other, Empty};
use crate::web::sse_access::{self, Holder};
use crate::web::state::AppState;

/// "m:ss" or "h:mm:ss".
fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

struct ChannelRow<'a> {
    channel: &'a OperatorChannel,
    now: i64,
    csrf: &'a str,
}

impl Render for ChannelRow<'_> {
    fn render(&self) -> Markup {
        let c = self.channel;
        html! {
            tr data-channel=(c.id) {
                td { (c.caller) }
                td { (c.callee) }
                td { (c.state) }
                td.num { span.duration data-since=(c.started_at) { (duration(self.now - c.started_at)) } }
                td { (c.bridged_with.as_deref().unwrap_or("—")) }
                td {
                    details {
                        summary { "Hang up…" }
                        form method="post" action={ "/operator/channels/" (c.id) "/hangup" } {
                            (CsrfField(self.csrf))
                            button.danger type="submit" { "Really hang up" }
                        }
                    }
                }
            }
        }
    }
}

fn counter(label: &str, value: impl Render) -> Markup {
    html! { div.counter { span.value { (value) } span.label { (label) } } }
}

/// The part of the live view that follows the live registry: connection state, live
/// counters and the channel table. The page renders it once; the stream re-renders it.
pub fn live_fragment(snapshot: &LiveSnapshot, csrf: &str, now: i64) -> Markup {
    html! {
        @if !snapshot.ari_connected {
            p.notice.error role="alert" {
                "Asterisk is not connected (" (snapshot.ari_status) "). Calls between "
                "extensions keep working, but the codes and this view do not until it is back."
            }
        }
        div.counters {
            (counter("active calls", active_calls(snapshot)))
            (counter("registered devices", snapshot.registered_devices))
            (counter("ARI", if snapshot.ari_connected { "connected" } else { "down" }))
        }
        table.list #channels {
            caption { "Channels now on the Asterisk" }
            thead {
                tr {
                    th scope="col" { "Caller" } th scope="col" { "Callee" }
                    th scope="col" { "State" } th scope="col" { "Duration" }
                    th scope="col" { "Bridged with" } th scope="col" { span.sr { "Actions" } }
                }
            }
            tbody {
                @for c in &snapshot.channels {
                    (ChannelRow { channel: c, now, csrf })
                }
                @if snapshot.channels.is_empty() {
                    tr { td colspan="6" { "No calls right now." } }
                }
            }
        }
    }
}

/// Calls, not channels: two bridged channels are one call.
fn active_calls(snapshot: &LiveSnapshot) -> usize {
    let paired = snapshot
        .channels
        .iter()
        .filter(|c| c.bridged_with.is_some())
        .count();
    snapshot.channels.len() - paired / 2
}

/// GET /operator/stream: Server-Sent Events, one `live` event with the re-rendered fragment
/// whenever the live registry changes (coalesced, so 500 busy channels do not flood a
/// browser), fed by the registry and never by polling the database.
pub async fn stream(
    State(state): State<AppState>,
    Operator(user): Operator,
    Extension(live): Extension<Arc<dyn LiveSource>>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let changes = live.subscribe();
    let start = (live, user.csrf.clone(), changes, true);
    let stream =
        futures_util::stream::unfold(start, |(live, csrf, mut changes, first)| async move {
            if !first {
                changes.changed().await.ok()?;
                // Let a burst of events settle, then send the state after all of them.
                tokio::time::sleep(STREAM_INTERVAL).await;
                changes.borrow_and_update();
            }
            let html = live_fragment(&live.snapshot(), &csrf, db::now()).into_string();
            let event = Event::default().event("live").data(html);
            Some((Ok(event), (live, csrf, changes, false)))
        });
    // Ends with the daemon, so an open operator page does not hold up a graceful shutdown, and
    // within seconds of a logout, a disabled user or a lost operator role.
    let holder = Holder::Session {
        id_hash: user.id_hash.clone(),
        min_role: Role::Operator,
    };
    let ended = sse_access::ended(state.db.clone(), holder, state.stopping.clone());
    let stream = futures_util::StreamExt::take_until(stream, ended);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Coalescing window: at most a few updates per second reach a browser.
const STREAM_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// What the page reads from the database besides the live view: counters, the token guard
/// and the emergency/help-desk numbers without a desk.
pub struct Standing {
    /// Counters above the live view.
    pub counts: extensions::Counters,
    /// The global guard against token guessing.
    pub guard: handsets::GuardStatus,
    /// Emergency and help-desk numbers that reach nobody.
    pub desks: Vec<DeskWarning>,
}

/// Reads [`Standing`] in one go.
pub async fn standing(state: &AppState) -> Result<Standing, PageError> {
    let settings = state.settings.clone();
    Ok(state
        .db
        .read(move |c| {
            Ok(Standing {
                counts: extensions::counters(c)?,
                guard: handsets::guard_status(
                    c,
                    handsets::Guard::from_settings(&settings),
                    db::now(),
                )?,
                desks: numbering::desk_warnings(c, &settings)?,
            })
        })
        .await?)
}

/// The alarms and warnings an operator must see first.
pub fn alerts(guard: &handsets::GuardStatus, desks: &[DeskWarning]) -> Markup {
    html! {
        @if guard.alarm {
            p.notice.error role="alert" #token-alarm {
                "Alarm: " (guard.failures) " failed registration tokens in the last "
                (guard.guard.window_secs / 60) " minutes (more than "
                (guard.guard.failures) "). Someone may be guessing tokens; check the "
                "temporary handsets."
            }
        }
        @for w in desks {
            p.notice.error role="alert" .desk-warning { (w.to_string()) }
        }
    }
}

/// Renders the live view for one snapshot.
pub fn view(
    visitor: &Visitor,
    snapshot: &LiveSnapshot,
    standing: Standing,
    notice: Option<Notice>,
) -> Markup {
    let now = db::now();
    let counts = standing.counts;
    layout(
        "Live view",
        visitor,
        html! {
            @if let Some(n) = notice { (n) }
            (alerts(&standing.guard, &standing.desks))
            div.counters {
                (counter("temporary handsets waiting", counts.temporary_waiting))
                (counter("failed token attempts (10 min)", counts.failed_token_attempts))
            }
            // Replaced in place by the SSE stream (/operator/stream); without JS, reload.
            div #live data-stream="/operator/stream" {
                (live_fragment(snapshot, &visitor.csrf, now))
            }
        },
    )
}

/// GET /operator.
pub async fn show(
    State(state): State<AppState>,
    Operator(user): Operator,
    Extension(live): Extension<Arc<dyn LiveSource>>,
) -> Result<Markup, PageError> {
    let standing = standing(&state).await?;
    let visitor = Visitor {
        csrf: user.csrf.clone(),
        user: Some(user),
    };
    Ok(view(&visitor, &live.snapshot(), standing, None))
}

/// POST /operator/channels/{id}/hangup.
pub async fn hangup(
    State(state): State<AppState>,
    Operator(user): Operator,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    match live.hangup(id).await {
        Ok(()) => Ok(see_other("/operator")),
        Err(problem) => {
            let standing = standing(&state).await?;
            let visitor = Visitor {
                csrf: user.csrf.clone(),
                user: Some(user),
            };
            let notice = Notice::error(format!("The call was not hung up: {problem}"));
            let page = view(&visitor, &live.snapshot(), standing, Some(notice));
            Ok((StatusCode::BAD_GATEWAY, page).into_response())
        }
    }
}
