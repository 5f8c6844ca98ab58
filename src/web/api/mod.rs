//! JSON API v1 for other services (DECT syncer, provisioning, dashboards): Bearer API keys,
//! JSON in and out, numbers as strings, errors as `{"detail": "..."}`. Every write is one
//! database transaction.
//!
//! Each resource is a file whose `routes()` returns an [`OpenApiRouter`]: the `routes!` macro
//! registers a handler with axum and its `#[utoipa::path]` in the OpenAPI document in one
//! step, so `GET /api/v1/openapi.json` cannot drift from what is served. A new resource is a
//! new file plus one `.merge(file::routes())` line in `documented_routes`.
//!
//! Auth is the [`ApiKey`] extractor: no key or a wrong one is 401, a read key on anything but
//! GET is 403; what only admin keys may do is guarded by [`ApiKey::require_admin`] (403).
//! The documented 401/403/400/415/422/500/503 answers are added to every operation by
//! `add_common_responses`, from the same facts the extractors act on.

mod browser_phones;
mod calls;
mod channels;
mod conferences;
mod endpoints;
mod error;
mod events;
mod extensions;
mod extract;
mod handsets;
mod history;
pub mod key_cache;
mod routing;
mod users;

// The pages show the same registration state as the API (the route table of an extension).
pub(crate) use endpoints::{live_of, Status};

use std::sync::LazyLock;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use error::{ApiError, ErrorBody};
pub use extract::{ApiJson, ApiKey, ApiPath, ApiQuery, PageParams};

use crate::web::state::AppState;

/// Where the router is nested; also the OpenAPI document's server URL.
pub const BASE_PATH: &str = "/api/v1";

const TAG_HANDSETS: &str = "handsets";
const TAG_EXTENSIONS: &str = "extensions";
const TAG_USERS: &str = "users";
const TAG_EVENTS: &str = "events";
const TAG_ENDPOINTS: &str = "endpoints";
const TAG_CHANNELS: &str = "channels";
const TAG_CALLS: &str = "calls";
const TAG_ROUTING: &str = "routing";
const TAG_CONFERENCES: &str = "conferences";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "eventpbx API",
        version = "1",
        description = "Self-service event telephony: extensions, temporary handsets and users. \
                       Authenticate with `Authorization: Bearer <API key>`. Scopes: `read` keys may \
                       only GET; `read-write` keys may change extensions and handsets and read the \
                       SIP passwords of extensions they created; `admin` keys may also manage \
                       users and read every SIP password."
    ),
    servers((url = "/api/v1")),
    components(schemas(ErrorBody)),
    tags(
        (name = "handsets", description = "Temporary handsets, addressed by SIP username"),
        (name = "extensions", description = "Numbers people own"),
        (name = "users", description = "People who log in to the web UI"),
        (name = "events", description = "Server-Sent Events of changes, for services that keep a copy"),
        (name = "endpoints", description = "PJSIP endpoints as Asterisk sees them: status, registrations, configuration"),
        (name = "channels", description = "Channels on the Asterisk now, from the live registry"),
        (name = "calls", description = "Starting calls"),
        (name = "routing", description = "How calls to a number are routed: groups, forwarding, do-not-disturb (docs/routing.md)"),
        (name = "conferences", description = "Conference rooms: who is in them now; muting and removing participants"),
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the operations refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("epbx_<64 hex digits>")
                    .build(),
            ),
        );
    }
}

/// Every documented route. Endpoints, channels, originate and the event stream of issue 6 go
/// here as one `.merge(...)` each. Their handlers can take `Extension<Arc<dyn LiveSource>>`:
/// the site router adds that layer after nesting this one, so it reaches these routes too.
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(handsets::routes())
        .merge(extensions::routes())
        .merge(browser_phones::routes())
        .merge(users::routes())
        .merge(events::routes())
        .merge(endpoints::routes())
        .merge(channels::routes())
        .merge(calls::routes())
        .merge(history::routes())
        .merge(routing::routes())
        .merge(conferences::routes())
}

/// The OpenAPI 3 document of everything [`router`] serves.
pub fn openapi() -> OpenApiDoc {
    let mut doc = documented_routes().into_openapi();
    add_common_responses(&mut doc);
    add_openapi_path(&mut doc);
    doc
}

/// The document, serialised once: it is the same for the life of the process.
static OPENAPI_JSON: LazyLock<Result<String, String>> =
    LazyLock::new(|| openapi().to_json().map_err(|e| e.to_string()));

/// The API routes, to be nested under [`BASE_PATH`].
pub fn router() -> Router<AppState> {
    let (routes, _) = documented_routes().split_for_parts();
    routes
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { ApiError::NotFound("No such API route".into()) })
        // Set here, before nesting, so the site's HTML 405 page does not apply to the API.
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

async fn openapi_json() -> Response {
    match &*OPENAPI_JSON {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise the OpenAPI document");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(ErrorBody {
                    detail: "Internal error".into(),
                }),
            )
                .into_response()
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// Documents the answers the shared extractors give, on every operation they apply to:
/// [`ApiKey`] (401, and 403 on writes), [`ApiJson`] (400, 415, 422), [`ApiQuery`] (400; 422
/// for a bad page size), and the database (500, 503).
fn add_common_responses(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        let ops: [(&mut Option<Operation>, bool); 5] = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (op, write) in ops {
            let Some(op) = op.as_mut() else { continue };
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error_response(description));
            };
            if op.security.is_some() {
                add("401", "No API key, or an unknown or revoked one");
                if write {
                    add("403", "A read-only key on a write");
                }
            }
            if op.request_body.is_some() {
                add("400", "The body is not valid JSON");
                add(
                    "415",
                    "The body is not JSON (Content-Type: application/json)",
                );
                add("422", "The JSON has the wrong shape or invalid values");
            }
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| p.parameter_in == ParameterIn::Query);
            if has_query {
                add("400", "A query parameter does not parse");
                add("422", "A query parameter is out of range");
            }
            add("500", "Internal error; nothing was changed");
            add(
                "503",
                "The database is busy; nothing was changed, try again",
            );
        }
    }
}

/// Documents `GET /openapi.json` itself (served without a key).
fn add_openapi_path(doc: &mut OpenApiDoc) {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
    let op = OperationBuilder::new()
        .operation_id(Some("openapi_json"))
        .summary(Some("This OpenAPI document"))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The OpenAPI 3 document")
                .content("application/json", ContentBuilder::new().build())
                .build(),
        )
        .build();
    doc.paths
        .paths
        .insert("/openapi.json".into(), PathItem::new(HttpMethod::Get, op));
}
