//! The handset operations the web pages offer ("new token", "release handset").
//!
//! The binding itself belongs to `db::handsets` (the self-registration work). This tree does
//! not have it yet, so both functions answer "not available yet" with a friendly page; once
//! `crate::db::handsets::{regenerate_token, unbind}` exist, each body becomes one `db.write`.

use crate::app::AppState;
use crate::web::error::AppError;

/// Gives an unbound handset extension a fresh registration token; returns it.
pub async fn regenerate_token(_state: &AppState, _number: &str) -> Result<String, AppError> {
    Err(AppError::NotAvailable("Making a new token"))
}

/// Releases the handset bound to an extension (it gets a temporary number again, the
/// extension a fresh token).
pub async fn unbind(_state: &AppState, _number: &str) -> Result<(), AppError> {
    Err(AppError::NotAvailable("Releasing a handset"))
}
