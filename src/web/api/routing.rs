//! Routing (docs/routing.md): group members, invitations, and `GET /numbers/{number}/route`,
//! "why did it ring there?". Creating groups and changing forwarding, DND and call waiting
//! go through `POST` and `PATCH /extensions` (`extensions.rs`), with the request types here.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::endpoints::{live_of, DeviceState, Status};
use super::extract::{ApiJson, ApiKey, ApiPath};
use super::{ApiError, ErrorBody, TAG_EXTENSIONS, TAG_ROUTING};
use crate::domain::routing::{Member, Preferences};
use crate::domain::{ExtensionKind, Number};
use crate::service::extensions::Actor;
use crate::service::routing::{
    self as routing_service, ForwardingChange, MemberRequest, RoutePlan,
};
use crate::web::extract::NumberPath;
use crate::web::live_view::LiveSource;
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_members))
        .routes(routes!(invite))
        .routes(routes!(accept_invitation))
        .routes(routes!(decline_invitation))
        .routes(routes!(get_route))
}

/// `Some(value)` for a field that is present, `null` included: with `#[serde(default)]`
/// an absent field stays `None`, so "leave as is" and "clear" differ.
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The digits of a number in a body, or 422 naming the field.
pub fn number_in(field: &str, text: &str) -> Result<String, ApiError> {
    Number::parse(text)
        .map(|n| n.to_string())
        .map_err(|_| ApiError::Unprocessable(format!("{field} {text:?} is not a number")))
}

/// A member of a group as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    /// The member: an extension or another group.
    #[schema(example = "2001", pattern = r"^[0-9]{1,15}$")]
    pub number: String,
    /// Seconds after the call starts that it joins the ringing (0 = at once).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 300, default = 0)]
    pub delay: u32,
    /// False: paused (does not ring). Default true.
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl MemberIn {
    /// The service's request, the number checked.
    pub fn request(self) -> Result<MemberRequest, ApiError> {
        Ok(MemberRequest {
            number: number_in("member", &self.number)?,
            delay: self.delay,
            active: self.active,
        })
    }
}

/// A member as stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberOut {
    /// The member.
    pub number: String,
    /// Seconds before it rings.
    pub delay: u32,
    /// False: paused.
    pub active: bool,
}

impl From<Member> for MemberOut {
    fn from(m: Member) -> Self {
        MemberOut {
            number: m.number,
            delay: m.delay,
            active: m.active,
        }
    }
}

/// `PUT /extensions/{number}/members` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersIn {
    /// The whole member list; members not in it leave the group.
    pub members: Vec<MemberIn>,
}

/// A group's members.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MembersOut {
    /// The group.
    pub number: String,
    /// Its members, by delay.
    pub members: Vec<MemberOut>,
}

/// Set a group's members (the whole list, with delays and paused state). A cycle, a nesting
/// deeper than 8 or an unknown member is refused and nothing changes.
#[utoipa::path(
    put, path = "/extensions/{number}/members", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The group's number")),
    request_body = MembersIn,
    responses(
        (status = 200, description = "The members now", body = MembersOut),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "Not a group, or the members would make a cycle or nest too deep", body = ErrorBody),
    )
)]
async fn set_members(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
    ApiJson(body): ApiJson<MembersIn>,
) -> Result<Json<MembersOut>, ApiError> {
    let members = body
        .members
        .into_iter()
        .map(MemberIn::request)
        .collect::<Result<Vec<_>, _>>()?;
    let number = number.to_string();
    let now = routing_service::set_members(&state.db, &number, members, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, %number, "group members set");
    Ok(Json(MembersOut {
        number,
        members: now.into_iter().map(MemberOut::from).collect(),
    }))
}

/// `POST /extensions/{number}/invitations` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    /// The extension or group invited.
    #[schema(example = "2002", pattern = r"^[0-9]{1,15}$")]
    pub number: String,
    /// The delay it will ring with once it accepts.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 300, default = 0)]
    pub delay: u32,
}

/// A pending invitation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationOut {
    /// The group.
    pub group: String,
    /// The invited member.
    pub member: String,
    /// Its delay once it accepts.
    pub delay: u32,
}

/// Invite an extension (or group) into a group; its owner accepts or declines.
#[utoipa::path(
    post, path = "/extensions/{number}/invitations", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The group's number")),
    request_body = InvitationIn,
    responses(
        (status = 201, description = "Invited", body = InvitationOut),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "Not a group", body = ErrorBody),
    )
)]
async fn invite(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
    ApiJson(body): ApiJson<InvitationIn>,
) -> Result<(StatusCode, Json<InvitationOut>), ApiError> {
    let member = number_in("member", &body.number)?;
    let group = number.to_string();
    routing_service::invite(&state.db, &group, &member, body.delay, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, %group, %member, "member invited");
    Ok((
        StatusCode::CREATED,
        Json(InvitationOut {
            group,
            member,
            delay: body.delay,
        }),
    ))
}

/// The group and member of an invitation path, both numbers.
fn invitation_path(group: &str, member: &str) -> Result<(String, String), ApiError> {
    let parse = |s: &str| Number::parse(s).map(|n| n.to_string());
    match (parse(group), parse(member)) {
        (Ok(g), Ok(m)) => Ok((g, m)),
        _ => Err(ApiError::NotFound("Invitation not found".into())),
    }
}

async fn answer(
    state: AppState,
    key: ApiKey,
    (group, member): (String, String),
    accept: bool,
) -> Result<StatusCode, ApiError> {
    let (group, member) = invitation_path(&group, &member)?;
    routing_service::answer_invitation(&state.db, &group, &member, accept, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, %group, %member, accept, "invitation answered");
    Ok(StatusCode::NO_CONTENT)
}

/// Accept an invitation: the member joins the group, active, with the invited delay.
#[utoipa::path(
    post, path = "/extensions/{number}/invitations/{member}/accept", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(
        ("number" = String, Path, description = "The group's number"),
        ("member" = String, Path, description = "The invited member's number"),
    ),
    responses(
        (status = 204, description = "Accepted: a member now"),
        (status = 404, description = "No such invitation", body = ErrorBody),
        (status = 409, description = "Joining would make a cycle or nest too deep", body = ErrorBody),
    )
)]
async fn accept_invitation(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(path): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    answer(state, key, path, true).await
}

/// Decline an invitation: it is removed.
#[utoipa::path(
    post, path = "/extensions/{number}/invitations/{member}/decline", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(
        ("number" = String, Path, description = "The group's number"),
        ("member" = String, Path, description = "The invited member's number"),
    ),
    responses(
        (status = 204, description = "Declined"),
        (status = 404, description = "No such invitation", body = ErrorBody),
    )
)]
async fn decline_invitation(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(path): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    answer(state, key, path, false).await
}

/// `forward` of `PATCH /extensions/{number}`: each field optional, `null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardIn {
    /// Always forward to this number.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^[0-9]{1,15}$")]
    pub always: Option<Option<String>>,
    /// ... after ringing this many seconds first (null: at once).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, nullable, minimum = 1, maximum = 300)]
    pub always_after: Option<Option<u32>>,
    /// On busy, and on do-not-disturb.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^[0-9]{1,15}$")]
    pub busy: Option<Option<String>>,
    /// When nobody answers (extensions; a group's is its `fallback`).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^[0-9]{1,15}$")]
    pub no_answer: Option<Option<String>>,
    /// Seconds of ringing before `no_answer` (null: 20).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, nullable, minimum = 1, maximum = 300)]
    pub no_answer_after: Option<Option<u32>>,
    /// When nothing could ring (not registered, no handset bound).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^[0-9]{1,15}$")]
    pub unavailable: Option<Option<String>>,
}

impl ForwardIn {
    /// The service's change, every target checked to be digits.
    pub fn change(self) -> Result<ForwardingChange, ApiError> {
        let target = |field: &str, v: Option<Option<String>>| {
            v.map(|t| t.map(|t| number_in(field, &t)).transpose())
                .transpose()
        };
        Ok(ForwardingChange {
            always: target("forward.always", self.always)?,
            always_after: self.always_after,
            busy: target("forward.busy", self.busy)?,
            no_answer: target("forward.no_answer", self.no_answer)?,
            no_answer_after: self.no_answer_after,
            unavailable: target("forward.unavailable", self.unavailable)?,
        })
    }
}

/// Forwarding as set.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ForwardOut {
    /// Always to this number.
    pub always: Option<String>,
    /// ... after this many seconds of ringing.
    pub always_after: Option<u32>,
    /// On busy and DND.
    pub busy: Option<String>,
    /// On no answer.
    pub no_answer: Option<String>,
    /// Seconds before `no_answer`.
    pub no_answer_after: u32,
    /// When nothing could ring.
    pub unavailable: Option<String>,
}

/// Routing settings as set.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsOut {
    /// Do-not-disturb.
    pub dnd: bool,
    /// Call waiting.
    pub call_waiting: bool,
    /// Forwarding.
    pub forward: ForwardOut,
    /// Groups: seconds the members ring.
    pub ring_timeout: u32,
    /// Groups: where an unanswered call goes.
    pub fallback: Option<String>,
}

impl From<Preferences> for SettingsOut {
    fn from(p: Preferences) -> Self {
        let f = p.forward;
        SettingsOut {
            dnd: p.dnd,
            call_waiting: p.call_waiting,
            forward: ForwardOut {
                always: f.always,
                always_after: f.always_after,
                busy: f.busy,
                no_answer: f.no_answer,
                no_answer_after: f.no_answer_after,
                unavailable: f.unavailable,
            },
            ring_timeout: p.ring_timeout,
            fallback: p.fallback,
        }
    }
}

/// One device a call rings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RingOut {
    /// The extension whose device it is.
    pub number: String,
    /// Its name.
    pub name: String,
    /// The device's SIP username.
    pub sip_username: String,
    /// Seconds after the call starts that it rings.
    pub delay: u32,
    /// Seconds it rings then.
    pub rings_for: u32,
    /// Its call waiting (off: left out while it is in a call).
    pub call_waiting: bool,
    /// Its registration now: online, offline, or unknown without Asterisk.
    pub status: Status,
    /// Asterisk's device state now.
    pub device_state: DeviceState,
}

/// What calling a number does, as Asterisk will execute it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RouteOut {
    /// The number.
    pub number: String,
    /// Extension kind (`group` for groups).
    pub kind: ExtensionKind,
    /// Forwarded at once to this number: nothing rings.
    pub forward: Option<String>,
    /// Do-not-disturb: callers go straight to `on_busy` (or hear busy).
    pub busy_now: bool,
    /// Who rings when, earliest first.
    pub rings: Vec<RingOut>,
    /// Seconds the call rings before `on_noanswer`.
    pub timeout: u32,
    /// A group's name as its members see it: `<caller> via <via>`.
    pub via: Option<String>,
    /// Where a busy call goes; null: busy tone.
    pub on_busy: Option<String>,
    /// Where an unanswered call goes; null: busy (groups) or the call ends (extensions).
    pub on_noanswer: Option<String>,
    /// Where a call goes when nothing could ring; null: "not reachable".
    pub on_unavailable: Option<String>,
    /// The settings behind it.
    pub settings: SettingsOut,
    /// A group's members (paused ones included).
    pub members: Vec<MemberOut>,
    /// Whether eventpbx is connected to Asterisk; without it every status is unknown.
    pub ari_connected: bool,
}

/// The compiled plan of a number, with each device's registration state now: who rings when,
/// and what busy, no answer and nobody reachable do.
#[utoipa::path(
    get, path = "/numbers/{number}/route", tag = TAG_ROUTING,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "An extension or group number")),
    responses(
        (status = 200, description = "The plan", body = RouteOut),
        (status = 404, description = "No extension or group has this number", body = ErrorBody),
    )
)]
async fn get_route(
    State(state): State<AppState>,
    _key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<Json<RouteOut>, ApiError> {
    let plan: RoutePlan = routing_service::route(&state.db, number.as_str()).await?;
    // The device states come from the channels.
    let _channels = live.watch_channels().await;
    let live = live.endpoints();
    let rings = plan
        .rings
        .into_iter()
        .map(|r| {
            let l = live_of(&live, &r.endpoint);
            RingOut {
                number: r.number,
                name: r.name,
                sip_username: r.endpoint,
                delay: r.delay,
                rings_for: r.rings_for,
                call_waiting: r.call_waiting,
                status: l.status,
                device_state: l.device_state,
            }
        })
        .collect();
    Ok(Json(RouteOut {
        number: plan.number,
        kind: plan.kind,
        forward: plan.forward,
        busy_now: plan.busy_now,
        rings,
        timeout: plan.timeout,
        via: plan.via,
        on_busy: plan.on_busy,
        on_noanswer: plan.on_noanswer,
        on_unavailable: plan.on_unavailable,
        settings: plan.preferences.into(),
        members: plan.members.into_iter().map(MemberOut::from).collect(),
        ari_connected: live.ari_connected,
    }))
}
