//! `/calls/originate`: click-to-call. Asterisk rings the `from` phone; once it answers, its
//! channel runs the dialplan at `to` in the `from` device's own context, so the call is
//! routed (and restricted) exactly as if the phone had dialled `to` itself.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiKey};
use super::{ApiError, ErrorBody, TAG_CALLS};
use crate::config::Settings;
use crate::db::endpoints_view::{self, NumberTarget};
use crate::domain::CONTEXT_TEMPORARY;
use crate::web::live_view::{LiveError, LiveSource, OriginateCall};
use crate::web::state::AppState;

/// How long the `from` phone rings before Asterisk gives up.
const RING_SECONDS: u32 = 30;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(originate))
}

/// `POST /calls/originate` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginateIn {
    /// The number whose phone rings first.
    #[schema(example = "4711", pattern = r"^[0-9]{1,15}$")]
    pub from: String,
    /// The number it calls once answered: an extension, a temporary number, a service code,
    /// an emergency or help-desk number.
    #[schema(example = "4712", pattern = r"^[0-9]{1,15}$")]
    pub to: String,
}

/// A started call.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OriginatedOut {
    /// The new channel to the `from` phone (see `GET /channels`, `DELETE /channels/{id}`).
    pub channel_id: String,
    /// The endpoint that rings.
    pub from_endpoint: String,
}

fn digits(field: &str, number: &str) -> Result<(), ApiError> {
    if number.is_empty() || number.len() > 15 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::Unprocessable(format!(
            "{field} must be a number of 1 to 15 digits, not {number:?}"
        )));
    }
    Ok(())
}

/// Numbers the dialplan answers itself, without the numbers table.
fn fixed_number(settings: &Settings, number: &str) -> bool {
    let c = &settings.codes;
    [&c.info, &c.echo, &c.register].iter().any(|x| *x == number)
        || settings.numbering.emergency.iter().any(|x| x == number)
        || settings.numbering.helpdesk.iter().any(|x| x == number)
}

/// Ring `from`; once it answers, call `to`.
#[utoipa::path(
    post, path = "/calls/originate", tag = TAG_CALLS,
    security(("bearer" = [])),
    request_body = OriginateIn,
    responses(
        (status = 202, description = "The `from` phone is ringing", body = OriginatedOut),
        (status = 404, description = "`from` or `to` is not a number in use", body = ErrorBody),
        (status = 409, description = "A handset extension with nothing bound, a phone that is not registered, or a temporary handset calling what it may not", body = ErrorBody),
        (status = 422, description = "Not digits, or `from` equals `to`", body = ErrorBody),
        (status = 502, description = "Asterisk refused the call", body = ErrorBody),
        (status = 503, description = "Asterisk is not connected", body = ErrorBody),
    )
)]
async fn originate(
    State(state): State<AppState>,
    key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiJson(body): ApiJson<OriginateIn>,
) -> Result<(StatusCode, Json<OriginatedOut>), ApiError> {
    let (from, to) = (body.from.trim().to_string(), body.to.trim().to_string());
    digits("from", &from)?;
    digits("to", &to)?;
    if from == to {
        return Err(ApiError::Unprocessable(
            "from and to are the same number".into(),
        ));
    }
    let (f, t) = (from.clone(), to.clone());
    let (from_target, to_target) = state
        .db
        .read(move |c| {
            Ok((
                endpoints_view::number_target(c, &f)?,
                endpoints_view::number_target(c, &t)?,
            ))
        })
        .await?;
    let (endpoint, context, callerid) = match from_target {
        NumberTarget::Endpoint {
            id,
            context,
            callerid,
        } => (id, context, callerid),
        NumberTarget::Unbound => {
            return Err(ApiError::Conflict(format!(
                "Extension {from} has no handset bound, so there is no phone to ring"
            )))
        }
        NumberTarget::Unknown => {
            return Err(ApiError::NotFound(format!("Extension not found: {from}")))
        }
    };
    let fixed = fixed_number(&state.settings, &to);
    match to_target {
        NumberTarget::Endpoint { .. } => {}
        _ if fixed => {}
        NumberTarget::Unbound => {
            return Err(ApiError::Conflict(format!(
                "Extension {to} has no handset bound, so nothing would ring"
            )))
        }
        NumberTarget::Unknown => {
            return Err(ApiError::NotFound(format!("Extension not found: {to}")))
        }
    }
    // The dialplan would only play "restricted" to the answered phone.
    if context == CONTEXT_TEMPORARY && !fixed {
        return Err(ApiError::Conflict(format!(
            "{from} is a temporary handset: it may only call service codes, emergency and \
             help-desk numbers"
        )));
    }
    let endpoints = live.endpoints();
    if !endpoints.ari_connected {
        return Err(LiveError::NotConnected.into());
    }
    if !endpoints.endpoints.get(&endpoint).is_some_and(|e| e.online) {
        return Err(ApiError::Conflict(format!(
            "The phone of {from} is not registered (offline), so it cannot ring"
        )));
    }
    let channel_id = live
        .originate(OriginateCall {
            endpoint: endpoint.clone(),
            extension: to.clone(),
            context,
            // What `to` sees once the answered phone's channel dials it.
            caller_id: callerid,
            timeout_secs: RING_SECONDS,
        })
        .await?;
    let to = crate::domain::mask_tokens(&state.settings.codes.register, &to);
    // Debug formatting escapes control characters: a log line cannot be forged from a request.
    tracing::info!(api_key = %key.name, ?from, ?to, channel = %channel_id, "call originated");
    Ok((
        StatusCode::ACCEPTED,
        Json(OriginatedOut {
            channel_id,
            from_endpoint: endpoint,
        }),
    ))
}
