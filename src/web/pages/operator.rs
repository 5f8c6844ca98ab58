//! `/operator`: the live view of channels, for operators and admins.
//!
//! The page renders from a [`LiveSnapshot`] and the [`Standing`] read from the database; the
//! SSE stream (`/operator/stream`, on `web::sse`) re-renders both in place when either
//! changes. Durations tick with a little JS from `data-since`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{html, Markup, Render};

use crate::db::{self, extensions, numbering};
use crate::domain::accounts::Role;
use crate::domain::numbering::DeskWarning;
use crate::tr;
use crate::web::auth::{CsrfForm, Operator, Visitor};
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::live_view::{AriLink, ChannelWatch, LiveSnapshot, LiveSource, OperatorChannel};
use crate::web::pages::admin::desk_warning;
use crate::web::pages::{see_other, Empty};
use crate::web::sse::{self, Turn};
use crate::web::sse_access::Holder;
use crate::web::state::AppState;

/// The routes of the live view.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operator", get(show))
        .route("/operator/stream", get(stream))
        .route("/operator/charts", get(charts))
        .route("/operator/channels/{id}/hangup", post(hangup))
}

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
    t: Tr,
}

impl Render for ChannelRow<'_> {
    fn render(&self) -> Markup {
        let (c, t) = (self.channel, self.t);
        html! {
            tr data-channel=(c.id) {
                td { (c.caller) }
                td { (c.callee) }
                td { (c.state) }
                td.num { span.duration data-since=(c.started_at) { (duration(self.now - c.started_at)) } }
                td { (c.bridged_with.as_deref().unwrap_or("—")) }
                td {
                    details {
                        summary { (tr!(t, "operator-hang-up")) }
                        form method="post" action={ "/operator/channels/" (c.id) "/hangup" } {
                            (CsrfField(self.csrf))
                            button.danger type="submit" { (tr!(t, "operator-really-hang-up")) }
                        }
                    }
                }
            }
        }
    }
}

fn counter(label: String, value: impl Render) -> Markup {
    html! { div.counter { span.value { (value) } span.label { (label) } } }
}

/// The part of the live view that the stream keeps current: the alarms and warnings, the
/// counters, the connection state and the channel table. The page renders it once; the
/// stream re-renders it whenever the live registry or the database changes.
pub fn live_fragment(
    t: Tr,
    snapshot: &LiveSnapshot,
    standing: &Standing,
    csrf: &str,
    now: i64,
) -> Markup {
    html! {
        (alerts(t, &standing.guard, &standing.desks))
        div.counters {
            (counter(tr!(t, "operator-temporary-waiting"), standing.counts.temporary_waiting))
            (counter(tr!(t, "operator-failed-tokens"), standing.counts.failed_token_attempts))
        }
        @if !snapshot.ari_connected {
            p.notice.error role="alert" {
                (tr!(t, "operator-ari-down", status = ari_words(t, &snapshot.ari_link)))
            }
        }
        div.counters {
            (counter(tr!(t, "operator-active-calls"), active_calls(snapshot)))
            (counter(tr!(t, "operator-registered-devices"), snapshot.registered_devices))
            (counter("ARI".to_string(), if snapshot.ari_connected { tr!(t, "operator-ari-connected") } else { tr!(t, "operator-ari-is-down") }))
        }
        table.list #channels {
            caption { (tr!(t, "operator-channels")) }
            thead {
                tr {
                    th scope="col" { (tr!(t, "operator-caller")) } th scope="col" { (tr!(t, "operator-callee")) }
                    th scope="col" { (tr!(t, "operator-state")) } th scope="col" { (tr!(t, "operator-duration")) }
                    th scope="col" { (tr!(t, "operator-bridged-with")) } th scope="col" { span.sr { (tr!(t, "operator-actions")) } }
                }
            }
            tbody {
                @for c in &snapshot.channels {
                    (ChannelRow { channel: c, now, csrf, t })
                }
                @if snapshot.channels.is_empty() {
                    tr { td colspan="6" { (tr!(t, "operator-no-calls")) } }
                }
            }
        }
    }
}

/// The ARI connection's state in words (an error Asterisk or the network gave stays as it
/// came).
fn ari_words(t: Tr, link: &AriLink) -> String {
    match link {
        AriLink::NotConfigured => tr!(t, "operator-ari-not-configured"),
        AriLink::Connected => tr!(t, "operator-ari-connected"),
        AriLink::Connecting(None) => tr!(t, "operator-ari-connecting"),
        AriLink::Connecting(Some(e)) => tr!(t, "operator-ari-reconnecting", error = e),
        AriLink::Replaced => tr!(t, "operator-ari-replaced"),
        AriLink::Stopped => tr!(t, "operator-ari-stopped"),
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
/// whenever the live registry changes or this process writes to the database (the alarms,
/// desk warnings and counters come from there), coalesced so 500 busy channels do not flood
/// a browser. Fed by the registry and the write counter, never by polling.
pub async fn stream(
    State(state): State<AppState>,
    Operator(user): Operator,
    Extension(live): Extension<Arc<dyn LiveSource>>,
) -> Response {
    // Held for the stream's life: the engine follows every channel while the page is open.
    let channels = live.watch_channels().await;
    let wakes = sse::Wakes {
        on: vec![live.subscribe(), state.db.subscribe_writes()],
        settle: STREAM_INTERVAL,
        fallback: None,
    };
    // Ends with the daemon, so an open operator page does not hold up a graceful shutdown, and
    // within seconds of a logout, a disabled user or a lost operator role.
    let lifetime = sse::Lifetime {
        db: state.db.clone(),
        holder: Holder::Session {
            id_hash: user.id_hash.clone(),
            min_role: Role::Operator,
        },
        stopping: state.stopping.clone(),
    };
    // The stream's task does not see the request's language: the operator's, taken now.
    let t = Visitor::of(&user).tr();
    let feed = LiveFeed {
        state,
        live,
        _channels: channels,
        csrf: user.csrf.clone(),
        t,
        standing: None,
    };
    sse::respond(feed, wakes, lifetime)
}

/// Coalescing window: at most a few updates per second reach a browser.
const STREAM_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// One operator's stream.
struct LiveFeed {
    state: AppState,
    live: Arc<dyn LiveSource>,
    _channels: ChannelWatch,
    csrf: String,
    /// The operator's language.
    t: Tr,
    /// What was last read from the database, with the write count it was read at: most turns
    /// are channel events that changed nothing there, and need no read.
    standing: Option<(u64, Standing)>,
}

impl sse::Feed for LiveFeed {
    async fn turn(&mut self) -> Turn {
        // Sampled before the read, so a write racing it makes the next turn read again.
        let writes = self.state.db.committed_writes();
        if self
            .standing
            .as_ref()
            .is_none_or(|(seen, _)| *seen != writes)
        {
            match standing(&self.state).await {
                Ok(read) => self.standing = Some((writes, read)),
                // Busy or worse: keep what the page shows; the next change tries again.
                Err(e) => {
                    tracing::debug!(error = %e, "operator stream: reading the standing failed")
                }
            }
        }
        let Some((_, standing)) = &self.standing else {
            return Turn::Wait(Vec::new());
        };
        let snapshot = self.live.snapshot();
        let html = live_fragment(self.t, &snapshot, standing, &self.csrf, db::now()).into_string();
        Turn::Wait(vec![Event::default().event("live").data(html)])
    }
}

/// What the page reads from the database besides the live view: counters, the token guard
/// and the emergency/help-desk numbers without a desk.
pub struct Standing {
    /// Counters above the live view.
    pub counts: extensions::Counters,
    /// The global guard against token guessing.
    pub guard: crate::db::attempts::GuardStatus,
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
                guard: crate::db::attempts::guard_status(c, settings.token_guard(), db::now())?,
                desks: numbering::desk_warnings(c, &settings)?,
            })
        })
        .await?)
}

/// The alarms and warnings an operator must see first.
pub fn alerts(t: Tr, guard: &crate::db::attempts::GuardStatus, desks: &[DeskWarning]) -> Markup {
    html! {
        @if guard.alarm {
            p.notice.error role="alert" #token-alarm {
                (tr!(t, "operator-token-alarm",
                    failures = guard.failures,
                    minutes = guard.guard.window_secs / 60,
                    limit = guard.guard.failures))
            }
        }
        @for w in desks {
            p.notice.error role="alert" .desk-warning { (desk_warning(t, w)) }
        }
    }
}

/// Renders the live view for one snapshot.
pub fn view(
    visitor: &Visitor,
    snapshot: &LiveSnapshot,
    standing: Standing,
    notice: Option<Notice>,
    dect: Option<Markup>,
    charts: Option<Markup>,
) -> Markup {
    let now = db::now();
    let t = visitor.tr();
    layout(
        &tr!(t, "operator-title"),
        visitor,
        html! {
            @if let Some(n) = notice { (n) }
            // Replaced in place by the SSE stream (/operator/stream); without JS, reload. The
            // script's words for a lost stream come with it ({ $at } is the time shown).
            div #live data-stream="/operator/stream"
                data-stream-stopped=(tr!(t, "operator-stream-stopped", at = "{at}"))
                data-stream-interrupted=(tr!(t, "operator-stream-interrupted", at = "{at}")) {
                (live_fragment(t, snapshot, &standing, &visitor.csrf, now))
            }
            @if let Some(d) = dect { (d) }
            @if let Some(c) = charts { (c) }
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
    let visitor = Visitor::of(&user);
    let _channels = live.watch_channels().await;
    let dect = super::dect::operator_panel(&state, visitor.tr()).await?;
    let charts = charts_panel(&state, visitor.tr()).await?;
    Ok(view(
        &visitor,
        &live.snapshot(),
        standing,
        None,
        dect,
        Some(charts),
    ))
}

/// The charts (rendered once a minute, see `web::charts`).
async fn charts_panel(state: &AppState, t: Tr) -> Result<Markup, PageError> {
    let offset = state.settings.utc_offset();
    Ok(state.charts.get(&state.db, db::now(), offset, t).await?)
}

/// GET /operator/charts: the charts alone, which the page's script fetches every minute.
pub async fn charts(
    State(state): State<AppState>,
    Operator(user): Operator,
) -> Result<Markup, PageError> {
    charts_panel(&state, Visitor::of(&user).tr()).await
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
            let visitor = Visitor::of(&user);
            let t = visitor.tr();
            let notice = Notice::error(tr!(t, "operator-not-hung-up", problem = problem));
            let _channels = live.watch_channels().await;
            let dect = super::dect::operator_panel(&state, t).await?;
            let charts = charts_panel(&state, t).await?;
            let page = view(
                &visitor,
                &live.snapshot(),
                standing,
                Some(notice),
                dect,
                Some(charts),
            );
            Ok((StatusCode::BAD_GATEWAY, page).into_response())
        }
    }
}
