//! Extractors every API handler uses: the Bearer key, and JSON/query/path wrappers whose
//! rejections answer `{"detail"}` instead of axum's plain-text bodies.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiError;
use crate::db::api_keys::{self, Scope};
use crate::web::state::AppState;

/// A caller with a live API key. Extracting it on a write (anything but GET, HEAD, OPTIONS)
/// also requires read-write scope, so no handler can forget the check. What only admin keys
/// may do, a handler asks with [`ApiKey::require_admin`] before it touches anything.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// The key's row id: recorded as the creator of the extensions it creates.
    pub id: i64,
    /// The key's name, for logs.
    pub name: String,
    /// What the key may do; reads use it to decide whether secrets are shown.
    pub scope: Scope,
}

impl ApiKey {
    /// Whether this key may write, and so see secrets such as registration tokens.
    pub fn may_write(&self) -> bool {
        self.scope >= Scope::ReadWrite
    }

    /// The one check for what only admin keys may do (users, roles, other keys' SIP
    /// passwords, emergency and help-desk numbers). `action` names it in the 403 message,
    /// e.g. "Creating users".
    pub fn require_admin(&self, action: &'static str) -> Result<(), ApiError> {
        if self.scope == Scope::Admin {
            Ok(())
        } else {
            Err(ApiError::AdminOnly(action))
        }
    }

    /// Whether this key may read the SIP password of an extension whose creator key is
    /// `created_by_key`: admin keys always, read-write keys for what they created.
    pub fn may_read_sip_password(&self, created_by_key: Option<i64>) -> bool {
        self.scope == Scope::Admin || (self.may_write() && created_by_key == Some(self.id))
    }

    /// Who this key claims numbers as. Only an admin key may set up the desk behind an
    /// emergency or help-desk number; other keys claim as attendees do.
    pub fn authority(&self) -> crate::domain::numbering::Authority {
        if self.scope == Scope::Admin {
            crate::domain::numbering::Authority::Admin
        } else {
            crate::domain::numbering::Authority::Attendee
        }
    }
}

/// The key from `Authorization: Bearer <key>`; the scheme name is case-insensitive (RFC 9110).
fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then(|| key.to_string())
}

/// Whether a request changes something and so needs a read-write key.
pub fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        // Sampled before the database is asked, so a write racing this lookup makes the
        // cached answer stale rather than trusted.
        let writes = state.db.committed_writes();
        let known = match state.api_keys.get(&key, writes) {
            Some(known) => known,
            None => {
                let lookup = key.clone();
                let known = state
                    .db
                    .read(move |c| api_keys::verify(c, &lookup))
                    .await?
                    .ok_or(ApiError::Unauthorized)?;
                state.api_keys.put(&key, &known, writes);
                known
            }
        };
        let api_keys::Verified { id, name, scope } = known;
        let key = ApiKey { id, name, scope };
        if is_write(&parts.method) && !key.may_write() {
            return Err(ApiError::Forbidden);
        }
        Ok(key)
    }
}

/// A JSON body: bad JSON is 400, a body that is not JSON 415, JSON of the wrong shape 422.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_type);
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        // serde lets a struct come as a JSON array too ([null, null] would be an empty
        // patch); every body of this API is an object.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                    Ok(_) => ApiError::Unprocessable("Send a JSON object".into()),
                    Err(e) => ApiError::BadRequest(format!("The body is not valid JSON: {e}")),
                },
            );
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(ApiJson(v)),
            // Valid JSON of the wrong shape: a field missing, mistyped or unknown.
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Unprocessable(e.body_text())),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// `application/json` or any `application/*+json`, parameters ignored (as axum's `Json`).
fn is_json_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A query string; anything that does not parse is 400.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| ApiError::BadRequest(e.body_text()))
    }
}

/// Path parameters; a segment that does not decode is 400.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| ApiError::BadRequest(e.body_text()))
    }
}

/// Largest page a list returns.
pub const MAX_LIMIT: u32 = 1000;
/// Largest offset: the documented int32 range (clients and schema tools assume it).
pub const MAX_OFFSET: u32 = i32::MAX.unsigned_abs();
/// Page size when the client does not say.
pub const DEFAULT_LIMIT: u32 = 100;

/// `limit` and `offset` of a list request.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// How many matching items to skip (0 to 2147483647, default 0).
    #[param(minimum = 0, maximum = 2147483647)]
    pub offset: Option<u32>,
}

impl PageParams {
    /// The limit and offset to use, or 422 for a limit outside 1..=1000.
    pub fn resolve(self) -> Result<(u32, u32), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::Unprocessable(format!(
                "limit is 1 to {MAX_LIMIT}, not {limit}"
            )));
        }
        let offset = self.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(ApiError::Unprocessable(format!(
                "offset is 0 to {MAX_OFFSET}, not {offset}"
            )));
        }
        Ok((limit, offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>) -> Parts {
        let mut b = axum::http::Request::builder();
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_needs_a_key() {
        assert_eq!(
            bearer(&parts(Some("Bearer epbx_1"))).as_deref(),
            Some("epbx_1")
        );
        assert_eq!(
            bearer(&parts(Some("bearer  epbx_1 "))).as_deref(),
            Some("epbx_1")
        );
        assert_eq!(bearer(&parts(Some("Basic abc"))), None);
        assert_eq!(bearer(&parts(Some("Bearer "))), None);
        assert_eq!(bearer(&parts(None)), None);
    }

    #[test]
    fn page_limits() {
        assert_eq!(PageParams::default().resolve().unwrap(), (100, 0));
        let p = PageParams {
            limit: Some(0),
            offset: None,
        };
        assert!(p.resolve().is_err());
        let p = PageParams {
            limit: Some(1001),
            offset: Some(5),
        };
        assert!(p.resolve().is_err());
        let p = PageParams {
            limit: None,
            offset: Some(MAX_OFFSET + 1),
        };
        assert!(p.resolve().is_err());
        assert!(is_json_type("application/json; charset=utf-8"));
        assert!(is_json_type("Application/merge-patch+json"));
        assert!(!is_json_type("text/json"));
    }
}
