//! `/ext/{number}/why`: "why didn't it ring?", one page per extension for its owner and the
//! help desk. It puts side by side what answers the question: the phones' registration now
//! and their recent offline/online changes, the route Asterisk executes (forwarding, DND,
//! group members), the last calls with their causes, and a "ring me" button (`ring.rs`)
//! that calls the extension now and shows the outcome live.

mod ring;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, Render};
use serde::Deserialize;
use time::UtcOffset;

use super::account::calls::{self as recent_calls, RecentCalls};
use super::account::routing::{state_badge, RouteTable, RouteView};
use crate::db::extensions::{self, Extension, ExtensionKind};
use crate::db::history::HistoryEntry;
use crate::db::outbox::{self, OutboxEvent};
use crate::db::pjsip::{self, Contact};
use crate::db::users::User;
use crate::db::DbError;
use crate::domain::Number;
use crate::service::routing::{self as routing_service, RouteChangeError};
use crate::tr;
use crate::web::api::Status;
use crate::web::auth::{LoggedIn, Visitor};
use crate::web::components::{layout, Notice, TimeTag};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::i18n::Tr;
use crate::web::live_view::{DeviceStatus, LiveSource};
use crate::web::pages::account::LiveHandle;
use crate::web::pages::no_store;
use crate::web::state::AppState;

/// Registration changes the timeline shows.
const TIMELINE: u32 = 20;

/// The routes of the page and its ring test.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ext/{number}/why", get(show))
        .route("/ext/{number}/why/ring", post(ring::start))
        .route("/ext/{number}/why/ring/{id}", get(ring::outcome))
}

/// Who may read an extension's diagnosis and ring it: its owner, and whoever helps others
/// (the help desk, operators, admins). Anyone else gets "not found", so unlisted numbers stay unlisted.
pub(crate) fn may_diagnose(user: &User, ext: &Extension) -> bool {
    ext.owner_id == Some(user.id) || user.role.can_help_others()
}

/// The extension of `number`, if `user` may diagnose it.
async fn diagnosable(
    state: &AppState,
    user: &LoggedIn,
    number: &Number,
) -> Result<Extension, PageError> {
    let n = number.as_str().to_string();
    let ext = match state.db.read(move |c| extensions::get(c, &n)).await {
        Ok(ext) => ext,
        Err(DbError::NotFound) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    if !may_diagnose(&user.user, &ext) {
        return Err(PageError::NotFound);
    }
    Ok(ext)
}

/// One phone the number rings (or its own device), with what Asterisk and the database say.
struct PhoneView {
    number: String,
    name: String,
    endpoint: String,
    status: Option<DeviceStatus>,
    contacts: Vec<Contact>,
}

struct WhyData {
    ext: Extension,
    route: Option<RouteView>,
    phones: Vec<PhoneView>,
    timeline: Vec<OutboxEvent>,
    calls: Vec<HistoryEntry>,
    ari_connected: bool,
}

async fn load(
    state: &AppState,
    ext: Extension,
    live: &dyn LiveSource,
) -> Result<WhyData, PageError> {
    let endpoints_live = live.endpoints();
    let route = match routing_service::route(&state.db, &ext.number).await {
        Ok(plan) => Some(RouteView::new(plan, &endpoints_live)),
        Err(RouteChangeError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    // The phones: those the route rings, else the extension's own device.
    let mut phones: Vec<(String, String, String)> = match &route {
        Some(r) => r
            .plan
            .rings
            .iter()
            .map(|g| (g.number.clone(), g.name.clone(), g.endpoint.clone()))
            .collect(),
        None => Vec::new(),
    };
    if let Some(device) = &ext.device_id {
        if !phones.iter().any(|(_, _, e)| e == device) {
            phones.push((ext.number.clone(), ext.name.clone(), device.clone()));
        }
    }
    let ids: Vec<String> = phones.iter().map(|(_, _, e)| e.clone()).collect();
    let status = live.device_status(&ids);
    let number = ext.number.clone();
    let (contacts, timeline, calls) = state
        .db
        .read(move |c| {
            let mut contacts = Vec::with_capacity(ids.len());
            for id in &ids {
                contacts.push(pjsip::contacts(c, id)?);
            }
            let timeline = outbox::registration_timeline(c, &ids, TIMELINE)?;
            let calls = recent_calls::recent(c, vec![number])?;
            Ok((contacts, timeline, calls))
        })
        .await?;
    let phones = phones
        .into_iter()
        .zip(contacts)
        .map(|((number, name, endpoint), contacts)| PhoneView {
            status: status.get(&endpoint).cloned(),
            number,
            name,
            endpoint,
            contacts,
        })
        .collect();
    Ok(WhyData {
        ext,
        route,
        phones,
        timeline,
        calls,
        ari_connected: endpoints_live.ari_connected,
    })
}

/// `?test=<id>` after the ring button: the test whose outcome the page follows.
#[derive(Debug, Default, Deserialize)]
pub struct WhyQuery {
    test: Option<String>,
}

/// GET /ext/{number}/why.
pub async fn show(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    Query(q): Query<WhyQuery>,
) -> Result<Response, PageError> {
    let ext = diagnosable(&state, &user, &number).await?;
    render(&state, &user, &live, ext, q.test.as_deref(), None).await
}

/// The page, with a refusal of the ring button above it when there is one.
async fn render(
    state: &AppState,
    user: &LoggedIn,
    live: &LiveHandle,
    ext: Extension,
    test: Option<&str>,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let test = test.and_then(|id| ring::visible_test(live.0.as_ref(), &ext, id));
    let data = load(state, ext, live.0.as_ref()).await?;
    let offset = state.settings.utc_offset();
    let visitor = Visitor::of(user);
    let n = data.ext.number.clone();
    let page = layout(
        &tr!(visitor.tr(), "why-title", number = &n),
        &visitor,
        html! {
            @let t = visitor.tr();
            @if let Some(notice) = notice { (notice) }
            p.verdict #verdict { (verdict(t, &data)) }
            (Phones { t, phones: &data.phones, offset, ari_connected: data.ari_connected })
            (ring::RingPanel { t, ext: &data.ext, phones: &data.phones, csrf: &user.csrf, test: test.as_ref() })
            section #route {
                h2 { (tr!(t, "why-route")) }
                @match &data.route {
                    Some(route) => (RouteTable(t, route)),
                    None => p.small { (tr!(t, "why-no-route", number = &n)) },
                }
            }
            (Timeline { t, events: &data.timeline, offset })
            (RecentCalls { t, calls: &data.calls, offset })
        },
    );
    Ok(no_store(page.into_response()))
}

/// The first thing to read: the likeliest answer, in one sentence.
fn verdict(t: Tr, data: &WhyData) -> String {
    let n = data.ext.number.as_str();
    if let Some(route) = &data.route {
        let p = &route.plan;
        if let Some(to) = &p.forward {
            return tr!(t, "why-verdict-forwarded", number = n, to = to);
        }
        if p.busy_now {
            return tr!(t, "why-verdict-dnd", number = n);
        }
        if p.rings.is_empty() && p.kind == ExtensionKind::Group {
            return tr!(t, "why-verdict-empty-group", number = n);
        }
    }
    if data.phones.is_empty() {
        return tr!(t, "why-verdict-no-phone", number = n);
    }
    if !data.ari_connected {
        return tr!(t, "why-verdict-no-asterisk");
    }
    let online = data
        .phones
        .iter()
        .filter(|p| p.status.as_ref().is_some_and(|s| s.online))
        .count();
    match online {
        0 => tr!(t, "why-verdict-none-registered", number = n),
        k if k == data.phones.len() => tr!(t, "why-verdict-all-registered", number = n),
        k => tr!(
            t,
            "why-verdict-some-registered",
            count = k,
            phones = data.phones.len(),
            number = n
        ),
    }
}

struct Phones<'a> {
    t: Tr,
    phones: &'a [PhoneView],
    offset: UtcOffset,
    ari_connected: bool,
}

impl Render for Phones<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        html! {
            section #phones {
                h2 { (tr!(t, "why-phones")) }
                @if self.phones.is_empty() {
                    p.small { (tr!(t, "why-phones-none")) }
                } @else {
                    div.scroll { table.list {
                        thead { tr {
                            th { (tr!(t, "why-phones-phone")) } th { (tr!(t, "why-phones-now")) }
                            th { (tr!(t, "why-phones-since")) } th { (tr!(t, "why-phones-software")) }
                            th { (tr!(t, "why-phones-registered-at")) } th { (tr!(t, "why-phones-registration-ends")) }
                        } }
                        tbody {
                            @for p in self.phones {
                                @let status = match (&p.status, self.ari_connected) {
                                    (_, false) => Status::Unknown,
                                    (Some(s), true) if s.online => Status::Online,
                                    _ => Status::Offline,
                                };
                                tr data-endpoint=(p.endpoint) {
                                    td { (p.number) " " span.name { (p.name) } }
                                    td { (state_badge(t, status)) }
                                    td { @match p.status.as_ref().and_then(|s| s.since) {
                                        Some(t) => (TimeTag { unix: t, offset: self.offset }),
                                        None => (tr!(t, "why-phones-not-seen-changing")),
                                    } }
                                    @if p.contacts.is_empty() {
                                        td colspan="3" { (tr!(t, "why-phones-no-registration")) }
                                    } @else {
                                        td { @for c in &p.contacts { div { (c.user_agent) } } }
                                        td { @for c in &p.contacts { div { code { (c.uri) } } } }
                                        td { @for c in &p.contacts { div { (TimeTag { unix: c.expiration_time, offset: self.offset }) } } }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

struct Timeline<'a> {
    t: Tr,
    events: &'a [OutboxEvent],
    offset: UtcOffset,
}

impl Render for Timeline<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        html! {
            section #timeline {
                h2 { (tr!(t, "why-timeline")) }
                @if self.events.is_empty() {
                    p.small { (tr!(t, "why-timeline-none")) }
                } @else {
                    table.list {
                        thead { tr {
                            th { (tr!(t, "why-timeline-when")) } th { (tr!(t, "why-timeline-phone")) }
                            th { (tr!(t, "why-timeline-became")) } th { (tr!(t, "why-timeline-contact")) }
                        } }
                        tbody {
                            @for e in self.events {
                                @let text = |k: &str| e.data.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                                tr {
                                    td { (TimeTag { unix: e.at, offset: self.offset }) }
                                    td { @let number = text("number"); @if number.is_empty() { (e.subject) } @else { (number) } }
                                    td { @match text("status").as_str() {
                                        "online" => (tr!(t, "account-online")),
                                        "offline" => (tr!(t, "account-offline")),
                                        // Anything newer is shown as the feed says it.
                                        other => (other),
                                    } }
                                    td.small { (text("contact_status")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
