//! The handset operations the web pages offer ("new token", "release handset"), over
//! `db::handsets`, which owns every change to a binding.

use crate::db::handsets;
use crate::web::error::PageError;
use crate::web::state::AppState;

/// Gives an unbound handset extension a fresh registration token; returns it.
pub async fn regenerate_token(state: &AppState, number: &str) -> Result<String, PageError> {
    let number = number.to_string();
    let length = state.settings.numbering.token_length;
    Ok(state
        .db
        .write(move |tx| handsets::regenerate_token(tx, &number, length))
        .await?)
}

/// Releases the handset bound to an extension (it gets a temporary number again, the
/// extension a fresh token).
pub async fn unbind(state: &AppState, number: &str) -> Result<(), PageError> {
    let number = number.to_string();
    let plan = handsets::TemporaryPlan::from_settings(&state.settings);
    let length = state.settings.numbering.token_length;
    state
        .db
        .write(move |tx| handsets::unbind(tx, &number, &plan, length))
        .await?;
    Ok(())
}
