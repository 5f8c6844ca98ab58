//! End-to-end tests against the real sandbox Asterisk and sipp. They share one Asterisk, one
//! Stasis app and one database, so scripts/test runs them one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod api_live;
mod backup;
mod baresip;
mod check;
mod conference;
mod conference_web;
mod dect;
mod dialplan_fuzz;
mod dtmf;
mod echo;
// The fake OMM the integration tests use; not every helper is needed here.
#[allow(dead_code)]
#[path = "../omm/fake_omm.rs"]
mod fake_omm;
mod features;
mod foundation;
mod history;
mod live_view;
mod phones;
mod plan;
mod register;
mod restart;
mod routing;
mod rtp_events;
mod sip_raw;
mod softphone;
mod support;
mod unavailable;
#[path = "../browser/webdriver.rs"]
mod webdriver;
mod webrtc;
mod webrtc_busy;
mod webrtc_tls;
mod why;
