//! The API's error: `{"detail": "..."}` with the right status; internal causes are logged
//! once here and never shown.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::db::DbError;

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No key or an unknown/revoked key.
    #[error("A valid API key is required: Authorization: Bearer <key>")]
    Unauthorized,
    /// A read-only key on a write.
    #[error("This API key may only read")]
    Forbidden,
    /// Unknown thing; the message says which.
    #[error("{0}")]
    NotFound(String),
    /// Malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// Not JSON.
    #[error("Send JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    /// Well-formed but invalid values.
    #[error("{0}")]
    Unprocessable(String),
    /// A rule or the current state refuses the change.
    #[error("{0}")]
    Conflict(String),
    /// Storage trouble.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail) = match &self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, self.to_string()),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, self.to_string()),
            ApiError::NotFound(_) | ApiError::Db(DbError::NotFound) => {
                (StatusCode::NOT_FOUND, self.to_string())
            }
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, self.to_string()),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, self.to_string())
            }
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, self.to_string()),
            ApiError::Conflict(_) | ApiError::Db(DbError::Refused(_)) => {
                (StatusCode::CONFLICT, self.to_string())
            }
            ApiError::Db(DbError::Conflict(_)) => (
                StatusCode::CONFLICT,
                "Changed at the same time by someone else; nothing was changed".into(),
            ),
            ApiError::Db(DbError::Busy) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is busy; nothing was changed, try again".into(),
            ),
            ApiError::Db(cause) => {
                tracing::error!(error = %cause, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error; nothing was changed".into(),
                )
            }
        };
        let mut response = (status, Json(json!({ "detail": detail }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
