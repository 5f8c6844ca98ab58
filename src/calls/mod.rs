//! Calls: the engine that routes ARI events to one task per call, the live registry for
//! operators, SIP registration state (presence), and the flows eventpbx runs for calls that
//! reach its Stasis application.

pub mod bind;
pub mod call;
pub mod channel_watch;
pub mod conference;
pub mod echo;
pub mod engine;
mod engine_config;
pub mod features;
pub mod flows;
pub mod info;
pub mod live;
pub mod presence;
mod resync;
pub mod ring_test;
