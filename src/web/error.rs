//! The web layer's error: every failure becomes a friendly page with the right status, and
//! internal causes are logged once, here, and never shown.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::db::DbError;
use crate::tr;
use crate::web::failure::{Describe, Failure};
use crate::web::i18n;
use crate::web::pages::errors;

/// Why a page request failed (the JSON API has its own `api::ApiError`).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No such page or thing.
    #[error("not found")]
    NotFound,
    /// Not logged in where a login is needed: send the browser to the login page.
    #[error("login required")]
    LoginRequired,
    /// Logged in, but the role does not allow it.
    #[error("forbidden")]
    Forbidden,
    /// A form came without its CSRF token or with a wrong one.
    #[error("csrf token missing or wrong")]
    Csrf,
    /// Bad input; the message is for the person and is shown as is.
    #[error("{0}")]
    BadRequest(String),
    /// A feature whose backend is not wired in yet.
    #[error("not available: {0}")]
    NotAvailable(&'static str),
    /// Storage trouble.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A use case refused or failed; the table in `web::failure` says how to answer.
    #[error("{}", .0.message)]
    Failed(Failure),
}

// Use-case errors answer from the one table in `web::failure`, in the request's language (the
// conversion happens while the handler answers, inside `i18n::per_request`).
crate::web::failure::answer_from_table!(PageError, crate::web::i18n::current());

impl PageError {
    /// A refusal to show above the form it came from (bad input, or a use case's refusal
    /// with its status from the table); anything else (storage trouble, a 500) stays an
    /// error for the error page.
    pub fn into_refusal(self) -> Result<(StatusCode, String), PageError> {
        match self {
            PageError::BadRequest(m) => Ok((StatusCode::UNPROCESSABLE_ENTITY, m)),
            PageError::Failed(f) if f.status != StatusCode::INTERNAL_SERVER_ERROR => {
                Ok((f.status, f.message.into_owned()))
            }
            other => Err(other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let t = i18n::current();
        let failure = match self {
            PageError::LoginRequired => return Redirect::to("/login").into_response(),
            PageError::NotFound => Failure::shown(
                StatusCode::NOT_FOUND,
                tr!(t, "error-not-found-title"),
                tr!(t, "error-not-found"),
            ),
            PageError::Forbidden => Failure::shown(
                StatusCode::FORBIDDEN,
                tr!(t, "error-forbidden-title"),
                tr!(t, "error-forbidden"),
            ),
            PageError::Csrf => Failure::shown(
                StatusCode::FORBIDDEN,
                tr!(t, "error-csrf-title"),
                tr!(t, "error-csrf"),
            ),
            PageError::BadRequest(m) => Failure::shown(
                StatusCode::UNPROCESSABLE_ENTITY,
                tr!(t, "error-refused-title"),
                m,
            ),
            PageError::NotAvailable(what) => Failure::shown(
                StatusCode::SERVICE_UNAVAILABLE,
                tr!(t, "error-unavailable-title"),
                tr!(t, "error-unavailable", what = what),
            ),
            PageError::Db(e) => e.failure(t),
            PageError::Failed(f) => f,
        };
        if failure.status == StatusCode::INTERNAL_SERVER_ERROR {
            // The cause was logged by the table; the page says nothing about it.
            return errors::internal().into_response();
        }
        let status = failure.status;
        let mut response = (
            status,
            errors::page(status, &failure.title, &failure.message),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}
