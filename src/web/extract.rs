//! Extractors shared by the pages and the JSON API.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::IntoResponse;

use crate::domain::Number;
use crate::web::error::PageError;

/// How a front end answers a `{number}` path segment that is not a number. Pages and the API
/// render errors differently, so each says which of its errors it is.
pub trait NumberRejection: IntoResponse {
    /// The segment did not even decode (bad percent-encoding, not UTF-8).
    fn undecodable(detail: String) -> Self;
    /// The segment decoded but is not a number, so nothing can exist under it.
    fn not_a_number() -> Self;
}

impl NumberRejection for PageError {
    fn undecodable(_detail: String) -> Self {
        // A mangled link gets the friendly "not found" page, not axum's plain-text rejection.
        PageError::NotFound
    }

    fn not_a_number() -> Self {
        PageError::NotFound
    }
}

/// The `{number}` of a route, checked by [`Number::parse`] (the one rule for numbers) before
/// the handler runs. `R` is the front end's error: [`PageError`] for pages (a 404 page),
/// `api::ApiError` for the API (400 for a segment that does not decode, 404 "Extension not
/// found" for one that is not a number).
pub struct NumberPath<R = PageError>(pub Number, pub PhantomData<fn() -> R>);

impl<S, R> FromRequestParts<S> for NumberPath<R>
where
    S: Send + Sync,
    R: NumberRejection,
{
    type Rejection = R;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, R> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| R::undecodable(e.body_text()))?;
        let number = Number::parse(&segment).map_err(|_| R::not_a_number())?;
        Ok(NumberPath(number, PhantomData))
    }
}

/// The two numbers of a page route `.../{group}/{member}/...`; anything that is not two
/// numbers is a page that is not there, as for [`NumberPath`].
pub fn number_pair(
    Path((first, second)): Path<(String, String)>,
) -> Result<(Number, Number), PageError> {
    match (Number::parse(&first), Number::parse(&second)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        _ => Err(PageError::NotFound),
    }
}
