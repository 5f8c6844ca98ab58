//! The web layer's error: every failure becomes a friendly page with the right status, and
//! internal causes are logged once, here, and never shown.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::db::DbError;
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
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::LoginRequired => StatusCode::SEE_OTHER,
            PageError::Forbidden | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PageError::NotAvailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Db(DbError::NotFound) => StatusCode::NOT_FOUND,
            PageError::Db(DbError::Busy) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Db(DbError::Refused(_) | DbError::Conflict(_)) => StatusCode::CONFLICT,
            PageError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message): (&str, String) = match &self {
            PageError::LoginRequired => return Redirect::to("/login").into_response(),
            PageError::NotFound | PageError::Db(DbError::NotFound) => (
                "Not found",
                "There is nothing here. The link may be old, or the thing was deleted.".into(),
            ),
            PageError::Forbidden => (
                "Not allowed",
                "Your account may not open this page. Ask an operator if you think it should."
                    .into(),
            ),
            PageError::Csrf => (
                "Form expired",
                "This form was too old or did not come from this site, so nothing was changed. \
                 Go back, reload the page and try again."
                    .into(),
            ),
            PageError::BadRequest(m) => ("That did not work", m.clone()),
            PageError::NotAvailable(what) => (
                "Not available yet",
                format!("{what} is not available yet. Please ask the help desk."),
            ),
            PageError::Db(DbError::Busy) => (
                "Busy",
                "The system is busy right now and nothing was changed. Try again in a moment."
                    .into(),
            ),
            PageError::Db(DbError::Refused(m)) => ("That did not work", m.clone()),
            PageError::Db(DbError::Conflict(_)) => (
                "Changed meanwhile",
                "Someone changed this at the same time, so nothing was changed. Reload the page \
                 and try again."
                    .into(),
            ),
            PageError::Db(cause) => {
                // The one place the cause is logged; the page says nothing about it.
                tracing::error!(error = %cause, "request failed");
                return errors::internal().into_response();
            }
        };
        let mut response = (status, errors::page(status, title, &message)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}
