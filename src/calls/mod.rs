//! Calls: the engine that routes ARI events to one task per call, the live registry for
//! operators, and the flows eventpbx runs for calls that reach its Stasis application.

pub mod call;
pub mod echo;
pub mod engine;
pub mod info;
pub mod live;
pub mod register;
pub mod registration_feed;
pub mod selfreg;
