//! `/conferences/{number}`: who is in a conference room now (from the live list the
//! conference flow keeps, not the database), and muting, unmuting and removing them.
//!
//! Any key may list a room. Changing a participant needs a read-write key that created the
//! room, or an admin key (403 otherwise, and nothing changes). A number that is no room, or a
//! participant not in that room, is 404.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiKey, ApiPath};
use super::{ApiError, ErrorBody, TAG_CONFERENCES};
use crate::db::conferences::Room;
use crate::domain::Number;
use crate::service::conferences::{self as rooms, RoomError};
use crate::service::extensions::Actor;
use crate::web::live_view::{Action, LiveSource, Participant};
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_conference))
        .routes(routes!(mute_participant))
        .routes(routes!(unmute_participant))
        .routes(routes!(remove_participant))
}

/// One participant.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ParticipantOut {
    /// The participant's id (Asterisk's channel id), for the mute and remove calls.
    #[schema(example = "1764500000.42")]
    pub id: String,
    /// The caller's number.
    pub number: String,
    /// The caller's name; may be empty.
    pub name: String,
    /// Speaking now.
    pub talking: bool,
    /// Muted: the room does not hear them.
    pub muted: bool,
    /// When they entered (Unix seconds).
    pub joined_at: i64,
}

impl From<Participant> for ParticipantOut {
    fn from(p: Participant) -> Self {
        ParticipantOut {
            id: p.id,
            number: p.number,
            name: p.name,
            talking: p.talking,
            muted: p.muted,
            joined_at: p.joined_at,
        }
    }
}

/// A room and who is in it now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConferenceOut {
    /// The room's number.
    pub number: String,
    /// Its name.
    pub name: String,
    /// Whether callers must type a PIN (the PIN itself is shown only to the owner's page).
    pub has_pin: bool,
    /// The most participants it takes.
    pub max_participants: u32,
    /// Who is in it, by the time they entered.
    pub participants: Vec<ParticipantOut>,
    /// Whether eventpbx is connected to Asterisk; without it the list is empty because
    /// nothing is known, not because nobody is in the room.
    pub ari_connected: bool,
}

/// A room's number and a participant's id, from the path.
type ParticipantPath = ApiPath<(String, String)>;

fn room_not_found(number: &str) -> ApiError {
    ApiError::NotFound(format!("There is no conference room {number}"))
}

/// The room, or 404 (a path segment that is no number names no room either).
async fn room_of(state: &AppState, number: &str) -> Result<Room, ApiError> {
    let Ok(n) = Number::parse(number) else {
        return Err(room_not_found(number));
    };
    match rooms::room(&state.db, n.as_str(), Actor::Staff).await {
        Ok(room) => Ok(room),
        Err(RoomError::NotFound(_)) => Err(room_not_found(number)),
        Err(e) => Err(e.into()),
    }
}

/// A room and who is in it now.
#[utoipa::path(
    get, path = "/conferences/{number}", tag = TAG_CONFERENCES,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The room's number")),
    responses(
        (status = 200, description = "The room and its participants", body = ConferenceOut),
        (status = 404, description = "No such conference room", body = ErrorBody),
    )
)]
async fn get_conference(
    State(state): State<AppState>,
    _key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<ConferenceOut>, ApiError> {
    let room = room_of(&state, &number).await?;
    let participants = live
        .conference(&room.number)
        .into_iter()
        .map(ParticipantOut::from)
        .collect();
    Ok(Json(ConferenceOut {
        has_pin: room.settings.pin.is_some(),
        max_participants: room.settings.limit(),
        number: room.number,
        name: room.name,
        participants,
        ari_connected: live.snapshot().ari_connected,
    }))
}

async fn act(
    state: &AppState,
    key: &ApiKey,
    live: &dyn LiveSource,
    (number, id): (String, String),
    action: Action,
) -> Result<StatusCode, ApiError> {
    let room = room_of(state, &number).await?;
    if !key.may_read_sip_password(room.created_by_key) {
        return Err(ApiError::AdminOnly(
            "Changing the participants of a room another key created",
        ));
    }
    live.conference_action(room.number.clone(), id.clone(), action)
        .await?;
    tracing::info!(api_key = %key.name, room = %room.number, participant = %id, ?action, "conference participant changed");
    Ok(StatusCode::NO_CONTENT)
}

/// Mute a participant: the room no longer hears them.
#[utoipa::path(
    post, path = "/conferences/{number}/participants/{id}/mute", tag = TAG_CONFERENCES,
    security(("bearer" = [])),
    params(
        ("number" = String, Path, description = "The room's number"),
        ("id" = String, Path, description = "The participant's id"),
    ),
    responses(
        (status = 204, description = "Muted"),
        (status = 403, description = "Not this key's room (an admin key may)", body = ErrorBody),
        (status = 404, description = "No such room, or no such participant in it", body = ErrorBody),
        (status = 502, description = "Asterisk refused", body = ErrorBody),
    )
)]
async fn mute_participant(
    State(state): State<AppState>,
    key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiPath(path): ParticipantPath,
) -> Result<StatusCode, ApiError> {
    act(&state, &key, live.as_ref(), path, Action::Mute).await
}

/// Unmute a participant.
#[utoipa::path(
    post, path = "/conferences/{number}/participants/{id}/unmute", tag = TAG_CONFERENCES,
    security(("bearer" = [])),
    params(
        ("number" = String, Path, description = "The room's number"),
        ("id" = String, Path, description = "The participant's id"),
    ),
    responses(
        (status = 204, description = "Unmuted"),
        (status = 403, description = "Not this key's room (an admin key may)", body = ErrorBody),
        (status = 404, description = "No such room, or no such participant in it", body = ErrorBody),
        (status = 502, description = "Asterisk refused", body = ErrorBody),
    )
)]
async fn unmute_participant(
    State(state): State<AppState>,
    key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiPath(path): ParticipantPath,
) -> Result<StatusCode, ApiError> {
    act(&state, &key, live.as_ref(), path, Action::Unmute).await
}

/// Remove a participant from the room (their call is hung up).
#[utoipa::path(
    delete, path = "/conferences/{number}/participants/{id}", tag = TAG_CONFERENCES,
    security(("bearer" = [])),
    params(
        ("number" = String, Path, description = "The room's number"),
        ("id" = String, Path, description = "The participant's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not this key's room (an admin key may)", body = ErrorBody),
        (status = 404, description = "No such room, or no such participant in it", body = ErrorBody),
        (status = 502, description = "Asterisk refused", body = ErrorBody),
    )
)]
async fn remove_participant(
    State(state): State<AppState>,
    key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiPath(path): ParticipantPath,
) -> Result<StatusCode, ApiError> {
    act(&state, &key, live.as_ref(), path, Action::Remove).await
}
