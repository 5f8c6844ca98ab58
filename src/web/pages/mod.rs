//! One file per page. Each exposes its handlers; `web::router` wires them.

pub mod account;
pub mod admin;
pub mod dect;
pub mod errors;
pub mod fields;
pub mod helpdesk;
pub mod home;
pub mod language;
pub mod login;
pub mod operator;
pub mod password;
pub mod phonebook;
pub mod signup;
pub mod why;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A form with nothing but its CSRF token (buttons like "log out").
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `?q=...&page=...` of list pages.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Search text.
    #[serde(default)]
    pub q: String,
    /// 1-based page.
    pub page: Option<u32>,
}

impl ListQuery {
    /// The page, at least 1.
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }
}

/// 303 See Other to `path`, the answer to a successful form post.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// Marks a response as not to be cached: it shows secrets (SIP passwords, tokens).
pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
