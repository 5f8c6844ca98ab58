//! `/`: what this is and how to start.

use axum::extract::State;
use maud::{html, Markup, PreEscaped};

use crate::tr;
use crate::web::auth::Visitor;
use crate::web::components::layout;
use crate::web::state::AppState;

/// Marks where a placeable of a sentence goes that [`linked`] fills with markup (a link, a
/// code): a private-use character no catalogue or user text contains.
const SLOT: char = '\u{E000}';

/// The marker for the `i`th markup part of a sentence, passed as the placeable's value.
pub(super) fn slot(i: u8) -> String {
    format!("{SLOT}{}", char::from(b'0' + i))
}

/// One translated sentence with markup (links, code) where its placeables were: the
/// sentence is formatted with [`slot`] markers as the placeables' values, and each marker is
/// replaced by its part here, so the words around a link stay one message and are escaped.
pub(super) fn linked(sentence: &str, parts: &[Markup]) -> Markup {
    let mut pieces = sentence.split(SLOT);
    let first = pieces.next().unwrap_or_default();
    html! {
        (first)
        @for piece in pieces {
            @let mut chars = piece.chars();
            @let index = chars.next().and_then(|c| c.to_digit(10)).unwrap_or(u32::MAX);
            @match usize::try_from(index).ok().and_then(|i| parts.get(i)) {
                Some(part) => (PreEscaped(part.0.as_str())),
                None => {},
            }
            (chars.as_str())
        }
    }
}

/// The start page.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> Markup {
    let s = &state.settings;
    let t = visitor.tr();
    let link = |href: &str, text: String| html! { a href=(href) { (text) } };
    layout(
        &tr!(t, "home-title"),
        &visitor,
        html! {
            p.lead { (tr!(t, "home-lead")) }
            h2 { (tr!(t, "home-how-to-start")) }
            ol.steps {
                li {
                    @if visitor.user.is_some() {
                        (tr!(t, "home-logged-in"))
                    } @else {
                        (linked(&tr!(t, "home-sign-up-or-log-in", signup = slot(0), login = slot(1)), &[
                            link("/signup", tr!(t, "home-sign-up-link")),
                            link("/login", tr!(t, "home-log-in-link")),
                        ]))
                    }
                }
                li { (linked(&tr!(t, "home-claim", page = slot(0)), &[link("/account", tr!(t, "nav-account"))])) }
                li {
                    strong { (tr!(t, "home-sip-label")) }
                    " " (tr!(t, "home-sip"))
                }
                li {
                    strong { (tr!(t, "home-handset-label")) }
                    " " (linked(&tr!(t, "home-handset", code = slot(0)), &[html! { code { (s.codes.register) } }]))
                }
            }
            h2 { (tr!(t, "home-useful-numbers")) }
            dl.codes {
                dt { code { (s.codes.info) } } dd { (tr!(t, "home-code-info")) }
                dt { code { (s.codes.echo) } } dd { (tr!(t, "home-code-echo")) }
                dt { code { (s.codes.register) } } dd { (tr!(t, "home-code-register")) }
                @for n in &s.numbering.helpdesk { dt { code { (n) } } dd { (tr!(t, "home-code-helpdesk")) } }
                @for n in &s.numbering.emergency { dt { code { (n) } } dd { (tr!(t, "home-code-emergency")) } }
            }
            p { (linked(&tr!(t, "home-phonebook", phonebook = slot(0)), &[link("/phonebook", tr!(t, "home-phonebook-link"))])) }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_puts_markup_where_the_placeables_were_and_escapes_the_rest() {
        let sentence = format!("<b> {} or {}.", slot(1), slot(0));
        let out = linked(&sentence, &[html! { a { "A" } }, html! { i { "B" } }]).into_string();
        assert_eq!(out, "&lt;b&gt; <i>B</i> or <a>A</a>.");
        // A marker without a part is dropped, never shown.
        let out = linked(&format!("x{}y", slot(5)), &[]).into_string();
        assert_eq!(out, "xy");
    }
}
