//! Conference rooms on `/account`: creating a room (the account page's form), and a room's own
//! page for its owner: who is in it now, live (number, name, talking, muted), with mute,
//! unmute and remove, and the room's PIN and limit. Every form is a CSRF-checked POST; a room
//! that is not the visitor's is a page that is not there, and nothing changes.
//!
//! The words are in `locales/<lang>/conference.ftl`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::{own, LiveHandle};
use crate::db::conferences::Room;
use crate::domain::accounts;
use crate::domain::conference::RoomSettings;
use crate::domain::numbering::Authority;
use crate::domain::Number;
use crate::service::conferences::{self as rooms, NewRoom, RoomError};
use crate::tr;
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::i18n::{self, Tr};
use crate::web::live_view::{Action, LiveError, LiveSource, Participant};
use crate::web::pages::fields::number_field;
use crate::web::pages::{no_store, see_other};
use crate::web::sse::{self, Turn};
use crate::web::sse_access::Holder;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/conferences", post(create))
        .route("/account/conferences/{number}", get(show))
        .route("/account/conferences/{number}/stream", get(stream))
        .route("/account/conferences/{number}/settings", post(settings))
        .route(
            "/account/conferences/{number}/participants/{id}/{action}",
            post(participant),
        )
}

/// The card's part for a room: a link to its page.
pub(super) struct RoomLink<'a> {
    pub(super) number: &'a str,
}

impl Render for RoomLink<'_> {
    fn render(&self) -> Markup {
        let t = i18n::current();
        html! {
            p { (tr!(t, "conference-card")) " " (tr!(t, "conference-dial", number = self.number)) }
            p { a href={ "/account/conferences/" (self.number) } { (tr!(t, "conference-open")) } }
        }
    }
}

/// The account page's form that creates a room.
pub(super) struct CreateRoomForm<'a> {
    pub(super) csrf: &'a str,
}

impl Render for CreateRoomForm<'_> {
    fn render(&self) -> Markup {
        let t = i18n::current();
        html! {
            details #create-conference {
                summary { (tr!(t, "conference-create-title")) }
                form method="post" action="/account/conferences" {
                    (CsrfField(self.csrf))
                    p.small { (tr!(t, "conference-create-help")) }
                    label for="conf-number" { (tr!(t, "conference-number")) }
                    input #conf-number name="number" inputmode="numeric" pattern="[0-9]{1,15}" required autocomplete="off";
                    label for="conf-name" { (tr!(t, "conference-name")) }
                    input #conf-name name="name" required maxlength="64";
                    (SettingsFields { settings: &RoomSettings::default(), t })
                    label.choice { input type="checkbox" name="public" value="yes" checked; " " (tr!(t, "conference-public")) }
                    button type="submit" { (tr!(t, "conference-create")) }
                }
            }
        }
    }
}

struct SettingsFields<'a> {
    settings: &'a RoomSettings,
    t: Tr,
}

impl Render for SettingsFields<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        let max = self.settings.max_participants.map(|m| m.to_string());
        html! {
            label for="conf-pin" { (tr!(t, "conference-pin")) }
            input #conf-pin name="pin" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="off" value=(self.settings.pin.as_deref().unwrap_or(""));
            label for="conf-max" { (tr!(t, "conference-max")) }
            input #conf-max name="max" type="number" min="2" max="100" value=(max.as_deref().unwrap_or(""));
        }
    }
}

/// The PIN and limit as typed.
#[derive(Debug, Deserialize)]
pub struct SettingsInput {
    #[serde(default)]
    pin: String,
    #[serde(default)]
    max: String,
}

impl SettingsInput {
    fn parse(&self, t: Tr) -> Result<RoomSettings, String> {
        let max = match self.max.trim() {
            "" => None,
            m => Some(
                m.parse::<u32>()
                    .map_err(|_| tr!(t, "conference-max-not-number").to_string())?,
            ),
        };
        RoomSettings::parse(Some(&self.pin), max).map_err(|e| e.to_string())
    }
}

/// The create-room form.
#[derive(Debug, Deserialize)]
pub struct CreateInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    public: Option<String>,
    #[serde(flatten)]
    settings: SettingsInput,
}

/// POST /account/conferences: a room of the visitor's, under the attendee claim rules (the
/// per-user maximum counts it).
pub async fn create(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    CsrfForm(form): CsrfForm<CreateInput>,
) -> Result<Response, PageError> {
    let t = Visitor::of(&user).tr();
    let checked = number_field(&tr!(t, "conference-number"), &form.number).and_then(|n| {
        let n = n.ok_or_else(|| tr!(t, "conference-type-number"))?;
        let name = accounts::display_name(form.name.trim()).map_err(|e| e.to_string())?;
        Ok((n, name, form.settings.parse(t)?))
    });
    let (number, name, settings) = match checked {
        Ok(c) => c,
        Err(problem) => {
            return super::refused(&state, &user, &live, PageError::BadRequest(problem)).await
        }
    };
    let room = NewRoom {
        owner_id: Some(user.user.id),
        number: number.clone(),
        name,
        public: form.public.is_some(),
        settings,
        authority: Authority::Attendee,
        by_key: None,
    };
    match rooms::create_room(&state.db, state.settings.clone(), room).await {
        Ok(()) => Ok(see_other(&format!(
            "/account/conferences/{number}?done=created"
        ))),
        Err(e) => super::refused(&state, &user, &live, e.into()).await,
    }
}

/// The visitor's room `number`, or the page that is not there.
async fn my_room(state: &AppState, user: &LoggedIn, number: &Number) -> Result<Room, PageError> {
    match rooms::room(&state.db, number.as_str(), own(user)).await {
        Ok(room) => Ok(room),
        Err(RoomError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Which confirmation to show after a post.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// GET /account/conferences/{number}: the owner's view of the room.
pub async fn show(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let room = my_room(&state, &user, &number).await?;
    let t = Visitor::of(&user).tr();
    // Fixed texts only: nothing of the query is echoed back.
    let notice = match done.done.as_deref() {
        Some("created") => Some(Notice::ok(tr!(t, "conference-created"))),
        Some("saved") => Some(Notice::ok(tr!(t, "conference-saved"))),
        Some("muted") => Some(Notice::ok(tr!(t, "conference-done-muted"))),
        Some("unmuted") => Some(Notice::ok(tr!(t, "conference-done-unmuted"))),
        Some("removed") => Some(Notice::ok(tr!(t, "conference-done-removed"))),
        _ => None,
    };
    Ok(page(&user, live.0.as_ref(), &room, notice, StatusCode::OK))
}

fn page(
    user: &LoggedIn,
    live: &dyn LiveSource,
    room: &Room,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let visitor = Visitor::of(user);
    let t = visitor.tr();
    let n = &room.number;
    let table = Participants {
        number: n,
        list: &live.conference(n),
        connected: live.snapshot().ari_connected,
        csrf: &user.csrf,
        t,
    };
    let body = html! {
        @if let Some(notice) = notice { (notice) }
        p { strong { (room.name) } " · " (tr!(t, "conference-dial", number = n)) }
        section {
            h2 { (tr!(t, "conference-who")) }
            div #participants data-stream={ "/account/conferences/" (n) "/stream" } { (table) }
        }
        section {
            h2 { (tr!(t, "conference-settings")) }
            form method="post" action={ "/account/conferences/" (n) "/settings" } {
                (CsrfField(&user.csrf))
                (SettingsFields { settings: &room.settings, t })
                button type="submit" { (tr!(t, "conference-save")) }
            }
        }
        p.small { a href={ "/account#ext-" (n) } { (tr!(t, "conference-back")) } }
    };
    let page = layout(&tr!(t, "conference-title", number = n), &visitor, body);
    no_store((status, page).into_response())
}

/// The live table of a room's participants with their buttons.
struct Participants<'a> {
    number: &'a str,
    list: &'a [Participant],
    connected: bool,
    csrf: &'a str,
    t: Tr,
}

impl Render for Participants<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        let base = format!("/account/conferences/{}/participants", self.number);
        html! {
            @if !self.connected {
                p.notice { (tr!(t, "conference-not-connected")) }
            } @else if self.list.is_empty() {
                p { (tr!(t, "conference-nobody")) }
            } @else {
                table {
                    thead { tr { th { (tr!(t, "conference-caller")) } th { (tr!(t, "conference-state")) } th {} } }
                    tbody {
                        @for p in self.list {
                            tr data-participant=(p.id) {
                                td { (p.name) " " code { (p.number) } }
                                td {
                                    @if p.talking { span.badge.ok { (tr!(t, "conference-talking")) } " " }
                                    @if p.muted { span.badge { (tr!(t, "conference-muted")) } }
                                }
                                td {
                                    @let (action, label) = if p.muted { ("unmute", tr!(t, "conference-unmute")) } else { ("mute", tr!(t, "conference-mute")) };
                                    form.inline method="post" action={ (base) "/" (p.id) "/" (action) } {
                                        (CsrfField(self.csrf))
                                        button.secondary type="submit" { (label) }
                                    }
                                    form.inline method="post" action={ (base) "/" (p.id) "/remove" } {
                                        (CsrfField(self.csrf))
                                        button.danger type="submit" { (tr!(t, "conference-remove")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// POST /account/conferences/{number}/settings.
pub async fn settings(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<SettingsInput>,
) -> Result<Response, PageError> {
    let room = my_room(&state, &user, &number).await?;
    let parsed = match form.parse(Visitor::of(&user).tr()) {
        Ok(s) => s,
        Err(problem) => {
            let notice = Some(Notice::error(problem));
            return Ok(page(
                &user,
                live.0.as_ref(),
                &room,
                notice,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    rooms::set_settings(&state.db, number.as_str(), parsed, own(&user)).await?;
    Ok(see_other(&format!(
        "/account/conferences/{}?done=saved",
        number.as_str()
    )))
}

/// Whether `id` is shaped like an Asterisk channel id (ours or Asterisk's own).
fn channel_id_shape(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// POST /account/conferences/{number}/participants/{id}/mute|unmute|remove.
pub async fn participant(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    Path((number, id, action)): Path<(String, String, String)>,
    CsrfForm(_form): CsrfForm<crate::web::pages::Empty>,
) -> Result<Response, PageError> {
    let number = Number::parse(&number).map_err(|_| PageError::NotFound)?;
    let (action, done) = match action.as_str() {
        "mute" => (Action::Mute, "muted"),
        "unmute" => (Action::Unmute, "unmuted"),
        "remove" => (Action::Remove, "removed"),
        _ => return Err(PageError::NotFound),
    };
    let room = my_room(&state, &user, &number).await?;
    let t = Visitor::of(&user).tr();
    if !channel_id_shape(&id) {
        return Err(PageError::NotFound);
    }
    let refusal = match live
        .0
        .conference_action(room.number.clone(), id, action)
        .await
    {
        Ok(()) => {
            return Ok(see_other(&format!(
                "/account/conferences/{}?done={done}",
                room.number
            )))
        }
        Err(LiveError::NoParticipant) => (StatusCode::NOT_FOUND, tr!(t, "conference-gone")),
        Err(LiveError::NotConnected) => (
            StatusCode::SERVICE_UNAVAILABLE,
            tr!(t, "conference-not-connected"),
        ),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()),
    };
    let notice = Some(Notice::error(refusal.1));
    Ok(page(&user, live.0.as_ref(), &room, notice, refusal.0))
}

/// GET /account/conferences/{number}/stream: the participants table again (`live` events)
/// whenever someone enters, leaves, talks or is muted.
pub async fn stream(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
) -> Result<Response, PageError> {
    let room = my_room(&state, &user, &number).await?;
    let wakes = sse::Wakes {
        on: vec![live.0.conference_changes(), live.0.subscribe()],
        // Talk detection flips often while people speak; a quarter second is live enough.
        settle: std::time::Duration::from_millis(250),
        fallback: None,
    };
    let feed = RoomStream {
        t: Visitor::of(&user).tr(),
        live: live.0.clone(),
        number: room.number,
        csrf: user.csrf.clone(),
        last: None,
    };
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

struct RoomStream {
    /// The owner's language, chosen when the stream opened.
    t: Tr,
    live: Arc<dyn LiveSource>,
    number: String,
    csrf: String,
    last: Option<String>,
}

impl sse::Feed for RoomStream {
    async fn turn(&mut self) -> Turn {
        let html = Participants {
            number: &self.number,
            list: &self.live.conference(&self.number),
            connected: self.live.snapshot().ari_connected,
            csrf: &self.csrf,
            t: self.t,
        }
        .render()
        .into_string();
        if self.last.as_deref() == Some(html.as_str()) {
            return Turn::Wait(Vec::new());
        }
        self.last = Some(html.clone());
        Turn::Wait(vec![Event::default().event("live").data(html)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_as_typed() {
        let input = |pin: &str, max: &str| SettingsInput {
            pin: pin.into(),
            max: max.into(),
        };
        let t = Tr::new(crate::domain::lang::Lang::En);
        assert_eq!(input("", "").parse(t), Ok(RoomSettings::default()));
        assert_eq!(input("1234", " 5 ").parse(t).unwrap().limit(), 5);
        assert!(input("12", "").parse(t).is_err());
        assert!(input("", "five").parse(t).is_err());
        assert!(input("", "1").parse(t).is_err());
    }

    #[test]
    fn only_channel_ids_are_acted_on() {
        assert!(channel_id_shape("1764500000.42"));
        assert!(!channel_id_shape(""));
        assert!(!channel_id_shape("a/b"));
        assert!(!channel_id_shape(&"1".repeat(65)));
    }
}
