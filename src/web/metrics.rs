//! `GET /metrics` in Prometheus' text format, and the per-request access log and counters.
//!
//! Counters and timings are recorded where things happen (through the `metrics` facade;
//! names in `domain::metrics`); what is a state rather than an event (channels, registered
//! devices, the outbox, the ARI connection) is read when a scraper asks. The recorder is
//! process-wide, installed once; several apps in one process (the tests) share it.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::domain::metrics::{
    ARI_CONNECTED, HELP, HTTP_DURATION, HTTP_REQUESTS, LIVE_CHANNELS, OUTBOX_EVENTS,
    REGISTERED_DEVICES,
};
use crate::web::client::ClientAddr;
use crate::web::live_view::SharedLive;
use crate::web::state::AppState;

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use. `None` when another recorder was
/// installed first (then `/metrics` says so instead of serving nothing).
fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let handle = PrometheusBuilder::new().install_recorder().ok()?;
            for (name, help) in HELP {
                metrics::describe_counter!(*name, *help);
            }
            Some(handle)
        })
        .as_ref()
}

/// Installs the recorder, so counting starts with the daemon rather than with the first
/// scrape, and keeps its summaries bounded.
pub async fn keep_recorder(shutdown: tokio_util::sync::CancellationToken) {
    let Some(handle) = recorder() else {
        tracing::warn!("another metrics recorder is installed: /metrics will not answer");
        return;
    };
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => handle.run_upkeep(),
        }
    }
}

/// GET /metrics
pub async fn serve(
    State(state): State<AppState>,
    Extension(live): Extension<SharedLive>,
    headers: HeaderMap,
) -> Response {
    if !state.settings.metrics.enabled {
        return (StatusCode::NOT_FOUND, "metrics are off (metrics.enabled)").into_response();
    }
    let token = match state.settings.metrics_token() {
        Ok(t) if !t.is_empty() => t,
        Ok(_) | Err(_) => {
            tracing::warn!("GET /metrics: metrics.token_file is missing or empty");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "metrics.token_file is missing or empty",
            )
                .into_response();
        }
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(sent.as_bytes().ct_eq(token.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send the metrics token as Authorization: Bearer <token>",
        )
            .into_response();
    }
    let Some(handle) = recorder() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "another metrics recorder is installed",
        )
            .into_response();
    };
    record_states(&state, &live).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// The gauges read at scrape time.
async fn record_states(state: &AppState, live: &SharedLive) {
    let snapshot = live.snapshot();
    metrics::gauge!(ARI_CONNECTED).set(if snapshot.ari_connected { 1.0 } else { 0.0 });
    // Asterisk's own count: asking it costs one REST call a scrape, where following every
    // channel's events for a gauge would cost the engine on every call.
    if let Some(channels) = live.channel_count().await {
        metrics::gauge!(LIVE_CHANNELS).set(channels as f64);
    }
    let online = live.endpoints();
    match state.db.read(crate::db::devices::kinds).await {
        Ok(kinds) => {
            let mut counts: std::collections::BTreeMap<&str, u64> =
                ["sip", "webrtc", "handset", "temporary"]
                    .map(|k| (k, 0))
                    .into();
            for (id, kind) in &kinds {
                if online.endpoints.get(id).is_some_and(|e| e.online) {
                    *counts.entry(kind.as_str()).or_default() += 1;
                }
            }
            for (kind, n) in counts {
                metrics::gauge!(REGISTERED_DEVICES, "kind" => kind.to_string()).set(n as f64);
            }
        }
        Err(e) => tracing::debug!(error = %e, "metrics: reading device kinds failed"),
    }
    match state.db.read(crate::db::outbox::count).await {
        Ok(n) => metrics::gauge!(OUTBOX_EVENTS).set(n as f64),
        Err(e) => tracing::debug!(error = %e, "metrics: counting the outbox failed"),
    }
}

/// Middleware: counts every request by route and status and, with `log.access`, writes one
/// line for it. The route is the matched pattern (`/api/v1/extensions/{number}`), never the
/// path with its numbers or the query string.
pub async fn account(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let client = request.extensions().get::<ClientAddr>().copied();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let took = started.elapsed();
    metrics::counter!(
        HTTP_REQUESTS,
        "route" => route.clone(),
        "method" => method.to_string(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route.clone()).record(took.as_secs_f64());
    if state.settings.log.access {
        tracing::info!(
            target: "eventpbx::access",
            method = %method,
            route = %route,
            status,
            millis = took.as_secs_f64() * 1000.0,
            client = client.map(|c| c.to_string()).unwrap_or_default(),
            "request"
        );
    }
    response
}
