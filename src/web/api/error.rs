//! The API's error: `{"detail": "..."}` with the right status. Internal causes are logged
//! once, here, and never shown.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbError;
use crate::domain::lang::Lang;
use crate::web::failure::{Describe, Failure};
use crate::web::i18n::Tr;

/// The body of every error response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, written for people.
    pub detail: String,
}

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No key or an unknown/revoked key.
    #[error("A valid API key is required: Authorization: Bearer <key>")]
    Unauthorized,
    /// A read-only key on a write.
    #[error("This API key may only read; writes need a read-write key")]
    Forbidden,
    /// A key without admin scope on something only admin keys may do; the message says what.
    #[error("{0} needs an admin API key (eventpbx api-key create NAME --scope admin)")]
    AdminOnly(&'static str),
    /// Unknown thing; the message says which.
    #[error("{0}")]
    NotFound(String),
    /// The method is not served on this path.
    #[error("This method is not allowed here")]
    MethodNotAllowed,
    /// Malformed request (unparsable JSON or query string).
    #[error("{0}")]
    BadRequest(String),
    /// A body that is not JSON.
    #[error("Send JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    /// Well-formed but invalid values.
    #[error("{0}")]
    Unprocessable(String),
    /// A rule or the current state refuses the change.
    #[error("{0}")]
    Conflict(String),
    /// Asterisk is not connected, so live state cannot be read or acted on; try again later.
    #[error("{0}")]
    Unavailable(String),
    /// Asterisk refused or failed a request eventpbx made for the client.
    #[error("{0}")]
    Upstream(String),
    /// Storage trouble, or a refusal of the storage layer (whose message is for people).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A use case refused or failed; the table in `web::failure` says how to answer.
    #[error("{}", .0.message)]
    Failed(Failure),
}

// Use-case and domain errors answer from the one table in `web::failure`, always in English:
// scripts read `detail`, so it stays the same whatever language a browser asks for.
crate::web::failure::answer_from_table!(ApiError, english());

/// The API's language: `detail` is English for every client (scripts parse it), whatever
/// `Accept-Language` says; the pages are the ones that speak the reader's language.
fn english() -> Tr {
    Tr::new(Lang::En)
}

impl ApiError {
    /// 404 with the message the API uses for every unknown extension number.
    pub fn extension_not_found() -> ApiError {
        ApiError::NotFound("Extension not found".into())
    }

    /// Maps a storage `NotFound` to "Extension not found"; other errors pass through.
    pub fn or_extension_not_found(e: DbError) -> ApiError {
        match e {
            DbError::NotFound => ApiError::extension_not_found(),
            other => other.into(),
        }
    }
}

impl crate::web::extract::NumberRejection for ApiError {
    fn undecodable(detail: String) -> Self {
        ApiError::BadRequest(detail)
    }

    /// A segment that is not a number names no extension: 404, as for an unknown number.
    fn not_a_number() -> Self {
        ApiError::extension_not_found()
    }
}

impl From<crate::web::live_view::LiveError> for ApiError {
    fn from(e: crate::web::live_view::LiveError) -> Self {
        use crate::web::live_view::LiveError;
        match e {
            LiveError::NotConnected => ApiError::Unavailable(e.to_string()),
            LiveError::Asterisk(_) => {
                tracing::warn!(error = %e, "ARI request for an API client failed");
                ApiError::Upstream(e.to_string())
            }
            LiveError::NotNow(_) => ApiError::Unavailable(e.to_string()),
            LiveError::NoParticipant => ApiError::NotFound(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail) = match &self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, self.to_string()),
            ApiError::Forbidden | ApiError::AdminOnly(_) => {
                (StatusCode::FORBIDDEN, self.to_string())
            }
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, self.to_string()),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, self.to_string()),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, self.to_string()),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, self.to_string())
            }
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, self.to_string()),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, self.to_string()),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, self.to_string()),
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, self.to_string()),
            ApiError::Db(e) => {
                let f = e.failure(english());
                (f.status, f.message.into_owned())
            }
            ApiError::Failed(f) => (f.status, f.message.to_string()),
        };
        let mut response = (status, Json(ErrorBody { detail })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(e: ApiError) -> (StatusCode, String) {
        let r = e.into_response();
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        (status, v["detail"].as_str().unwrap().to_string())
    }

    #[tokio::test]
    async fn storage_words_never_reach_the_client() {
        let (s, d) =
            answer(DbError::Conflict("UNIQUE constraint failed: extensions.token".into()).into())
                .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(!d.contains("UNIQUE") && !d.contains("extensions"), "{d}");
        let (s, d) = answer(DbError::Task("panicked at src/db".into()).into()).await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!d.contains("src/db"), "{d}");
        let (s, d) =
            answer(DbError::Refused(crate::db::Refusal::NoHandsetBound("4711".into())).into())
                .await;
        assert_eq!(
            (s, d.as_str()),
            (StatusCode::CONFLICT, "extension 4711 has no handset bound")
        );
        let (s, _) = answer(DbError::Busy.into()).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn claim_errors_are_bad_input_or_conflicts() {
        use crate::domain::numbering::ClaimError;
        let (s, _) = answer(ClaimError::NotDigits("x".into()).into()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let out = ClaimError::OutOfRange {
            number: "1".into(),
            ranges: "2000–8999".into(),
        };
        assert_eq!(answer(out.into()).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let prefix = ClaimError::Prefix {
            number: "471".into(),
            other: "4711".into(),
        };
        let (s, d) = answer(prefix.into()).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(d.contains("4711"), "{d}");
        assert_eq!(
            answer(ClaimError::Taken("4711".into()).into()).await.0,
            StatusCode::CONFLICT
        );
    }
}
