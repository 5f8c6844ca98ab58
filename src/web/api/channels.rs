//! `/channels`: every channel on the Asterisk now, from the live registry (which follows ARI's
//! channel events, not the database), and hanging one up.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiKey, ApiPath, ApiQuery, PageParams};
use super::{ApiError, ErrorBody, TAG_CHANNELS};
use crate::web::live_view::{ChannelDetail, LiveSource};
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels))
        .routes(routes!(hangup_channel))
}

/// A name and number, as caller id or connected line.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartyOut {
    /// Display name; may be empty.
    pub name: String,
    /// Number; may be empty.
    pub number: String,
}

/// One channel.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChannelOut {
    /// Asterisk's channel id (for `DELETE /channels/{id}`).
    #[schema(example = "1764500000.42")]
    pub id: String,
    /// Channel name, e.g. `PJSIP/s3kd8m2q7xa-00000002`.
    pub name: String,
    /// Asterisk's channel state: Ring, Ringing, Up, ...
    #[schema(example = "Up")]
    pub state: String,
    /// Who calls.
    pub caller: PartyOut,
    /// Who it is connected to, as Asterisk knows it.
    pub connected: PartyOut,
    /// The number the channel dialled, if it entered the dialplan with one.
    pub dialled: Option<String>,
    /// The PJSIP endpoint (device SIP username) of the channel, if it is a PJSIP channel.
    pub endpoint: Option<String>,
    /// Id of the channel it talks to, if any.
    pub bridged_with: Option<String>,
    /// When the channel was created (Unix seconds).
    pub started_at: i64,
}

impl From<ChannelDetail> for ChannelOut {
    fn from(c: ChannelDetail) -> Self {
        ChannelOut {
            id: c.id,
            name: c.name,
            state: c.state,
            caller: PartyOut {
                name: c.caller.0,
                number: c.caller.1,
            },
            connected: PartyOut {
                name: c.connected.0,
                number: c.connected.1,
            },
            dialled: c.dialled,
            endpoint: c.endpoint,
            bridged_with: c.bridged_with,
            started_at: c.started_at,
        }
    }
}

/// A page of channels, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChannelPage {
    /// This page.
    pub items: Vec<ChannelOut>,
    /// How many channels there are in all.
    pub total: u32,
    /// The page size used.
    pub limit: u32,
    /// How many were skipped.
    pub offset: u32,
    /// Whether eventpbx is connected to Asterisk; without it the list is empty because
    /// nothing is known, not because nobody calls.
    pub ari_connected: bool,
}

/// Every channel on the Asterisk now, oldest first.
#[utoipa::path(
    get, path = "/channels", tag = TAG_CHANNELS,
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of channels", body = ChannelPage))
)]
async fn list_channels(
    _key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<ChannelPage>, ApiError> {
    let (limit, offset) = page.resolve()?;
    let _channels = live.watch_channels().await;
    let ari_connected = live.snapshot().ari_connected;
    let all = live.channels();
    let total = u32::try_from(all.len()).unwrap_or(u32::MAX);
    let items = all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(ChannelOut::from)
        .collect();
    Ok(Json(ChannelPage {
        items,
        total,
        limit,
        offset,
        ari_connected,
    }))
}

/// Hang a channel up.
#[utoipa::path(
    delete, path = "/channels/{id}", tag = TAG_CHANNELS,
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Asterisk's channel id")),
    responses(
        (status = 204, description = "Hung up (or it ended meanwhile)"),
        (status = 404, description = "Channel not found", body = ErrorBody),
        (status = 502, description = "Asterisk refused the hang-up", body = ErrorBody),
        (status = 503, description = "Asterisk is not connected", body = ErrorBody),
    )
)]
async fn hangup_channel(
    key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    // Without a connection the registry is empty: say that, not "not found".
    if !live.snapshot().ari_connected {
        return Err(crate::web::live_view::LiveError::NotConnected.into());
    }
    let _channels = live.watch_channels().await;
    if live.channel(&id).is_none() {
        return Err(ApiError::NotFound("Channel not found".into()));
    }
    live.hangup_channel(id.clone()).await?;
    tracing::info!(api_key = %key.name, channel = ?id, "channel hung up");
    Ok(StatusCode::NO_CONTENT)
}
