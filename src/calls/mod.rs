//! Calls: the flows eventpbx runs for calls that reach its Stasis application.

pub mod selfreg;
