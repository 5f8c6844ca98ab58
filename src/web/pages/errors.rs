//! The error pages: friendly, and free of internals.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{html, Markup};

use crate::tr;
use crate::web::auth::Visitor;
use crate::web::components::layout;
use crate::web::error::PageError;
use crate::web::i18n;

/// A page that explains a failure in plain words.
pub fn page(status: StatusCode, title: &str, message: &str) -> Markup {
    let visitor = Visitor::anonymous();
    let t = visitor.tr();
    layout(
        title,
        &visitor,
        html! {
            p { (message) }
            p { a href="/" { (tr!(t, "error-back-home")) } }
            p.small { "(" (status.as_u16()) ")" }
        },
    )
}

/// The 500 page. Says nothing about the cause, which is logged instead.
pub fn internal() -> impl IntoResponse {
    let t = i18n::current();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &tr!(t, "error-internal-title"),
            &tr!(t, "error-internal"),
        ),
    )
}

/// Fallback for unknown paths.
pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// A known path asked with the wrong method (a bookmarked form target, say).
pub async fn wrong_method() -> impl IntoResponse {
    let t = i18n::current();
    (
        StatusCode::METHOD_NOT_ALLOWED,
        page(
            StatusCode::METHOD_NOT_ALLOWED,
            &tr!(t, "error-method-title"),
            &tr!(t, "error-method"),
        ),
    )
}
