//! The account page's "Recent calls": calls from or to the person's own extensions, with the
//! cause in words. The list is read with the person's own numbers as the filter, so nobody
//! else's calls can appear.

use maud::{html, Markup, Render};
use time::UtcOffset;

use crate::db::history::{self, HistoryEntry, HistoryFilter};
use crate::db::DbError;
use crate::web::components::TimeTag;

/// How many calls the page shows.
pub const RECENT: u32 = 20;

/// The newest calls from or to `numbers` (none when `numbers` is empty: the empty filter
/// would mean every number).
pub fn recent(
    c: &rusqlite::Connection,
    numbers: Vec<String>,
) -> Result<Vec<HistoryEntry>, DbError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    history::list(
        c,
        &HistoryFilter {
            numbers,
            limit: RECENT,
            ..HistoryFilter::default()
        },
    )
}

/// The table (nothing when there are no calls yet).
pub struct RecentCalls<'a> {
    pub calls: &'a [HistoryEntry],
    pub offset: UtcOffset,
}

impl Render for RecentCalls<'_> {
    fn render(&self) -> Markup {
        html! {
            section #recent-calls {
                h2 { "Recent calls" }
                @if self.calls.is_empty() {
                    p.small { "No calls yet." }
                } @else {
                    table {
                        thead { tr { th { "When" } th { "From" } th { "To" } th { "Result" } th { "Length" } } }
                        tbody {
                            @for call in self.calls {
                                tr {
                                    td { (TimeTag { unix: call.started_at, offset: self.offset }) }
                                    td { (call.caller_number.as_deref().unwrap_or("?")) }
                                    td { (call.dialled) }
                                    td.cause { (call.words()) }
                                    td { (call.duration) " s" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
