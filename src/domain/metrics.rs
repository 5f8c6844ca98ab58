//! The names of the metrics `GET /metrics` serves, with their help texts: one table, so the
//! places that count and the exporter that describes them cannot drift apart.

/// HTTP requests by `route` (the matched pattern), `method` and `status`.
pub const HTTP_REQUESTS: &str = "eventpbx_http_requests_total";
/// Time to answer an HTTP request (until the response head), by `route`.
pub const HTTP_DURATION: &str = "eventpbx_http_request_duration_seconds";
/// Open live streams (operator view, account status, API events).
pub const SSE_CLIENTS: &str = "eventpbx_sse_clients";
/// Channels on the Asterisk now.
pub const LIVE_CHANNELS: &str = "eventpbx_live_channels";
/// Devices Asterisk counts online, by `kind` (sip, handset, temporary).
pub const REGISTERED_DEVICES: &str = "eventpbx_registered_devices";
/// Events waiting in the outbox for API consumers (kept 24 h).
pub const OUTBOX_EVENTS: &str = "eventpbx_outbox_events";
/// 1 while the ARI events websocket is connected.
pub const ARI_CONNECTED: &str = "eventpbx_ari_connected";
/// Successful ARI websocket connections after the first.
pub const ARI_RECONNECTS: &str = "eventpbx_ari_reconnects_total";
/// Time of one ARI REST request, by `method`.
pub const ARI_REST_DURATION: &str = "eventpbx_ari_rest_duration_seconds";
/// ARI REST requests that failed, by `method`.
pub const ARI_REST_ERRORS: &str = "eventpbx_ari_rest_errors_total";
/// Time of one write transaction, commit included.
pub const DB_WRITE_DURATION: &str = "eventpbx_db_write_duration_seconds";
/// Writes that gave up because another writer (Asterisk) held the lock past busy_timeout.
pub const DB_BUSY: &str = "eventpbx_db_busy_total";
/// Token bindings by `result` (bound, failed).
pub const BINDINGS: &str = "eventpbx_bindings_total";
/// Wrong tokens dialled.
pub const TOKEN_FAILURES: &str = "eventpbx_token_failures_total";
/// Handsets locked out after too many wrong tokens.
pub const LOCKOUTS: &str = "eventpbx_lockouts_total";

/// What each metric is, for the exporter's `# HELP` lines.
pub const HELP: &[(&str, &str)] = &[
    (HTTP_REQUESTS, "HTTP requests by route, method and status"),
    (HTTP_DURATION, "Seconds to answer an HTTP request, by route"),
    (
        SSE_CLIENTS,
        "Open live streams (operator view, account status, API events)",
    ),
    (LIVE_CHANNELS, "Channels on the Asterisk now"),
    (
        REGISTERED_DEVICES,
        "Devices Asterisk counts online, by kind",
    ),
    (OUTBOX_EVENTS, "Events kept in the outbox for API consumers"),
    (
        ARI_CONNECTED,
        "1 while the ARI events websocket is connected",
    ),
    (ARI_RECONNECTS, "ARI websocket connections after the first"),
    (
        ARI_REST_DURATION,
        "Seconds of one ARI REST request, by method",
    ),
    (ARI_REST_ERRORS, "ARI REST requests that failed, by method"),
    (
        DB_WRITE_DURATION,
        "Seconds of one write transaction, commit included",
    ),
    (
        DB_BUSY,
        "Writes refused because the database stayed locked past busy_timeout",
    ),
    (BINDINGS, "Token bindings by result"),
    (TOKEN_FAILURES, "Wrong registration tokens dialled"),
    (LOCKOUTS, "Handsets locked out after too many wrong tokens"),
];
