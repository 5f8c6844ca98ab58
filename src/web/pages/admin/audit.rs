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
use crate::tr;
use crate::web::auth::Admin;
use crate::web::components::{Pager, TimeTag};
use crate::web::error::PageError;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(show))
}

/// What a line says was done, in words; a stored name this binary does not know is shown as
/// stored.
fn action_words(t: crate::web::i18n::Tr, stored: &str) -> String {
    match Action::ALL.into_iter().find(|a| a.as_str() == stored) {
        Some(Action::Viewed) => tr!(t, "admin-audit-viewed"),
        Some(Action::NewToken) => tr!(t, "admin-audit-new-token"),
        Some(Action::NewSipPassword) => tr!(t, "admin-audit-new-sip-password"),
        Some(Action::Unbound) => tr!(t, "admin-audit-unbound"),
        Some(Action::Released) => tr!(t, "admin-audit-released"),
        Some(Action::Minted) => tr!(t, "admin-audit-minted"),
        Some(Action::PrintedSheet) => tr!(t, "admin-audit-printed-sheet"),
        Some(Action::HandedOut) => tr!(t, "admin-audit-handed-out"),
        None => stored.to_string(),
    }
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
    let t = super::tr_of(&admin);
    let Ok(Query(query)) = query else {
        return Err(PageError::BadRequest(tr!(t, "admin-audit-bad-page")));
    };
    let page_number = query.page.unwrap_or(1).max(1);
    let offset = page_number.saturating_sub(1).saturating_mul(PER_PAGE);
    let (lines, total) = state
        .db
        .read(move |c| audit::list(c, PER_PAGE, offset))
        .await?;
    let tz = state.settings.utc_offset();
    let body = html! {
        p { a href="/admin" { (tr!(t, "admin-audit-back")) } }
        p { (tr!(t, "admin-audit-intro")) }
        h2 { (tr!(t, "admin-audit-count", count = total)) }
        div.scroll { table.list #audit {
            thead { tr { th scope="col" { (tr!(t, "admin-audit-when")) } th scope="col" { (tr!(t, "admin-audit-who")) } th scope="col" { (tr!(t, "admin-audit-what")) } th scope="col" { (tr!(t, "admin-audit-user")) } th scope="col" { (tr!(t, "admin-audit-extension")) } th scope="col" { (tr!(t, "admin-audit-handset")) } th scope="col" { (tr!(t, "admin-audit-details")) } } }
            tbody {
                @for l in &lines {
                    tr {
                        td { (TimeTag { unix: l.at, offset: tz }) }
                        td { (l.actor) }
                        td { (action_words(t, &l.action)) }
                        td { (l.target_user.as_deref().unwrap_or("")) }
                        td { (l.number.as_deref().unwrap_or("")) }
                        td { @if let Some(h) = &l.handset { code { (h) } } }
                        td { (l.detail) }
                    }
                }
                @if lines.is_empty() { tr { td colspan="7" { (tr!(t, "admin-audit-none")) } } }
            }
        } }
        (Pager { base: "/admin/audit", page: page_number, per_page: PER_PAGE, total })
    };
    Ok(page(&admin, body, StatusCode::OK))
}
