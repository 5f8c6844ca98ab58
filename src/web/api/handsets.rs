//! `/handsets`: temporary handsets for unconfigurable phones, addressed by their SIP username
//! because their temporary numbers change.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiKey, ApiPath, ApiQuery, PageParams};
use super::{ApiError, ErrorBody, TAG_HANDSETS};
use crate::db::{handsets, now};
use crate::service::handsets as handset_service;
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_temporary, create_temporary))
        .routes(routes!(get_handset, delete_handset))
}

/// A new temporary handset's credentials, shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TemporaryHandsetOut {
    /// The temporary number it can be called at until it binds.
    #[schema(example = "99561234")]
    pub number: String,
    /// SIP username (= endpoint id); never changes.
    #[schema(example = "hx3k9q2m7a1")]
    pub sip_username: String,
    /// SIP digest password.
    pub sip_password: String,
}

/// A handset as the API shows it (never its password).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandsetOut {
    /// SIP username (= endpoint id).
    pub sip_username: String,
    /// The temporary number while unbound.
    pub temporary_number: Option<String>,
    /// The extension it is bound to.
    pub extension: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

impl From<handsets::HandsetInfo> for HandsetOut {
    fn from(h: handsets::HandsetInfo) -> Self {
        HandsetOut {
            sip_username: h.sip_username,
            temporary_number: h.temporary_number,
            extension: h.extension,
            created_at: h.created_at,
        }
    }
}

/// One handset with its recent failed registration attempts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandsetDetailOut {
    /// The handset.
    #[serde(flatten)]
    pub handset: HandsetOut,
    /// Failed token attempts in the last 10 minutes (5 lock it out).
    pub recent_failures: i64,
    /// Until when it is locked out (Unix seconds), if it is.
    pub locked_until: Option<i64>,
}

/// A page of temporary handsets, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HandsetPage {
    /// This page.
    pub items: Vec<HandsetOut>,
    /// How many temporary handsets there are in all.
    pub total: i64,
    /// The page size used.
    pub limit: u32,
    /// How many were skipped.
    pub offset: u32,
}

/// Mint a temporary handset: SIP credentials and a free temporary number.
#[utoipa::path(
    post, path = "/handsets/temporary", tag = TAG_HANDSETS,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the password is shown only now", body = TemporaryHandsetOut),
        (status = 409, description = "No temporary number is free", body = ErrorBody),
    )
)]
async fn create_temporary(
    State(state): State<AppState>,
    key: ApiKey,
) -> Result<(StatusCode, Json<TemporaryHandsetOut>), ApiError> {
    // One per request: the same use case as the CLI's and the admin page's batches.
    let mut minted = handset_service::mint(&state.db, &state.settings, 1).await?;
    let h = minted.pop().ok_or_else(|| {
        ApiError::Db(crate::db::DbError::Task(
            "minting one handset returned none".into(),
        ))
    })?;
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

/// List the temporary (unbound) handsets, newest first.
#[utoipa::path(
    get, path = "/handsets/temporary", tag = TAG_HANDSETS,
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of temporary handsets", body = HandsetPage))
)]
async fn list_temporary(
    State(state): State<AppState>,
    _key: ApiKey,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<HandsetPage>, ApiError> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = state
        .db
        .read(move |c| {
            Ok((
                handsets::list_temporary(c, limit, offset)?,
                handsets::count_temporary(c)?,
            ))
        })
        .await?;
    Ok(Json(HandsetPage {
        items: items.into_iter().map(HandsetOut::from).collect(),
        total,
        limit,
        offset,
    }))
}

fn handset_not_found() -> ApiError {
    ApiError::NotFound("Handset not found".into())
}

/// A handset (temporary or bound) by SIP username.
#[utoipa::path(
    get, path = "/handsets/{sip_username}", tag = TAG_HANDSETS,
    security(("bearer" = [])),
    params(("sip_username" = String, Path, description = "The handset's SIP username")),
    responses(
        (status = 200, description = "The handset", body = HandsetDetailOut),
        (status = 404, description = "Handset not found", body = ErrorBody),
    )
)]
async fn get_handset(
    State(state): State<AppState>,
    _key: ApiKey,
    ApiPath(sip_username): ApiPath<String>,
) -> Result<Json<HandsetDetailOut>, ApiError> {
    let t = now();
    let detail = state
        .db
        .read(move |c| {
            let Some(h) = handsets::get(c, &sip_username)? else {
                return Ok(None);
            };
            let recent_failures = crate::db::attempts::failures_since(
                c,
                &h.sip_username,
                t - crate::domain::lockout::LOCKOUT_WINDOW_SECS,
            )?;
            let locked_until = crate::db::attempts::locked_until(c, &h.sip_username, t)?;
            Ok(Some(HandsetDetailOut {
                handset: h.into(),
                recent_failures,
                locked_until,
            }))
        })
        .await?
        .ok_or_else(handset_not_found)?;
    Ok(Json(detail))
}

/// Delete a handset with its registrations. A bound extension gets a fresh token.
#[utoipa::path(
    delete, path = "/handsets/{sip_username}", tag = TAG_HANDSETS,
    security(("bearer" = [])),
    params(("sip_username" = String, Path, description = "The handset's SIP username")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Handset not found", body = ErrorBody),
    )
)]
async fn delete_handset(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(sip_username): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    handset_service::delete(&state.db, &state.settings, &sip_username).await?;
    tracing::info!(api_key = %key.name, handset = %sip_username, "handset deleted");
    Ok(StatusCode::NO_CONTENT)
}
