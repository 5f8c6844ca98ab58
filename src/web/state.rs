//! What every handler of the web layer shares. `app` builds it (opening the database is
//! wiring) and hands it to [`crate::web::router`]; nothing under `web` reaches back into
//! `app`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::Db;
use crate::web::api::key_cache::KeyCache;
use crate::web::phonebook_exports::PhonebookExports;

/// Shared state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    /// The settings the daemon started with.
    pub settings: Arc<Settings>,
    /// The shared database.
    pub db: Db,
    /// The phonebook files phones fetch, rendered once per change.
    pub phonebook: Arc<PhonebookExports>,
    /// API keys verified in the last second (see `web::api::key_cache`).
    pub api_keys: Arc<KeyCache>,
    /// Cancelled when the daemon stops: responses that never end by themselves (the events
    /// stream, the live views) end on it, so graceful shutdown does not wait for their
    /// clients.
    pub stopping: CancellationToken,
    /// The DECT sync's status and commands, when `[omm] enabled` (set by `app::run`).
    pub dect: Option<crate::service::dect::DectControl>,
    /// The operator page's charts, rendered once a minute.
    pub charts: Arc<crate::web::charts::ChartsCache>,
    /// Room left for proxied browser-phone websockets (`webrtc.max_sockets`).
    pub ws_sockets: crate::web::ws_proxy::SocketCap,
}

impl AppState {
    /// The state for an opened database, with empty caches.
    pub fn new(settings: Settings, db: Db) -> AppState {
        AppState {
            ws_sockets: crate::web::ws_proxy::SocketCap::new(settings.webrtc.max_sockets),
            settings: Arc::new(settings),
            db,
            phonebook: Arc::default(),
            api_keys: Arc::default(),
            stopping: CancellationToken::new(),
            dect: None,
            charts: Arc::default(),
        }
    }
}
