//! `/extensions/{number}/browser-phone`: an extension's WebRTC device (issue 16), as the
//! account page offers it. Changes go through `service::browser`, one transaction each.
//!
//! Who sees the password: the account page shows it only to the extension's owner; the API's
//! counterpart of the owner is the key that created the extension, so the password is shown
//! to that key and to admin keys (as `POST /extensions/{number}/password` does), never to
//! other keys. Adding a browser phone answers with its credentials, so it needs the same.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::endpoints::{live_of, Status};
use super::extract::ApiKey;
use super::{ApiError, ErrorBody, TAG_EXTENSIONS};
use crate::db::extensions;
use crate::service::browser as browser_service;
use crate::service::extensions::Actor;
use crate::web::extract::NumberPath;
use crate::web::live_view::LiveSource;
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(
        get_browser_phone,
        add_browser_phone,
        remove_browser_phone
    ))
}

/// An extension's browser phone.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BrowserPhoneOut {
    /// The extension it belongs to.
    #[schema(example = "4711")]
    pub number: String,
    /// Its SIP username (endpoint id), never the number.
    #[schema(example = "wk3d8m2q7xa")]
    pub sip_username: String,
    /// Its digest password: shown to admin keys and to the key that created the extension.
    pub sip_password: Option<String>,
    /// online (a browser has registered), offline, or unknown while eventpbx is not
    /// connected to Asterisk.
    pub status: Status,
}

/// The extension's creator key, or 404 when there is no such extension.
async fn creator(state: &AppState, number: &str) -> Result<Option<i64>, ApiError> {
    let n = number.to_string();
    state
        .db
        .read(move |c| extensions::creator_key(c, &n))
        .await
        .map_err(ApiError::or_extension_not_found)
}

/// An extension's browser phone and whether a browser is registered as it.
#[utoipa::path(
    get, path = "/extensions/{number}/browser-phone", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 200, description = "The browser phone", body = BrowserPhoneOut),
        (status = 404, description = "No such extension, or it has no browser phone", body = ErrorBody),
    )
)]
async fn get_browser_phone(
    State(state): State<AppState>,
    key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<Json<BrowserPhoneOut>, ApiError> {
    let number = number.to_string();
    let show_password = key.may_read_sip_password(creator(&state, &number).await?);
    let phone = browser_service::get(&state.db, &number, Actor::Staff)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Extension {number} has no browser phone")))?;
    let status = live_of(&live.endpoints(), &phone.credentials.username).status;
    Ok(Json(BrowserPhoneOut {
        number: phone.number,
        sip_username: phone.credentials.username,
        sip_password: Some(phone.credentials.password).filter(|_| show_password),
        status,
    }))
}

/// Give an extension a browser phone: a WebRTC device with its own random SIP identity that
/// rings beside the extension's phone. Groups have none; an extension has at most one. The
/// answer carries the password, so only admin keys and the key that created the extension
/// may do this.
#[utoipa::path(
    put, path = "/extensions/{number}/browser-phone", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 201, description = "Added", body = BrowserPhoneOut),
        (status = 403, description = "Neither an admin key nor the key that created the extension", body = ErrorBody),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "It has a browser phone already, or it is a group", body = ErrorBody),
    )
)]
async fn add_browser_phone(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<(StatusCode, Json<BrowserPhoneOut>), ApiError> {
    let number = number.to_string();
    // The creator never changes once recorded, so asking before the write is as good as inside.
    if !key.may_read_sip_password(creator(&state, &number).await?) {
        key.require_admin("A browser phone of an extension this key did not create")?;
    }
    let creds = browser_service::add(&state.db, &state.settings, &number, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, number = %number, "browser phone added");
    Ok((
        StatusCode::CREATED,
        Json(BrowserPhoneOut {
            number,
            sip_username: creds.username,
            sip_password: Some(creds.password),
            // Nothing can have registered with credentials that did not exist a moment ago.
            status: Status::Offline,
        }),
    ))
}

/// Remove an extension's browser phone, its registration included.
#[utoipa::path(
    delete, path = "/extensions/{number}/browser-phone", tag = TAG_EXTENSIONS,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The extension number")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Extension not found", body = ErrorBody),
        (status = 409, description = "It has no browser phone", body = ErrorBody),
    )
)]
async fn remove_browser_phone(
    State(state): State<AppState>,
    key: ApiKey,
    NumberPath(number, _): NumberPath<ApiError>,
) -> Result<StatusCode, ApiError> {
    let number = number.to_string();
    browser_service::remove(&state.db, &number, Actor::Staff).await?;
    tracing::info!(api_key = %key.name, number = %number, "browser phone removed");
    Ok(StatusCode::NO_CONTENT)
}
