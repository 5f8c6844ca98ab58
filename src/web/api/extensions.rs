//! `/extensions`: numbers people own, as SIP accounts or as handsets awaiting their token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiKey, ApiQuery, PageParams};
use super::routing::{number_in, present, ForwardIn, MemberIn};
use super::{ApiError, ErrorBody, TAG_EXTENSIONS};
use crate::db::extensions::{self, Created, Extension, Filter};
use crate::domain::accounts;
use crate::domain::ExtensionKind;
use crate::service::extensions::{self as extension_service, Actor, Claim, Owner};
use crate::service::routing::{self as routing_service, NewGroup, RoutingChange};
use crate::web::extract::NumberPath;
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_extensions, create_extension))
        .routes(routes!(get_extension, update_extension, delete_extension))
        .routes(routes!(unbind))
        .routes(routes!(new_token))
        .routes(routes!(new_sip_password))
}

/// An extension as the API shows it (never a password).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtensionOut {
    /// The number.
    #[schema(example = "4711")]
    pub number: String,
    /// Phonebook name, also the caller id name.
    pub name: String,
    /// SIP phone or handset.
    pub kind: ExtensionKind,
    /// Listed in the public phonebook.
    pub public: bool,
    /// The owner's username, if a person owns it.
    pub owner: Option<String>,
    /// A handset is bound (always false for SIP extensions).
    pub bound: bool,
    /// The SIP username of the device that rings: always set for SIP, set for a handset once
    /// bound.
    pub sip_username: Option<String>,
    /// The registration token while a handset extension is unbound; shown to read-write keys
    /// only (it is what binds a handset).
    pub token: Option<String>,
    /// When the handset bound (Unix seconds).
    pub bound_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
}

impl ExtensionOut {
    fn new(e: Extension, show_token: bool) -> ExtensionOut {
        ExtensionOut {
            bound: e.kind == ExtensionKind::Handset && e.device_id.is_some(),
            kind: e.kind,
            number: e.number,
            name: e.name,
            public: e.public,
            owner: e.owner_username,
            sip_username: e.device_id,
            token: e.token.filter(|_| show_token),
            bound_at: e.bound_at,
            created_at: e.created_at,
        }
    }
}

/// Filters of the extension list; all of them combine.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExtensionQuery {
    /// Only this kind.
    pub kind: Option<ExtensionKind>,
    /// Only handset extensions with (true) or without (false) a bound handset.
    pub bound: Option<bool>,
    /// Only extensions owned by this username.
    pub owner: Option<String>,
}

/// A page of extensions, ordered by number.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExtensionPage {
    /// This page.
    pub items: Vec<ExtensionOut>,
    /// How many extensions match the filters in all.
    pub total: u32,
    /// The page size used.
    pub limit: u32,
    /// How many were skipped.
    pub offset: u32,
}

/// List extensions, filtered and paginated.
#[utoipa::path(
    get, path = "/extensions", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(ExtensionQuery, PageParams),
    responses((status = 200, description = "A page of extensions", body = ExtensionPage))
)]
async fn list_extensions(
    State(state): State<AppState>,
    key: ApiKey,
    ApiQuery(query): ApiQuery<ExtensionQuery>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<ExtensionPage>, ApiError> {
    let (limit, offset) = page.resolve()?;
    let filter = Filter {
        kind: query.kind,
        bound: query.bound,
        owner_username: query.owner,
        ..Filter::default()
    };
    let (rows, total) = state
        .db
        .read(move |c| extensions::list(c, &filter, limit, offset))
        .await?;
    let show_token = key.may_write();
    Ok(Json(ExtensionPage {
        items: rows
            .into_iter()
            .map(|e| ExtensionOut::new(e, show_token))
            .collect(),
        total,
        limit,
        offset,
    }))
}

/// `POST /extensions` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExtensionIn {
    /// The number to claim; the numbering rules decide.
    #[schema(example = "4711", pattern = r"^[0-9]{1,15}$")]
    pub number: String,
    /// Phonebook name (1 to 60 characters, no control characters).
    #[schema(
        example = "Alice",
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f\s][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
    /// `handset` or `sip`.
    #[schema(value_type = ExtensionKind)]
    pub kind: String,
    /// Listed in the public phonebook (default true).
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub public: bool,
    /// The owner's username; none by default.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9._-]{3,32}$")]
    pub owner: Option<String>,
    /// Groups only: the members, with delays (docs/routing.md).
    #[serde(default)]
    pub members: Option<Vec<MemberIn>>,
    /// Groups only: seconds the members ring (5 to 300, default 30).
    #[serde(default)]
    #[schema(minimum = 5, maximum = 300)]
    pub ring_timeout: Option<u32>,
    /// Groups only: where an unanswered call goes (default: busy).
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{1,15}$")]
    pub fallback: Option<String>,
}

fn yes() -> bool {
    true
}

/// A created extension: the token (handset) or the SIP credentials (sip), shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedExtensionOut {
    /// The number.
    pub number: String,
    /// Phonebook name.
    pub name: String,
    /// SIP phone or handset.
    pub kind: ExtensionKind,
    /// Handset: the token to dial after the registration code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// SIP: the username for the phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_username: Option<String>,
    /// SIP: the password for the phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_password: Option<String>,
}

/// Claim a number: a handset extension (answers with its token) or a SIP extension (answers
/// with SIP credentials).
#[utoipa::path(
    post, path = "/extensions", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    request_body = NewExtensionIn,
    responses(
        (status = 201, description = "Created; secrets are shown only now", body = CreatedExtensionOut),
        (status = 409, description = "Taken, reserved, or a prefix clash with a number in use or configured", body = ErrorBody),
        (status = 422, description = "Not digits, out of range, unknown kind, bad name or unknown owner", body = ErrorBody),
    )
)]
async fn create_extension(
    State(state): State<AppState>,
    key: ApiKey,
    ApiJson(body): ApiJson<NewExtensionIn>,
) -> Result<(StatusCode, Json<CreatedExtensionOut>), ApiError> {
    // Kind is a string rather than the enum so an unknown kind gets this message, not serde's.
    let kind: ExtensionKind =
        body.kind
            .parse()
            .map_err(|e: crate::domain::extension::UnknownKind| {
                ApiError::Unprocessable(e.to_string())
            })?;
    let name =
        accounts::display_name(&body.name).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    if kind == ExtensionKind::Group {
        return create_group(state, key, body, name).await;
    }
    if body.members.is_some() || body.ring_timeout.is_some() || body.fallback.is_some() {
        return Err(ApiError::Unprocessable(
            "members, ring_timeout and fallback are for \"kind\": \"group\" only".into(),
        ));
    }
    let claim = Claim {
        owner: body.owner.map_or(Owner::Nobody, Owner::Username),
        number: body.number.clone(),
        name: name.clone(),
        kind,
        public: body.public,
        authority: key.authority(),
        // This key may read this extension's SIP password later.
        by_key: Some(key.id),
    };
    let created = extension_service::claim(&state.db, state.settings.clone(), claim).await?;
    let mut out = CreatedExtensionOut {
        number: body.number.trim().to_string(),
        name,
        kind,
        token: None,
        sip_username: None,
        sip_password: None,
    };
    match created {
        Created::Handset { token } => out.token = Some(token),
        Created::Sip(c) => {
            out.sip_username = Some(c.username);
            out.sip_password = Some(c.password);
        }
        Created::Group | Created::Conference => {}
    }
    tracing::info!(api_key = %key.name, number = %out.number, "extension created");
    Ok((StatusCode::CREATED, Json(out)))
}

/// `POST /extensions` for a group: its members, ring timeout and fallback in the same
/// transaction as the claim.
async fn create_group(
    state: AppState,
    key: ApiKey,
    body: NewExtensionIn,
    name: String,
) -> Result<(StatusCode, Json<CreatedExtensionOut>), ApiError> {
    let members = body
        .members
        .unwrap_or_default()
        .into_iter()
        .map(MemberIn::request)
        .collect::<Result<Vec<_>, _>>()?;
    let fallback = body
        .fallback
        .as_deref()
        .map(|f| number_in("fallback", f))
        .transpose()?;
    let number = body.number.trim().to_string();
    let group = NewGroup {
        owner: body.owner.map_or(Owner::Nobody, Owner::Username),
        number: number.clone(),
        name: name.clone(),
        public: body.public,
        members,
        ring_timeout: body.ring_timeout,
        fallback,
        authority: key.authority(),
        by: Actor::Staff,
        by_key: Some(key.id),
    };
    routing_service::create_group(&state.db, state.settings.clone(), group).await?;
    tracing::info!(api_key = %key.name, %number, "group created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedExtensionOut {
            number,
            name,
            kind: ExtensionKind::Group,
            token: None,
            sip_username: None,
            sip_password: None,
        }),
    ))
}

/// One extension by number.
#[utoipa::path(
    get, path = "/extensions/{number}", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 200, description = "The extension", body = ExtensionOut),
        (status = 404, description = "Extension not found", body = ErrorBody),
    )
)]
async fn get_extension(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<Json<ExtensionOut>, ApiError> {
    let number = number.to_string();
    let e = state
        .db
        .read(move |c| extensions::get(c, &number))
        .await
        .map_err(ApiError::or_extension_not_found)?;
    Ok(Json(ExtensionOut::new(e, key.may_write())))
}

/// `PATCH /extensions/{number}` body: the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionPatch {
    /// New phonebook and caller id name (1 to 60 characters, no control characters).
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f\s][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: Option<String>,
    /// Listed in the public phonebook.
    pub public: Option<bool>,
    /// Forwarding; each field optional, `null` clears it.
    pub forward: Option<ForwardIn>,
    /// Do-not-disturb: callers hear busy, or go to `forward.busy`.
    pub dnd: Option<bool>,
    /// Call waiting (extensions): off means a second call gets busy.
    pub call_waiting: Option<bool>,
    /// Groups: seconds the members ring (5 to 300).
    #[schema(minimum = 5, maximum = 300)]
    pub ring_timeout: Option<u32>,
    /// Groups: where an unanswered call goes; `null` clears (busy).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^[0-9]{1,15}$")]
    pub fallback: Option<Option<String>>,
}

/// Change an extension's name, phonebook listing, forwarding, do-not-disturb or call waiting
/// (a group's: also its ring timeout and fallback), in one transaction. A device serving it
/// shows the new caller id on its next call; Asterisk routes by the new settings at once.
#[utoipa::path(
    patch, path = "/extensions/{number}", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    request_body = ExtensionPatch,
    responses(
        (status = 200, description = "The changed extension", body = ExtensionOut),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 422, description = "Bad name, a value out of range, or a forwarding target that is no extension or group", body = ErrorBody),
    )
)]
async fn update_extension(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
    ApiJson(patch): ApiJson<ExtensionPatch>,
) -> Result<Json<ExtensionOut>, ApiError> {
    let number = number.to_string();
    let name = patch
        .name
        .as_deref()
        .map(accounts::display_name)
        .transpose()
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let fallback = patch
        .fallback
        .map(|f| f.map(|f| number_in("fallback", &f)).transpose())
        .transpose()?;
    let change = RoutingChange {
        forward: patch.forward.unwrap_or_default().change()?,
        dnd: patch.dnd,
        call_waiting: patch.call_waiting,
        ring_timeout: patch.ring_timeout,
        fallback,
    };
    let e = routing_service::update_extension(
        &state.db,
        &number,
        name,
        patch.public,
        change,
        Actor::Staff,
    )
    .await?;
    tracing::info!(api_key = %key.name, number = %e.number, "extension updated");
    Ok(Json(ExtensionOut::new(e, key.may_write())))
}

/// Delete an extension and free its number. A SIP extension's device goes with it; a bound
/// handset stays, as a temporary handset again.
#[utoipa::path(
    delete, path = "/extensions/{number}", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Extension not found", body = ErrorBody),
    )
)]
async fn delete_extension(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<StatusCode, ApiError> {
    let number = number.to_string();
    extension_service::delete(&state.db, state.settings.clone(), &number, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, number = %number, "extension deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Result of an unbind.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnboundOut {
    /// The extension, now unbound with a fresh token.
    pub number: String,
    /// The handset's new temporary number.
    pub handset_temporary_number: String,
}

/// Release the handset bound to a handset extension: the handset gets a new temporary number,
/// the extension a fresh token.
#[utoipa::path(
    post, path = "/extensions/{number}/unbind", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 200, description = "Unbound", body = UnboundOut),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "No handset bound, or a SIP extension", body = ErrorBody),
    )
)]
async fn unbind(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<Json<UnboundOut>, ApiError> {
    let number = number.to_string();
    let temporary =
        extension_service::unbind(&state.db, &state.settings, &number, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, number = %number, "handset unbound");
    Ok(Json(UnboundOut {
        number,
        handset_temporary_number: temporary,
    }))
}

/// A new registration token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenOut {
    /// The extension.
    pub number: String,
    /// The new token; the old one stops working.
    pub token: String,
}

/// Give an unbound handset extension a new token.
#[utoipa::path(
    post, path = "/extensions/{number}/token", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 200, description = "The new token", body = TokenOut),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "A handset is bound, or a SIP extension", body = ErrorBody),
    )
)]
async fn new_token(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<Json<TokenOut>, ApiError> {
    let number = number.to_string();
    let token =
        extension_service::regenerate_token(&state.db, &state.settings, &number, Actor::Staff)
            .await?;
    tracing::info!(api_key = %key.name, number = %number, "token regenerated");
    Ok(Json(TokenOut { number, token }))
}

/// New SIP credentials of a SIP extension.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SipPasswordOut {
    /// The extension.
    pub number: String,
    /// The SIP username (unchanged).
    pub sip_username: String,
    /// The new password; the phone's registrations were dropped.
    pub sip_password: String,
}

/// Give a SIP extension's device a new password. Its registrations are dropped, so the phone
/// must be set up with the new one. Since the answer is the password, only admin keys and the
/// key that created the extension may do this.
#[utoipa::path(
    post, path = "/extensions/{number}/password", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 200, description = "The new credentials", body = SipPasswordOut),
        (status = 403, description = "Neither an admin key nor the key that created the extension", body = ErrorBody),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "A handset extension (it has a token, no password)", body = ErrorBody),
    )
)]
async fn new_sip_password(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<Json<SipPasswordOut>, ApiError> {
    let number = number.to_string();
    let creator = {
        let n = number.clone();
        state
            .db
            .read(move |c| extensions::creator_key(c, &n))
            .await
            .map_err(ApiError::or_extension_not_found)?
    };
    // The creator never changes once recorded, so asking before the write is as good as inside.
    if !key.may_read_sip_password(creator) {
        key.require_admin("The SIP password of an extension this key did not create")?;
    }
    let fresh =
        extension_service::regenerate_sip_password(&state.db, &number, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, number = %number, "SIP password regenerated");
    Ok(Json(SipPasswordOut {
        number,
        sip_username: fresh.username,
        sip_password: fresh.password,
    }))
}
