//! The error pages: friendly, and free of internals.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{html, Markup};

use crate::web::auth::Visitor;
use crate::web::components::layout;
use crate::web::error::PageError;

/// A page that explains a failure in plain words.
pub fn page(status: StatusCode, title: &str, message: &str) -> Markup {
    layout(
        title,
        &Visitor::anonymous(),
        html! {
            p { (message) }
            p { a href="/" { "Back to the start page" } }
            p.small { "(" (status.as_u16()) ")" }
        },
    )
}

/// The 500 page. Says nothing about the cause, which is logged instead.
pub fn internal() -> impl IntoResponse {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Something went wrong on our side, and nothing was changed. Please try again; \
             if it keeps happening, tell the help desk.",
        ),
    )
}

/// Fallback for unknown paths.
pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// A known path asked with the wrong method (a bookmarked form target, say).
pub async fn wrong_method() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not like this",
            "This address only takes a form. Go back to the page with the form and use it there.",
        ),
    )
}
