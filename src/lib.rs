//! eventpbx: self-service telephony for events, beside a real Asterisk 22.
//!
//! ```text
//!  SIP/DECT handsets ──SIP/RTP──▶ Asterisk 22 ──realtime──▶ SQLite (WAL) ◀──writes── eventpbx
//!                                   │  ▲                                               │
//!                      Stasis() ────┘  └── ARI REST / events websocket ────────────────┘
//!  browsers ───────── HTTP (pages, live view, JSON API) ──────────────────────────────────┘
//! ```
//!
//! - [`config`]: one typed `Settings` (TOML file + `EVENTPBX_*` environment).
//! - [`db`]: the SQLite store Asterisk reads as PJSIP realtime; all SQL lives there.
//! - [`domain`]: validated values (numbers, secrets) checked once at the edge.
//! - [`phonebook`]: the vendor-neutral phonebook and its renderers (JSON, CSV, vCard, phone XML).
//! - [`web`]: the HTTP server.
//! - [`app`]: wiring: database, web server and shutdown under one cancellation token.

pub mod app;
pub mod ari;
pub mod asterisk_conf;
pub mod calls;
pub mod config;
pub mod db;
pub mod domain;
pub mod phonebook;
pub mod web;
