//! Integration tests: the whole app on port 0 with a temporary database, fakes where a fake is
//! the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_auth;
mod api_calls;
mod api_channels;
mod api_endpoints;
mod api_events;
mod api_extensions;
mod api_handsets;
mod api_openapi;
mod api_routing;
mod api_support;
mod api_users;
mod app_start;
mod ari_client;
mod ari_ws;
mod call_tasks;
mod check;
mod fake_ari;
mod fake_omm;
mod healthz;
mod live_support;
mod omm_client;
mod omm_python;
mod omm_sync;
mod phonebook_exports;
mod web_account_status;
mod web_admin;
mod web_auth;
mod web_claims;
mod web_limits;
mod web_operator;
mod web_pages;
mod web_routing;
mod web_stream_access;
mod web_support;
