//! `/endpoints`: the PJSIP endpoints as Asterisk sees them. Which endpoints exist and their
//! configuration come from the realtime rows (the database Asterisk reads); whether they are
//! online, their device state, channels and qualify round-trip times come from the live
//! registry, which follows ARI's endpoint and contact events.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiKey, ApiPath, ApiQuery, PageParams};
use super::{ApiError, ErrorBody, TAG_ENDPOINTS};
use crate::db::endpoints_view::{self, EndpointConfig, Lookup};
use crate::db::extensions;
use crate::web::live_view::{EndpointsLive, LiveSource};
use crate::web::state::AppState;

/// This resource's routes and their documentation.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_endpoints))
        .routes(routes!(get_endpoint))
        .routes(routes!(get_endpoint_config))
}

/// Whether Asterisk can reach the endpoint's phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Registered and (where qualified) answering.
    Online,
    /// Not registered, or not answering qualify.
    Offline,
    /// eventpbx has no connection to Asterisk right now.
    Unknown,
}

/// Asterisk's device state of the endpoint, from its channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    /// Online and idle.
    NotInuse,
    /// On a call.
    Inuse,
    /// Ringing.
    Ringing,
    /// On a call and ringing with another.
    Ringinuse,
    /// Busy.
    Busy,
    /// Offline.
    Unavailable,
    /// eventpbx has no connection to Asterisk right now.
    Unknown,
}

impl DeviceState {
    fn parse(text: &str) -> DeviceState {
        match text {
            "not_inuse" => DeviceState::NotInuse,
            "inuse" => DeviceState::Inuse,
            "ringing" => DeviceState::Ringing,
            "ringinuse" => DeviceState::Ringinuse,
            "busy" => DeviceState::Busy,
            "unavailable" => DeviceState::Unavailable,
            _ => DeviceState::Unknown,
        }
    }
}

/// The live part of an endpoint.
pub(crate) struct Live {
    pub(crate) status: Status,
    pub(crate) device_state: DeviceState,
    pub(crate) channel_count: u32,
}

/// The live state of endpoint `id` (offline when Asterisk has not loaded it).
pub(crate) fn live_of(live: &EndpointsLive, id: &str) -> Live {
    if !live.ari_connected {
        return Live {
            status: Status::Unknown,
            device_state: DeviceState::Unknown,
            channel_count: 0,
        };
    }
    match live.endpoints.get(id) {
        Some(e) => Live {
            status: if e.online {
                Status::Online
            } else {
                Status::Offline
            },
            device_state: DeviceState::parse(&e.device_state),
            channel_count: u32::try_from(e.channel_count).unwrap_or(u32::MAX),
        },
        // Asterisk loads a realtime endpoint only once it registers or calls.
        None => Live {
            status: Status::Offline,
            device_state: DeviceState::Unavailable,
            channel_count: 0,
        },
    }
}

/// One endpoint in the list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointOut {
    /// Endpoint id: the device's SIP username.
    #[schema(example = "s3kd8m2q7xa")]
    pub id: String,
    /// The numbers that ring it (an extension, or a temporary handset's number).
    pub numbers: Vec<String>,
    /// online, offline, or unknown while eventpbx is not connected to Asterisk.
    pub status: Status,
    /// Asterisk's device state.
    pub device_state: DeviceState,
    /// How many channels it has now.
    pub channel_count: u32,
}

/// A page of endpoints, ordered by id.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointPage {
    /// This page.
    pub items: Vec<EndpointOut>,
    /// How many endpoints there are in all.
    pub total: u32,
    /// The page size used.
    pub limit: u32,
    /// How many were skipped.
    pub offset: u32,
    /// Whether eventpbx is connected to Asterisk; without it every status is unknown.
    pub ari_connected: bool,
}

/// List every PJSIP endpoint with its status, device state and channel count.
#[utoipa::path(
    get, path = "/endpoints", tag = TAG_ENDPOINTS,
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of endpoints", body = EndpointPage))
)]
async fn list_endpoints(
    State(state): State<AppState>,
    _key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<EndpointPage>, ApiError> {
    let (limit, offset) = page.resolve()?;
    let (rows, total) = state
        .db
        .read(move |c| endpoints_view::list(c, limit, offset))
        .await?;
    // Their device states and channel counts come from the channels.
    let _channels = live.watch_channels().await;
    let live = live.endpoints();
    let items = rows
        .into_iter()
        .map(|r| {
            let l = live_of(&live, &r.id);
            EndpointOut {
                id: r.id,
                numbers: r.numbers,
                status: l.status,
                device_state: l.device_state,
                channel_count: l.channel_count,
            }
        })
        .collect();
    Ok(Json(EndpointPage {
        items,
        total,
        limit,
        offset,
        ari_connected: live.ari_connected,
    }))
}

/// A number that rings the endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NumberOut {
    /// The number.
    pub number: String,
    /// `extension`, or `temporary` for a handset not yet bound.
    pub kind: String,
}

/// An address of record of the endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AorOut {
    /// AOR id.
    pub id: String,
    /// How many registrations it keeps.
    pub max_contacts: i64,
    /// Seconds between qualify OPTIONS; 0 means qualify is off.
    pub qualify_frequency: i64,
}

/// A registration of the endpoint's phone.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactOut {
    /// The AOR it registered to.
    pub aor: String,
    /// Where the phone is reached.
    #[schema(example = "sip:s3kd8m2q7xa@192.0.2.10:5060")]
    pub uri: String,
    /// The phone's User-Agent.
    pub user_agent: String,
    /// When the registration expires (Unix seconds).
    pub expires_at: i64,
    /// Reachable, Unreachable, NonQualified, ... as qualify last reported. Asterisk reports a
    /// contact's status (with its round trip) only when the status changes, so this is null
    /// for a contact whose status has not changed since eventpbx connected to Asterisk.
    pub status: Option<String>,
    /// Round trip of the qualify that last changed the status, in microseconds; null where
    /// qualify is off or, as for `status`, nothing was reported since eventpbx connected.
    pub rtt_usec: Option<u64>,
}

/// One endpoint with its numbers, AORs and registrations.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointDetailOut {
    /// Endpoint id: the device's SIP username.
    pub id: String,
    /// `sip` or `handset`; null for an endpoint eventpbx did not create.
    pub device_kind: Option<String>,
    /// Caller id its calls carry.
    pub callerid: String,
    /// Dialplan context its calls start in.
    pub context: String,
    /// The numbers that ring it.
    pub numbers: Vec<NumberOut>,
    /// online, offline, or unknown while eventpbx is not connected to Asterisk.
    pub status: Status,
    /// Asterisk's device state.
    pub device_state: DeviceState,
    /// How many channels it has now.
    pub channel_count: u32,
    /// Its AORs.
    pub aors: Vec<AorOut>,
    /// Its registrations.
    pub contacts: Vec<ContactOut>,
}

/// The endpoint an id or number names; 404 when none.
async fn endpoint_id(state: &AppState, key: String) -> Result<String, ApiError> {
    let shown = key.clone();
    match state
        .db
        .read(move |c| endpoints_view::resolve(c, &key))
        .await?
    {
        Lookup::Endpoint(id) => Ok(id),
        Lookup::Unbound => Err(ApiError::NotFound(format!(
            "Extension {shown} has no handset bound, so no endpoint"
        ))),
        Lookup::NotFound => Err(ApiError::extension_not_found()),
    }
}

/// One endpoint by id (SIP username) or by a number that rings it.
#[utoipa::path(
    get, path = "/endpoints/{id}", tag = TAG_ENDPOINTS,
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Endpoint id, extension number or temporary number")),
    responses(
        (status = 200, description = "The endpoint", body = EndpointDetailOut),
        (status = 404, description = "Extension not found, or a handset extension with nothing bound", body = ErrorBody),
    )
)]
async fn get_endpoint(
    State(state): State<AppState>,
    _key: ApiKey,
    Extension(live): Extension<Arc<dyn LiveSource>>,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<EndpointDetailOut>, ApiError> {
    let id = endpoint_id(&state, key).await?;
    let d = state
        .db
        .read(move |c| endpoints_view::detail(c, &id))
        .await?
        // Deleted between the two reads.
        .ok_or_else(ApiError::extension_not_found)?;
    // Their device states and channel counts come from the channels.
    let _channels = live.watch_channels().await;
    let live = live.endpoints();
    let l = live_of(&live, &d.id);
    let contacts_live = live.endpoints.get(&d.id).map(|e| &e.contacts);
    let contacts = d
        .contacts
        .into_iter()
        .map(|c| {
            let known = contacts_live.and_then(|m| m.get(&c.uri));
            ContactOut {
                status: known.map(|k| k.status.clone()),
                // Qualify off: whatever was measured before is stale.
                rtt_usec: known
                    .and_then(|k| k.rtt_usec)
                    .filter(|_| c.qualify_frequency > 0),
                aor: c.aor,
                uri: c.uri,
                user_agent: c.user_agent,
                expires_at: c.expiration_time,
            }
        })
        .collect();
    Ok(Json(EndpointDetailOut {
        id: d.id,
        device_kind: d.device_kind,
        callerid: d.callerid,
        context: d.context,
        numbers: d
            .numbers
            .into_iter()
            .map(|n| NumberOut {
                number: n.number,
                kind: n.kind,
            })
            .collect(),
        status: l.status,
        device_state: l.device_state,
        channel_count: l.channel_count,
        aors: d
            .aors
            .into_iter()
            .map(|a| AorOut {
                id: a.id,
                max_contacts: a.max_contacts,
                qualify_frequency: a.qualify_frequency,
            })
            .collect(),
        contacts,
    }))
}

/// The realtime rows Asterisk reads for one endpoint, every value as a string.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointConfigOut {
    /// Endpoint id.
    pub id: String,
    /// The ps_endpoints row.
    pub endpoint: BTreeMap<String, String>,
    /// The ps_auths rows it uses. `password` is there only when `secrets_included`.
    pub auths: Vec<BTreeMap<String, String>>,
    /// The ps_aors rows it uses.
    pub aors: Vec<BTreeMap<String, String>>,
    /// Whether secrets (the auth password) are included: for admin keys, and for the
    /// read-write key that created the SIP extension this endpoint serves.
    pub secrets_included: bool,
}

/// One endpoint's realtime configuration (ps_endpoints, ps_auths, ps_aors rows). The digest
/// password is shown to admin keys, and to the read-write key that created the SIP extension
/// this endpoint serves; everyone else gets the rows without it.
#[utoipa::path(
    get, path = "/endpoints/{id}/config", tag = TAG_ENDPOINTS,
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Endpoint id, extension number or temporary number")),
    responses(
        (status = 200, description = "The rows as strings", body = EndpointConfigOut),
        (status = 404, description = "Extension not found, or a handset extension with nothing bound", body = ErrorBody),
    )
)]
async fn get_endpoint_config(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EndpointConfigOut>, ApiError> {
    let id = endpoint_id(&state, id).await?;
    let read_id = id.clone();
    let (config, with_secrets) = state
        .db
        .read(move |c| {
            // Asked in the same read as the rows, so the answer is about these rows.
            let creator = extensions::creator_key_of_device(c, &read_id)?;
            let with_secrets = key.may_read_sip_password(creator);
            Ok((
                endpoints_view::config(c, &read_id, with_secrets)?,
                with_secrets,
            ))
        })
        .await?;
    let EndpointConfig {
        endpoint,
        auths,
        aors,
    } = config.ok_or_else(ApiError::extension_not_found)?;
    Ok(Json(EndpointConfigOut {
        id,
        endpoint,
        auths,
        aors,
        secrets_included: with_secrets,
    }))
}
