//! JSON API v1 for other services (DECT syncer, provisioning): Bearer API keys, JSON in and
//! out, errors as `{"detail": "..."}`. Every write is one database transaction.
//!
//! | route | scope |
//! | --- | --- |
//! | `POST /api/v1/handsets/temporary` | read-write |
//! | `GET /api/v1/handsets/{sip_username}`, `DELETE` the same | read / read-write |
//! | `POST /api/v1/extensions` | read-write |
//! | `GET /api/v1/extensions/{number}` | read |
//! | `POST /api/v1/extensions/{number}/unbind`, `.../token` | read-write |

mod error;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub use error::ApiError;

use crate::app::AppState;
use crate::db::api_keys::{self, Scope};
use crate::db::extensions::{self, Created, ExtensionKind, NewExtension};
use crate::db::{handsets, DbError};

/// The API routes, to be nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/handsets/temporary", post(create_temporary))
        .route(
            "/handsets/{sip_username}",
            get(get_handset).delete(delete_handset),
        )
        .route("/extensions", post(create_extension))
        .route("/extensions/{number}", get(get_extension))
        .route("/extensions/{number}/unbind", post(unbind))
        .route("/extensions/{number}/token", post(new_token))
        .fallback(|| async { ApiError::NotFound("No such API route".into()) })
}

/// A caller with a valid API key; writes need read-write scope.
pub struct ApiKey {
    /// The key's name (for logs).
    pub name: String,
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|k| k.trim().to_string())
            .ok_or(ApiError::Unauthorized)?;
        let found = state
            .db
            .read(move |c| api_keys::verify(c, &key))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let (name, scope) = found;
        let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if writes && scope != Scope::ReadWrite {
            return Err(ApiError::Forbidden);
        }
        Ok(ApiKey { name })
    }
}

/// A JSON body whose rejections (bad JSON, wrong content type) answer `{"detail"}`.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
                // Valid JSON of the wrong shape (a field missing or mistyped).
                JsonRejection::JsonDataError(e) => ApiError::Unprocessable(e.body_text()),
                other => ApiError::BadRequest(other.body_text()),
            }),
        }
    }
}

fn digits_only(number: &str) -> Result<(), ApiError> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::NotFound("Extension not found".into()));
    }
    Ok(())
}

/// A new temporary handset's credentials.
#[derive(Debug, Serialize, Deserialize)]
pub struct TemporaryHandsetOut {
    pub number: String,
    pub sip_username: String,
    pub sip_password: String,
}

async fn create_temporary(
    State(state): State<AppState>,
    key: ApiKey,
) -> Result<(StatusCode, Json<TemporaryHandsetOut>), ApiError> {
    let plan = handsets::TemporaryPlan::from_settings(&state.settings);
    let h = state
        .db
        .write(move |tx| handsets::create_temporary(tx, &plan))
        .await?;
    tracing::info!(api_key = %key.name, handset = %h.credentials.username, "temporary handset created");
    Ok((
        StatusCode::CREATED,
        Json(TemporaryHandsetOut {
            number: h.number,
            sip_username: h.credentials.username,
            sip_password: h.credentials.password,
        }),
    ))
}

/// A handset as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct HandsetOut {
    pub sip_username: String,
    /// The temporary number while unbound.
    pub temporary_number: Option<String>,
    /// The extension it is bound to.
    pub extension: Option<String>,
    pub created_at: i64,
}

async fn get_handset(
    State(state): State<AppState>,
    _key: ApiKey,
    Path(sip_username): Path<String>,
) -> Result<Json<HandsetOut>, ApiError> {
    let h = state
        .db
        .read(move |c| handsets::get(c, &sip_username))
        .await?
        .ok_or_else(|| ApiError::NotFound("Handset not found".into()))?;
    Ok(Json(HandsetOut {
        sip_username: h.sip_username,
        temporary_number: h.temporary_number,
        extension: h.extension,
        created_at: h.created_at,
    }))
}

async fn delete_handset(
    State(state): State<AppState>,
    _key: ApiKey,
    Path(sip_username): Path<String>,
) -> Result<StatusCode, ApiError> {
    let length = state.settings.numbering.token_length;
    state
        .db
        .write(move |tx| handsets::delete(tx, &sip_username, length))
        .await
        .map_err(|e| match e {
            DbError::NotFound => ApiError::NotFound("Handset not found".into()),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /extensions` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewExtensionIn {
    pub number: String,
    pub name: String,
    /// "handset" or "sip".
    pub kind: String,
    /// Listed in the public phonebook (default true).
    #[serde(default = "yes")]
    pub public: bool,
}

fn yes() -> bool {
    true
}

/// A created extension: the token (handset) or the SIP credentials (sip).
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedOut {
    pub number: String,
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_password: Option<String>,
}

async fn create_extension(
    State(state): State<AppState>,
    _key: ApiKey,
    ApiJson(body): ApiJson<NewExtensionIn>,
) -> Result<(StatusCode, Json<CreatedOut>), ApiError> {
    let kind = match body.kind.as_str() {
        "handset" => ExtensionKind::Handset,
        "sip" => ExtensionKind::Sip,
        other => {
            return Err(ApiError::Unprocessable(format!(
                "unknown kind {other:?}: use \"handset\" or \"sip\""
            )))
        }
    };
    let name = crate::domain::accounts::display_name(&body.name)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let new = NewExtension {
        owner_id: None,
        number: body.number.clone(),
        name: name.clone(),
        kind,
        public: body.public,
    };
    let settings = state.settings.clone();
    let created = state
        .db
        .write(move |tx| extensions::create(tx, &settings, &new))
        .await?
        .map_err(|refused| ApiError::Conflict(refused.to_string()))?;
    let mut out = CreatedOut {
        number: body.number.trim().to_string(),
        name,
        kind: body.kind,
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
    }
    Ok((StatusCode::CREATED, Json(out)))
}

/// An extension as the API shows it (never a password).
#[derive(Debug, Serialize, Deserialize)]
pub struct ExtensionOut {
    pub number: String,
    pub name: String,
    pub kind: String,
    pub public: bool,
    pub bound: bool,
    /// The SIP username of the device serving it.
    pub device: Option<String>,
    /// The token while a handset extension is unbound.
    pub token: Option<String>,
    pub bound_at: Option<i64>,
}

async fn get_extension(
    State(state): State<AppState>,
    _key: ApiKey,
    Path(number): Path<String>,
) -> Result<Json<ExtensionOut>, ApiError> {
    digits_only(&number)?;
    let e = state
        .db
        .read(move |c| extensions::get(c, &number))
        .await
        .map_err(not_found_extension)?;
    Ok(Json(ExtensionOut {
        bound: e.device_id.is_some() && e.kind == ExtensionKind::Handset,
        kind: match e.kind {
            ExtensionKind::Handset => "handset".into(),
            ExtensionKind::Sip => "sip".into(),
        },
        number: e.number,
        name: e.name,
        public: e.public,
        device: e.device_id,
        token: e.token,
        bound_at: e.bound_at,
    }))
}

fn not_found_extension(e: DbError) -> ApiError {
    match e {
        DbError::NotFound => ApiError::NotFound("Extension not found".into()),
        other => other.into(),
    }
}

/// Result of an unbind.
#[derive(Debug, Serialize, Deserialize)]
pub struct UnboundOut {
    pub number: String,
    /// The handset's new temporary number.
    pub handset_temporary_number: String,
}

async fn unbind(
    State(state): State<AppState>,
    _key: ApiKey,
    Path(number): Path<String>,
) -> Result<Json<UnboundOut>, ApiError> {
    digits_only(&number)?;
    let plan = handsets::TemporaryPlan::from_settings(&state.settings);
    let length = state.settings.numbering.token_length;
    let n = number.clone();
    let temporary = state
        .db
        .write(move |tx| handsets::unbind(tx, &n, &plan, length))
        .await
        .map_err(not_found_extension)?;
    Ok(Json(UnboundOut {
        number,
        handset_temporary_number: temporary,
    }))
}

/// A new token.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenOut {
    pub number: String,
    pub token: String,
}

async fn new_token(
    State(state): State<AppState>,
    _key: ApiKey,
    Path(number): Path<String>,
) -> Result<Json<TokenOut>, ApiError> {
    digits_only(&number)?;
    let length = state.settings.numbering.token_length;
    let n = number.clone();
    let token = state
        .db
        .write(move |tx| handsets::regenerate_token(tx, &n, length))
        .await
        .map_err(not_found_extension)?;
    Ok(Json(TokenOut { number, token }))
}
