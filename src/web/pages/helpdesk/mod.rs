//! `/helpdesk`: the help desk (and operators and admins, who include it) finds anyone's
//! extension, listed or not, looks at its token or SIP password, renews them, unbinds or
//! releases its handset (`extension.rs`), and mints loaners with a printable sheet
//! (`loaners.rs`). Every action goes through `service::helpdesk`, which writes the audit
//! log admins read at `/admin/audit`.
//!
//! The guard is [`Helpdesk`]: attendees get 403, visitors who are not logged in the login
//! page. Pages for the help desk elsewhere (the "why didn't it ring" page) ask the same
//! question, `Role::can_help_others`.

mod extension;
mod loaners;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use crate::db::extensions::{Extension, ExtensionKind};
use crate::domain::accounts::Role;
use crate::service::helpdesk::{self as helpdesk_service, Found, Helper, SEARCH_MAX, SEARCH_PAGE};
use crate::tr;
use crate::web::auth::{Helpdesk, LoggedIn, Visitor};
use crate::web::components::{layout, query_escape, Notice, Pager};
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::state::AppState;

/// The most pages a search pages through: far more than any event has people.
const MAX_PAGE: u32 = 10_000;

/// The routes of `/helpdesk` and its forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/helpdesk", get(show))
        .merge(extension::routes())
        .merge(loaners::routes())
}

/// A role in words (the value stored stays English: `Role::as_str`).
pub(crate) fn role_name(t: Tr, role: Role) -> String {
    match role {
        Role::Attendee => tr!(t, "helpdesk-role-attendee"),
        Role::Helpdesk => tr!(t, "helpdesk-role-helpdesk"),
        Role::Operator => tr!(t, "helpdesk-role-operator"),
        Role::Admin => tr!(t, "helpdesk-role-admin"),
    }
}

/// What kind of extension a list row is, in words.
pub(crate) fn kind_name(t: Tr, e: &Extension) -> String {
    match e.kind {
        ExtensionKind::Sip => tr!(t, "helpdesk-kind-sip"),
        ExtensionKind::Handset if e.device_id.is_some() => tr!(t, "helpdesk-kind-handset-bound"),
        ExtensionKind::Handset => tr!(t, "helpdesk-kind-handset-waiting"),
        ExtensionKind::Group => tr!(t, "helpdesk-kind-group"),
        ExtensionKind::Conference => tr!(t, "helpdesk-kind-conference"),
    }
}

/// The person at the desk, as the audit log names them.
fn helper(user: &LoggedIn) -> Helper {
    Helper {
        id: user.user.id,
        username: user.user.username.clone(),
    }
}

/// A help desk page in the site's frame.
fn page(user: &LoggedIn, title: &str, body: Markup, status: StatusCode) -> Response {
    let visitor = Visitor::of(user);
    (status, layout(title, &visitor, body)).into_response()
}

/// `?q=&page=` as typed: both checked by hand, so a wrong one gets a sentence, not axum's
/// plain-text rejection.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

/// The page number, or why it is refused.
fn parse_page(t: Tr, text: &str) -> Result<u32, String> {
    let typed = text.trim();
    if typed.is_empty() {
        return Ok(1);
    }
    match typed.parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(tr!(t, "helpdesk-bad-page", max = MAX_PAGE)),
    }
}

/// GET /helpdesk: the search form and, with a search, the users and extensions found.
pub async fn show(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let t = Visitor::of(&user).tr();
    let Ok(Query(query)) = query else {
        let why = tr!(t, "helpdesk-bad-address");
        return Ok(search_page(&user, "", 1, None, Some(Notice::error(why))));
    };
    let checked =
        helpdesk_service::check_search(&query.q).map_err(|e| crate::web::failure::for_page(&e));
    let page_number = parse_page(t, &query.page);
    let (text, page_number) = match (checked, page_number) {
        (Ok(t), Ok(p)) => (t, p),
        (Err(why), _) | (_, Err(why)) => {
            // The form keeps what was typed, cut to what the field takes, and nothing is
            // searched.
            let kept: String = query.q.chars().take(SEARCH_MAX).collect();
            return Ok(search_page(&user, &kept, 1, None, Some(Notice::error(why))));
        }
    };
    let found = if text.is_empty() && query.page.trim().is_empty() {
        None
    } else {
        Some(helpdesk_service::search(&state.db, text.clone(), page_number).await?)
    };
    Ok(search_page(&user, &text, page_number, found.as_ref(), None))
}

fn search_page(
    user: &LoggedIn,
    text: &str,
    page_number: u32,
    found: Option<&Found>,
    notice: Option<Notice>,
) -> Response {
    let status = if notice.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let base = format!("/helpdesk?q={}", query_escape(text));
    let t = Visitor::of(user).tr();
    let body = html! {
        @if let Some(n) = notice { (n) }
        p { (tr!(t, "helpdesk-intro")) }
        p { a href="/helpdesk/loaners" { (tr!(t, "helpdesk-loaners-link")) } }
        form.search role="search" method="get" action="/helpdesk" {
            label for="q" { (tr!(t, "helpdesk-search-label")) }
            input id="q" name="q" type="search" maxlength=(SEARCH_MAX) value=(text) autofocus;
            button type="submit" { (tr!(t, "helpdesk-search")) }
        }
        @if let Some(found) = found {
            section #users {
                h2 { (tr!(t, "helpdesk-users", count = found.users_total)) }
                table.list {
                    thead { tr { th scope="col" { (tr!(t, "helpdesk-username")) } th scope="col" { (tr!(t, "helpdesk-name")) } th scope="col" { (tr!(t, "helpdesk-role")) } th scope="col" { (tr!(t, "helpdesk-extensions-col")) } } }
                    tbody {
                        @for u in &found.users {
                            tr {
                                td { (u.user.username) @if u.user.disabled { " " (tr!(t, "helpdesk-user-disabled")) } }
                                td { (u.user.display_name) }
                                td { (role_name(t, u.user.role)) }
                                td {
                                    @for n in &u.numbers { a href={ "/helpdesk/ext/" (n) } { (n) } " " }
                                    @if u.numbers.is_empty() { "—" }
                                }
                            }
                        }
                        @if found.users.is_empty() { tr { td colspan="4" { (tr!(t, "helpdesk-no-user")) } } }
                    }
                }
            }
            section #extensions {
                h2 { (tr!(t, "helpdesk-extensions", count = found.extensions_total)) }
                table.list {
                    thead { tr { th scope="col" { (tr!(t, "helpdesk-number")) } th scope="col" { (tr!(t, "helpdesk-name")) } th scope="col" { (tr!(t, "helpdesk-kind")) } th scope="col" { (tr!(t, "helpdesk-owner")) } th scope="col" { (tr!(t, "helpdesk-phonebook")) } } }
                    tbody {
                        @for e in &found.extensions {
                            tr {
                                td { a href={ "/helpdesk/ext/" (e.number) } { (e.number) } }
                                td { (e.name) }
                                td { (kind_name(t, e)) }
                                td { (e.owner_username.as_deref().unwrap_or("—")) }
                                td { @if e.public { (tr!(t, "helpdesk-listed")) } @else { (tr!(t, "helpdesk-unlisted")) } }
                            }
                        }
                        @if found.extensions.is_empty() { tr { td colspan="5" { (tr!(t, "helpdesk-no-extension")) } } }
                    }
                }
            }
            (Pager { base: &base, page: page_number, per_page: SEARCH_PAGE, total: found.users_total.max(found.extensions_total) })
        }
    };
    page(user, &tr!(t, "helpdesk-title"), body, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_small_positive_numbers() {
        let t = Tr::default();
        assert_eq!(parse_page(t, ""), Ok(1));
        assert_eq!(parse_page(t, " 3 "), Ok(3));
        for bad in ["0", "-1", "x", "10001", "99999999999999999999"] {
            assert!(parse_page(t, bad).is_err(), "{bad}");
        }
    }
}
