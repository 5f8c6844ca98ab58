//! eventpbx: self-service telephony for events, beside a real Asterisk 22.
//!
//! ```text
//!  SIP/DECT handsets ──SIP/RTP──▶ Asterisk 22 ──realtime──▶ SQLite (WAL) ◀──writes── eventpbx
//!                                   │  ▲                                               │
//!                      Stasis() ────┘  └── ARI REST / events websocket ────────────────┘
//!  browsers ───────── HTTP (pages, live view, JSON API) ──────────────────────────────────┘
//! ```
//!
//! Modules, in the order they may depend on each other (see `ARCHITECTURE.md`):
//! - [`domain`]: validated values (numbers, tokens, secrets) and rules, checked once at the edge.
//! - [`config`]: one typed `Settings` (TOML file + `EVENTPBX_*` environment).
//! - [`db`]: the SQLite store Asterisk reads as PJSIP realtime; all SQL lives there.
//! - [`asterisk_conf`]: renders Asterisk's configuration and the dialplan from the settings.
//! - [`ari`]: our ARI client: REST calls, typed events, the reconnecting events websocket.
//! - [`omm`]: our client of the Mitel OMM's AXI (DECT), beside the ARI client.
//! - [`calls`]: the call engine (one task per call), the live registry and the flows.
//! - [`service`]: the use cases the CLI, the pages and the API share (claim, mint, unbind, users).
//! - [`phonebook`]: the vendor-neutral phonebook and its renderers (JSON, CSV, vCard, phone XML).
//! - [`web`]: the HTTP server: pages, the operator live view, the JSON API.
//! - [`ldap`]: the phonebook as a read-only LDAP directory, beside the web server.
//! - [`app`]: wiring: database, call engine, web server and shutdown under one cancellation token.

pub mod app;
pub mod ari;
pub mod asterisk_conf;
pub mod calls;
pub mod config;
pub mod db;
pub mod domain;
pub mod ldap;
pub mod omm;
pub mod phonebook;
pub mod service;
pub mod web;
