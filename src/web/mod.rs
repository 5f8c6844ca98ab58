//! The HTTP server: pages, and later the JSON API and live views.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::app::AppState;

/// All routes of the web server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(health))
        .with_state(state)
}

async fn index(State(state): State<AppState>) -> maud::Markup {
    maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "eventpbx" } }
            body {
                h1 { "eventpbx" }
                p { "Self-service telephony for this event. Point your SIP phone at "
                    code { (state.settings.sip.public_address) } "." }
            }
        }
    }
}

/// Liveness plus whether the database answers.
async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let db_ok = state
        .db
        .read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await
        .is_ok();
    Json(json!({ "status": if db_ok { "ok" } else { "degraded" }, "database": db_ok }))
}
