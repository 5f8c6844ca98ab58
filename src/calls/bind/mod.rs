//! Binding a handset by token over the phone: the registration code's call. `machine` is the
//! pure state machine (prompts, digits, timers, outcomes), `task` carries it out against ARI
//! and the database.

pub mod machine;
pub mod task;
