//! The web layer's error: every failure becomes a friendly page with the right status, and
//! internal causes are logged once, here, and never shown.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::db::DbError;
use crate::web::pages::errors;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
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

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotAvailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(DbError::NotFound) => StatusCode::NOT_FOUND,
            AppError::Db(DbError::Busy) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(DbError::Refused(_) | DbError::Conflict(_)) => StatusCode::CONFLICT,
            AppError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message): (&str, String) = match &self {
            AppError::LoginRequired => return Redirect::to("/login").into_response(),
            AppError::NotFound | AppError::Db(DbError::NotFound) => (
                "Not found",
                "There is nothing here. The link may be old, or the thing was deleted.".into(),
            ),
            AppError::Forbidden => (
                "Not allowed",
                "Your account may not open this page. Ask an operator if you think it should."
                    .into(),
            ),
            AppError::Csrf => (
                "Form expired",
                "This form was too old or did not come from this site, so nothing was changed. \
                 Go back, reload the page and try again."
                    .into(),
            ),
            AppError::BadRequest(m) => ("That did not work", m.clone()),
            AppError::NotAvailable(what) => (
                "Not available yet",
                format!("{what} is not available yet. Please ask the help desk."),
            ),
            AppError::Db(DbError::Busy) => (
                "Busy",
                "The system is busy right now and nothing was changed. Try again in a moment."
                    .into(),
            ),
            AppError::Db(DbError::Refused(m)) => ("That did not work", m.clone()),
            AppError::Db(DbError::Conflict(_)) => (
                "Changed meanwhile",
                "Someone changed this at the same time, so nothing was changed. Reload the page \
                 and try again."
                    .into(),
            ),
            AppError::Db(cause) => {
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
