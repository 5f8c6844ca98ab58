//! The HTTP server: server-rendered pages (maud), their live views (SSE), the JSON API
//! (`api/`, under `/api/v1`) and static assets.
//!
//! Each page lives under `pages/` with its routes beside it (`pages/admin/` and
//! `pages/account/` one file per part); `state.rs` is what handlers share, `extract.rs` the
//! extractors pages and API share (`NumberPath`), `sse.rs` the one engine behind every live
//! stream. Handlers validate input into domain values, call one db function in one
//! transaction, and render a page. Every failure of a page is an [`error::PageError`], which
//! renders a friendly page; the API's is `api::ApiError`, which answers JSON.
//!
//! | Route | Who | What |
//! |---|---|---|
//! | `GET /` | anyone | what this is, how to start, the codes |
//! | `GET, POST /signup`, `GET, POST /login` | anyone | account and session (double-submit CSRF cookie) |
//! | `POST /logout` | logged in | ends the session |
//! | `GET /account`, `GET /account/stream` (SSE), `GET, POST /account/password`, `POST /account/claim`, `POST /account/ext/{n}/{edit,password,token,release,delete}`, `POST /account/ext/{n}/browser[/delete]`, `GET /account/ext/{n}/browser.json` | logged in | own extensions, their browser phones (`pages/account/phone.rs`) |
//! | `GET /phonebook?q=&page=` | anyone | public directory, 100 a page |
//! | `GET /phonebook.{json,csv,vcf}`, `GET /phonebook/{file}` (`yealink`, `snom`, `grandstream`, `cisco`, `mitel` `.xml`) | anyone | the book for phones and services, with ETag |
//! | `GET /helpdesk?q=&page=`, `GET /helpdesk/ext/{n}`, `POST /helpdesk/ext/{n}/{token,password,unbind}`, `POST /helpdesk/handsets/{sip_username}/release`, `GET, POST /helpdesk/loaners`, `GET /helpdesk/loaners/sheet` | help desk, operator, admin | anyone's extensions, loaners (audited) |
//! | `GET /operator`, `GET /operator/stream` (SSE), `POST /operator/channels/{id}/hangup` | operator, admin | live view |
//! | `GET /admin`, `POST /admin/...` | admin | users, extensions, numbering, desks, handsets, phonebook entries, API keys |
//! | `GET /admin/audit?page=` | admin | the help desk's audit log, newest first |
//! | `/api/v1/...` | API keys | the JSON API (`api/`) |
//! | `GET /ws` (websocket, subprotocol `sip`) | logged in, own origin | the browser phone's SIP, proxied to Asterisk (`ws_proxy`) |
//! | `GET /static/app.{css,js}`, `GET /static/{phone.js,phone.css,jssip.min.js,jssip.LICENSE.txt}`, `GET /healthz` | anyone | assets, liveness |
//! | `GET /metrics` | a scraper with `metrics.token_file`'s token | Prometheus text format (off unless `metrics.enabled`) |

pub mod api;
pub mod auth;
pub mod charts;
pub mod client;
pub mod components;
pub mod error;
pub mod extract;
pub mod failure;
pub mod i18n;
pub mod live_view;
pub mod metrics;
pub mod pages;
pub mod phonebook_exports;
pub mod sse;
pub mod sse_access;
pub mod state;
pub mod ws_proxy;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{middleware, Extension, Json, Router};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::web::state::AppState;
use live_view::{LiveSource, Offline};

/// All routes of the web server, with no live registry attached (the operator page then says
/// Asterisk is not connected).
pub fn router(state: AppState) -> Router {
    router_with_live(state, Arc::new(Offline))
}

/// All routes, with the operator page fed by `live`.
pub fn router_with_live(state: AppState, live: Arc<dyn LiveSource>) -> Router {
    // Forms used before logging in get their CSRF token from a cookie (double submit); only
    // these routes need it, so other pages stay cookie-free for anonymous visitors.
    let anonymous_forms = Router::new()
        .route(
            "/signup",
            get(pages::signup::show).post(pages::signup::submit),
        )
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::pre_session_token,
        ));
    Router::new()
        .route("/", get(pages::home::show))
        .route("/healthz", get(health))
        .route("/metrics", get(metrics::serve))
        .route("/logout", post(pages::login::logout))
        .route("/language", post(pages::language::submit))
        .route("/language/{code}", get(pages::language::link))
        .route("/ws", get(ws_proxy::upgrade))
        .merge(pages::account::routes())
        .merge(pages::why::routes())
        .route(
            "/account/password",
            get(pages::password::show).post(pages::password::submit),
        )
        .route("/phonebook", get(pages::phonebook::show))
        .merge(phonebook_exports::routes())
        .nest("/api/v1", api::router())
        .merge(pages::helpdesk::routes())
        .merge(pages::operator::routes())
        .merge(pages::admin::routes())
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .merge(anonymous_forms)
        .fallback(pages::errors::not_found)
        .method_not_allowed_fallback(pages::errors::wrong_method)
        .layer(Extension(live))
        // Outside every route, so extractors, handlers and error pages all see the language.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            i18n::per_request,
        ))
        // Inside in_span, which puts the client address where the access log reads it.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::account,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client::in_span,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

const CSS: &str = include_str!("static/app.css");
const JS: &str = include_str!("static/app.js");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

fn omm_health(status: &crate::service::dect::OmmStatus) -> serde_json::Value {
    use crate::service::dect::OmmLink;
    let (link, error) = match &status.link {
        OmmLink::Connecting => ("connecting", None),
        OmmLink::Connected => ("connected", None),
        OmmLink::Down(why) => ("down", Some(why.as_str())),
    };
    json!({
        "link": link,
        "error": error,
        "subscription": status.subscription.map(|m| m.as_str()),
    })
}

/// Health for monitors and load balancers: 200 when the database can be written and ARI is
/// connected, else 503, with the same JSON body either way (so a monitor sees why). The
/// `warnings` list the emergency and help-desk numbers that reach no desk; they do not make
/// the answer 503 (the daemon itself is fine), but a monitor should show them.
async fn health(
    State(state): State<AppState>,
    Extension(live): Extension<Arc<dyn LiveSource>>,
) -> axum::response::Response {
    let writable = state.db.probe_write().await;
    if let Err(e) = &writable {
        tracing::warn!(error = %e, "healthz: the database cannot be written");
    }
    let db_ok = writable.is_ok();
    let settings = state.settings.clone();
    let warnings: Vec<String> = state
        .db
        .read(move |c| crate::db::numbering::desk_warnings(c, &settings))
        .await
        .map(|w| w.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    let snapshot = live.snapshot();
    let ok = db_ok && snapshot.ari_connected;
    let status = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Json(json!({
        "status": if ok { "ok" } else { "degraded" },
        "database": db_ok,
        "ari": snapshot.ari_status,
        // Known only while someone follows them (the operator page, the API): null
        // otherwise, rather than a 0 that looks like an idle Asterisk.
        "channels": snapshot.channels_followed.then_some(snapshot.channels.len()),
        "registered_devices": snapshot.registered_devices,
        "warnings": warnings,
        // Only when the DECT sync runs. A lost OMM stops new handsets, not calls, so it is
        // reported without making the answer 503.
        "omm": state.dect.as_ref().map(|d| omm_health(&d.status.borrow())),
    }));
    (status, body).into_response()
}
