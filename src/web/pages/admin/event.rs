//! The event section: its name, dates and registration window (sign-up, claiming and binding
//! are closed outside it). No event set: registration is open at all times.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View};
use crate::db::DbError;
use crate::domain::event::{self, Event, EventError};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/event", post(set_event))
        .route("/admin/event/clear", post(clear_event))
}

/// The event as set, if any.
pub(super) struct EventSection {
    event: Option<Event>,
}

impl Section for EventSection {
    fn load(c: &Connection, _view: &View) -> Result<Self, DbError> {
        Ok(EventSection {
            event: crate::db::events::get(c)?,
        })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, t) = (view.csrf(), view.t);
        let e = self.event.as_ref();
        let date = |d: Option<time::Date>| d.map(event::format_date).unwrap_or_default();
        // The event's times in its own zone (`web.utc_offset`), named wherever one is shown.
        let offset = view.offset;
        let zone = event::zone_name(offset);
        let at = |t: i64| event::format_minute_at(t, offset);
        let minute = |t: Option<i64>| t.map(at).unwrap_or_default();
        html! {
            section #event {
                h2 { (tr!(t, "admin-event")) }
                @match e {
                    None => p { (tr!(t, "admin-event-none")) },
                    Some(e) => p {
                        strong { (e.name) } ": "
                        (tr!(t, "admin-event-summary",
                            starts = event::format_date(e.starts_on),
                            ends = event::format_date(e.ends_on),
                            opens = at(e.registration_opens_at),
                            closes = at(e.registration_closes_at),
                            zone = &zone))
                    },
                }
                form method="post" action="/admin/event" {
                    (CsrfField(csrf))
                    label for="ename" { (tr!(t, "admin-event-name")) }
                    input id="ename" name="name" required maxlength=(event::NAME_MAX) value=(e.map(|e| e.name.as_str()).unwrap_or(""));
                    label for="estarts" { (tr!(t, "admin-event-first-day")) }
                    input id="estarts" name="starts_on" type="date" required value=(date(e.map(|e| e.starts_on)));
                    label for="eends" { (tr!(t, "admin-event-last-day")) }
                    input id="eends" name="ends_on" type="date" required value=(date(e.map(|e| e.ends_on)));
                    label for="eopens" { (tr!(t, "admin-event-opens", zone = &zone)) }
                    input id="eopens" name="registration_opens" type="datetime-local" required value=(minute(e.map(|e| e.registration_opens_at)));
                    label for="ecloses" { (tr!(t, "admin-event-closes", zone = &zone)) }
                    input id="ecloses" name="registration_closes" type="datetime-local" required value=(minute(e.map(|e| e.registration_closes_at)));
                    button type="submit" { (tr!(t, "admin-event-set")) }
                }
                @if e.is_some() {
                    form.inline method="post" action="/admin/event/clear" {
                        (CsrfField(csrf))
                        button.secondary type="submit" { (tr!(t, "admin-event-clear")) }
                    }
                }
            }
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<EventSection>(state, admin, text).await
}

/// The event form.
#[derive(Debug, Deserialize)]
pub struct EventInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    registration_opens: String,
    #[serde(default)]
    registration_closes: String,
}

impl EventInput {
    /// The event the form describes, its times read in the event's zone (`offset`).
    fn event(&self, offset: time::UtcOffset) -> Result<Event, EventError> {
        Event::new(
            &self.name,
            event::parse_date("starts_on", &self.starts_on)?,
            event::parse_date("ends_on", &self.ends_on)?,
            event::parse_minute_at("registration_opens", &self.registration_opens, offset)?,
            event::parse_minute_at("registration_closes", &self.registration_closes, offset)?,
        )
    }
}

/// POST /admin/event: sets (or replaces) the event.
pub async fn set_event(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<EventInput>,
) -> Result<Response, PageError> {
    match form.event(state.settings.utc_offset()) {
        Ok(e) => {
            crate::service::events::set(&state.db, e).await?;
            Ok(see_other("/admin#event"))
        }
        Err(e) => refuse(&state, &admin, crate::web::failure::for_page(&e)).await,
    }
}

/// POST /admin/event/clear.
pub async fn clear_event(
    State(state): State<AppState>,
    Admin(_): Admin,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    crate::service::events::clear(&state.db).await?;
    Ok(see_other("/admin#event"))
}
