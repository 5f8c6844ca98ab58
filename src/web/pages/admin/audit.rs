//! `/admin/audit`: the help desk's audit log (`service::helpdesk` writes it), newest first,
//! a page of its own so the admin page stays one read. Only admins see it.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::{page, PER_PAGE};
use crate::db::audit;
use crate::service::helpdesk::Action;
use crate::web::auth::Admin;
use crate::web::components::{Pager, TimeTag};
use crate::web::error::PageError;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(show))
}

/// `?page=`, 1-based.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    page: Option<u32>,
}

/// GET /admin/audit.
pub async fn show(
    State(state): State<AppState>,
    Admin(admin): Admin,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(
            "The page of the audit log is a number from 1 on.".into(),
        ));
    };
    let page_number = query.page.unwrap_or(1).max(1);
    let offset = page_number.saturating_sub(1).saturating_mul(PER_PAGE);
    let (lines, total) = state
        .db
        .read(move |c| audit::list(c, PER_PAGE, offset))
        .await?;
    let tz = state.settings.utc_offset();
    let body = html! {
        p { a href="/admin" { "← Back to the admin page" } }
        p { "What the help desk (and operators and admins on the help desk pages) opened and changed, newest first. No secret is ever written here." }
        h2 { "Audit log (" (total) ")" }
        div.scroll { table.list #audit {
            thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "User" } th scope="col" { "Extension" } th scope="col" { "Handset" } th scope="col" { "Details" } } }
            tbody {
                @for l in &lines {
                    tr {
                        td { (TimeTag { unix: l.at, offset: tz }) }
                        td { (l.actor) }
                        td { (Action::words(&l.action)) }
                        td { (l.target_user.as_deref().unwrap_or("")) }
                        td { (l.number.as_deref().unwrap_or("")) }
                        td { @if let Some(h) = &l.handset { code { (h) } } }
                        td { (l.detail) }
                    }
                }
                @if lines.is_empty() { tr { td colspan="7" { "Nothing yet." } } }
            }
        } }
        (Pager { base: "/admin/audit", page: page_number, per_page: PER_PAGE, total })
    };
    Ok(page(&admin, body, StatusCode::OK))
}
