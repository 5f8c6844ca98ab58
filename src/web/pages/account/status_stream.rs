//! `/account/stream`: the registration status of the visitor's extensions, and the phone
//! states in their route tables, live.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::sse::Event;
use axum::response::Response;
use maud::Render;

use super::cards::RegistrationStatus;
use super::owned_extensions;
use super::routing::{RouteRows, RouteView};
use crate::db::pjsip;
use crate::db::{self, DbError};
use crate::domain::accounts;
use crate::service::routing::{self as routing_service, RouteChangeError, RoutePlan};
use crate::web::auth::{LoggedIn, Visitor};
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::live_view::{DeviceStatus, LiveSource};
use crate::web::sse::{self, Turn};
use crate::web::sse_access::Holder;
use crate::web::state::AppState;

/// GET /account/stream: Server-Sent Events with the registration status of the visitor's
/// extensions, sent when the live registry reports a change of one of their devices. Each
/// `status` event is a JSON object from extension number to the HTML of its status block;
/// each `route` event the same for the route tables, sent when a phone one of them rings
/// changes state. The plans are those of page load (a change through the page reloads it).
pub async fn stream(
    State(state): State<AppState>,
    user: LoggedIn,
    axum::Extension(live): axum::Extension<Arc<dyn LiveSource>>,
) -> Result<Response, PageError> {
    // The extensions are fixed for the life of the page: claiming or deleting reloads it.
    let user_id = user.user.id;
    let devices: Vec<(String, String)> = state
        .db
        .read(move |c| {
            Ok(owned_extensions(c, user_id)?
                .into_iter()
                .filter_map(|e| Some((e.number, e.device_id?)))
                .collect())
        })
        .await?;
    let ids: Vec<String> = devices.iter().map(|(_, d)| d.clone()).collect();
    let numbers: Vec<String> = state
        .db
        .read(move |c| {
            Ok(owned_extensions(c, user_id)?
                .into_iter()
                .map(|e| e.number)
                .collect())
        })
        .await?;
    let mut plans = Vec::with_capacity(numbers.len());
    for number in numbers {
        match routing_service::route(&state.db, &number).await {
            Ok(plan) => plans.push(plan),
            // No plan yet (before its first recompile): no route table to update.
            Err(RouteChangeError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let offset = state.settings.utc_offset();
    // The stream outlives the request, and with it the request's language: taken now.
    let t = Visitor::of(&user).tr();
    let wakes = sse::Wakes {
        on: vec![live.subscribe()],
        // Let a burst of events settle (a REGISTER brings several).
        settle: STATUS_SETTLE,
        fallback: None,
    };
    let feed = StatusStream {
        t,
        db: state.db.clone(),
        live,
        devices,
        ids,
        offset,
        last: None,
        ring_ids: plans
            .iter()
            .flat_map(|p| p.rings.iter().map(|r| r.endpoint.clone()))
            .collect(),
        plans,
        last_routes: None,
    };
    // Ends with the daemon, so an open account page does not hold up a graceful shutdown, and
    // within seconds of a logout or the user being disabled.
    let lifetime = sse::Lifetime {
        db: state.db.clone(),
        holder: Holder::Session {
            id_hash: user.id_hash.clone(),
            min_role: accounts::Role::Attendee,
        },
        stopping: state.stopping.clone(),
    };
    Ok(sse::respond(feed, wakes, lifetime))
}

/// How long a burst of registration events may take before the page hears of it.
const STATUS_SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// What the account stream carries from one event to the next.
struct StatusStream {
    /// The visitor's language, for the blocks the stream renders.
    t: Tr,
    db: db::Db,
    live: Arc<dyn LiveSource>,
    /// (extension number, device id) of the visitor's bound extensions.
    devices: Vec<(String, String)>,
    ids: Vec<String>,
    offset: time::UtcOffset,
    /// The live state last sent; None before the first event.
    last: Option<HashMap<String, DeviceStatus>>,
    /// The compiled plans of the visitor's numbers, as the page showed them.
    plans: Vec<RoutePlan>,
    /// The endpoints the route tables ring.
    ring_ids: Vec<String>,
    /// Their live state when the tables were last sent; None before the first event.
    last_routes: Option<HashMap<String, bool>>,
}

impl StatusStream {
    /// A `route` event if a phone in one of the route tables changed state since the last.
    fn route_event(&mut self) -> Option<Event> {
        // The cheap question first (a few endpoints, on every live change of the Asterisk);
        // the whole endpoint list only when the answer changed.
        // Online or not is all a table shows (a qualify's new round trip is no change).
        let key: HashMap<String, bool> = self
            .live
            .device_status(&self.ring_ids)
            .into_iter()
            .map(|(id, d)| (id, d.online))
            .collect();
        if self.last_routes.as_ref() == Some(&key) {
            return None;
        }
        let endpoints = self.live.endpoints();
        let views: Vec<RouteView> = self
            .plans
            .iter()
            .map(|plan| RouteView::new(plan.clone(), &endpoints))
            .collect();
        let tables: serde_json::Map<String, serde_json::Value> = views
            .iter()
            .map(|v| {
                let html = RouteRows(self.t, v).render().into_string();
                (v.plan.number.clone(), serde_json::Value::String(html))
            })
            .collect();
        self.last_routes = Some(key);
        Some(
            Event::default()
                .event("route")
                .data(serde_json::Value::Object(tables).to_string()),
        )
    }
}

impl sse::Feed for StatusStream {
    async fn turn(&mut self) -> Turn {
        // The first turn sends the state at once; the tables match the page only by then.
        let mut events: Vec<Event> = self.route_event().into_iter().collect();
        let now_live = self.live.device_status(&self.ids);
        if self.last.as_ref() == Some(&now_live) {
            // No change of the visitor's own phones.
            return Turn::Wait(events);
        }
        // The stored contacts (user agent, expiry) are read only when a device changed.
        let ids = self.ids.clone();
        let contacts = self
            .db
            .read(move |c| {
                ids.iter()
                    .map(|id| Ok((id.clone(), pjsip::contacts(c, id)?)))
                    .collect::<Result<HashMap<_, _>, DbError>>()
            })
            .await
            .unwrap_or_default();
        let now = db::now();
        let blocks: serde_json::Map<String, serde_json::Value> = self
            .devices
            .iter()
            .map(|(number, device)| {
                let html = RegistrationStatus {
                    t: self.t,
                    contacts: contacts.get(device).map(Vec::as_slice).unwrap_or_default(),
                    live: now_live.get(device),
                    offset: self.offset,
                    now,
                }
                .render()
                .into_string();
                (number.clone(), serde_json::Value::String(html))
            })
            .collect();
        self.last = Some(now_live);
        events.push(
            Event::default()
                .event("status")
                .data(serde_json::Value::Object(blocks).to_string()),
        );
        Turn::Wait(events)
    }
}
