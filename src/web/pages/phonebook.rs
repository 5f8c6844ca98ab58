//! `/phonebook`: the public directory, read-only, 100 entries a page.

use axum::extract::{Query, State};
use maud::{html, Markup};

use crate::db::extensions::{self, Filter};
use crate::tr;
use crate::web::auth::Visitor;
use crate::web::components::{layout, query_escape, Pager};
use crate::web::error::PageError;
use crate::web::pages::ListQuery;
use crate::web::state::AppState;

/// Entries per page.
pub const PER_PAGE: u32 = 100;

/// GET /phonebook?q=&page=
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Markup, PageError> {
    let page = query.page();
    let t = visitor.tr();
    let filter = Filter {
        search: query.q.chars().take(60).collect(),
        public_only: true,
        ..Filter::default()
    };
    let search = filter.search.clone();
    let (entries, total) = state
        .db
        .read(move |c| extensions::list(c, &filter, PER_PAGE, (page - 1) * PER_PAGE))
        .await?;
    let base = if search.is_empty() {
        "/phonebook".to_string()
    } else {
        format!("/phonebook?q={}", query_escape(&search))
    };
    Ok(layout(
        &tr!(t, "phonebook-title"),
        &visitor,
        html! {
            form.search role="search" method="get" action="/phonebook" {
                label for="q" { (tr!(t, "phonebook-search-label")) }
                input id="q" name="q" type="search" value=(search);
                button type="submit" { (tr!(t, "phonebook-search")) }
            }
            @if entries.is_empty() {
                p { (tr!(t, "phonebook-nobody")) }
            } @else {
                table.list {
                    thead { tr { th scope="col" { (tr!(t, "phonebook-number")) } th scope="col" { (tr!(t, "phonebook-name")) } } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { a href={ "tel:" (e.number) } { (e.number) } }
                                td { (e.name) }
                            }
                        }
                    }
                }
            }
            (Pager { base: &base, page, per_page: PER_PAGE, total })
        },
    ))
}
