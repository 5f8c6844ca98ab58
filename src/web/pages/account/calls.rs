//! The account page's "Recent calls": calls from or to the person's own extensions, with the
//! cause in words. The list is read with the person's own numbers as the filter, so nobody
//! else's calls can appear.

use maud::{html, Markup, Render};
use time::UtcOffset;

use crate::db::history::{self, HistoryEntry, HistoryFilter};
use crate::db::DbError;
use crate::domain::history::Cause;
use crate::tr;
use crate::web::components::TimeTag;
use crate::web::i18n::Tr;

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

/// A cause in words, in the reader's language.
pub(in crate::web::pages) fn cause_words(t: Tr, cause: Cause) -> String {
    match cause {
        Cause::Answered => tr!(t, "account-cause-answered"),
        Cause::Busy => tr!(t, "account-cause-busy"),
        Cause::NoAnswer => tr!(t, "account-cause-no-answer"),
        Cause::NotRegistered => tr!(t, "account-cause-not-registered"),
        Cause::Rejected => tr!(t, "account-cause-rejected"),
        Cause::DoNotDisturb => tr!(t, "account-cause-dnd"),
        Cause::UnknownNumber => tr!(t, "account-cause-unknown-number"),
        Cause::NotAllowed => tr!(t, "account-cause-not-allowed"),
        Cause::Cancelled => tr!(t, "account-cause-cancelled"),
    }
}

/// How a stored call ended, with where it was forwarded to.
fn call_words(t: Tr, call: &HistoryEntry) -> String {
    let cause = cause_words(t, call.cause);
    match call.forwarded_to.as_deref().filter(|n| !n.is_empty()) {
        Some(to) => tr!(t, "account-cause-forwarded", cause = cause, number = to),
        None => cause,
    }
}

/// The table (nothing when there are no calls yet).
pub struct RecentCalls<'a> {
    pub t: Tr,
    pub calls: &'a [HistoryEntry],
    pub offset: UtcOffset,
}

impl Render for RecentCalls<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        html! {
            section #recent-calls {
                h2 { (tr!(t, "account-calls-title")) }
                @if self.calls.is_empty() {
                    p.small { (tr!(t, "account-calls-none")) }
                } @else {
                    table {
                        thead { tr {
                            th { (tr!(t, "account-calls-when")) } th { (tr!(t, "account-calls-from")) }
                            th { (tr!(t, "account-calls-to")) } th { (tr!(t, "account-calls-result")) }
                            th { (tr!(t, "account-calls-length")) }
                        } }
                        tbody {
                            @for call in self.calls {
                                tr {
                                    td { (TimeTag { unix: call.started_at, offset: self.offset }) }
                                    td { (call.caller_number.as_deref().unwrap_or("?")) }
                                    td { (call.dialled) }
                                    td.cause { (call_words(t, call)) }
                                    td { (tr!(t, "account-calls-seconds", seconds = call.duration)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn causes_read_the_same_in_english_as_in_the_api_and_are_translated() {
        for cause in Cause::ALL {
            assert_eq!(cause_words(Tr::new(Lang::En), cause), cause.words());
            let de = cause_words(Tr::new(Lang::De), cause);
            assert!(!de.contains('⟦'), "{cause:?}");
        }
        assert_eq!(
            cause_words(Tr::new(Lang::De), Cause::NoAnswer),
            "keine Antwort"
        );
    }
}
