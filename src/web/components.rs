//! The one page layout and the small pieces pages are built from. Each piece implements
//! maud's `Render`, so pages write `(Notice::error(..))` and get escaped HTML.

use maud::{html, Markup, Render, DOCTYPE};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::domain::accounts::Role;
use crate::domain::lang::Lang;
use crate::tr;
use crate::web::auth::Visitor;

/// The page frame: head, navigation (by role), main content and footer with the language
/// switch, in the visitor's language.
pub fn layout(title: &str, visitor: &Visitor, content: Markup) -> Markup {
    let role = visitor.role();
    let t = visitor.tr();
    html! {
        (DOCTYPE)
        html lang=(visitor.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (tr!(t, "page-title", title = title)) }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    nav aria-label=(tr!(t, "nav-main")) {
                        a.brand href="/" { (tr!(t, "site-name")) }
                        a href="/phonebook" { (tr!(t, "nav-phonebook")) }
                        @if let Some(user) = &visitor.user {
                            a href="/account" { (tr!(t, "nav-account")) }
                            @if role.is_some_and(Role::can_help_others) { a href="/helpdesk" { (tr!(t, "nav-helpdesk")) } }
                            @if role >= Some(Role::Operator) { a href="/operator" { (tr!(t, "nav-operator")) } }
                            @if role >= Some(Role::Admin) { a href="/admin" { (tr!(t, "nav-admin")) } }
                            form.inline method="post" action="/logout" {
                                (CsrfField(&visitor.csrf))
                                button.link type="submit" {
                                    (tr!(t, "nav-logout")) " " span.who { (user.user.username) }
                                }
                            }
                        } @else {
                            a href="/login" { (tr!(t, "nav-login")) }
                            a href="/signup" { (tr!(t, "nav-signup")) }
                        }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (content)
                }
                footer {
                    p { (tr!(t, "footer-tagline")) }
                    (LanguageSwitch(visitor))
                }
            }
        }
    }
}

/// The footer's language switch. A logged-in user posts a form (the choice is stored with
/// the account, so CSRF-protected like every form); anyone else follows a link that only sets
/// a cookie in their own browser, as anonymous pages carry no form token.
struct LanguageSwitch<'a>(&'a Visitor);

impl Render for LanguageSwitch<'_> {
    fn render(&self) -> Markup {
        let v = self.0;
        let t = v.tr();
        html! {
            @if v.user.is_some() {
                form.inline.lang-switch method="post" action="/language" {
                    (CsrfField(&v.csrf))
                    input type="hidden" name="back" value=(v.path);
                    span { (tr!(t, "footer-language")) ": " }
                    @for lang in Lang::ALL {
                        @if lang == v.lang {
                            strong lang=(lang.code()) { (lang.endonym()) }
                        } @else {
                            button.link type="submit" name="lang" value=(lang.code()) lang=(lang.code()) { (lang.endonym()) }
                        }
                        " "
                    }
                }
            } @else {
                p.lang-switch {
                    span { (tr!(t, "footer-language")) ": " }
                    @for lang in Lang::ALL {
                        @if lang == v.lang {
                            strong lang=(lang.code()) { (lang.endonym()) }
                        } @else {
                            a href={ "/language/" (lang.code()) "?back=" (query_escape(&v.path)) } lang=(lang.code()) hreflang=(lang.code()) { (lang.endonym()) }
                        }
                        " "
                    }
                }
            }
        }
    }
}

/// The hidden CSRF field every POST form carries.
pub struct CsrfField<'a>(pub &'a str);

impl Render for CsrfField<'_> {
    fn render(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.0); }
    }
}

/// A message box above a form: an error or a confirmation.
pub struct Notice {
    ok: bool,
    text: String,
}

impl Notice {
    /// Something went wrong; says what.
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            ok: false,
            text: text.into(),
        }
    }

    /// Whether it says something went wrong.
    pub fn is_error(&self) -> bool {
        !self.ok
    }

    /// Something worked.
    pub fn ok(text: impl Into<String>) -> Notice {
        Notice {
            ok: true,
            text: text.into(),
        }
    }
}

impl Render for Notice {
    fn render(&self) -> Markup {
        html! {
            @if self.ok {
                p.notice.ok role="status" { (self.text) }
            } @else {
                p.notice.error role="alert" { (self.text) }
            }
        }
    }
}

/// A labelled read-only value with a copy button (the button needs JS; without it the text
/// is still selectable).
pub struct CopyField<'a> {
    /// Visible label.
    pub label: &'a str,
    /// The value.
    pub value: &'a str,
    /// Unique element id.
    pub id: String,
}

impl Render for CopyField<'_> {
    fn render(&self) -> Markup {
        html! {
            div.copy {
                label for=(self.id) { (self.label) }
                span.copyrow {
                    input id=(self.id) type="text" readonly value=(self.value) spellcheck="false";
                    button.copybtn type="button" data-copy=(self.id) data-copied=(tr!(crate::web::i18n::current(), "copy-done")) hidden { (tr!(crate::web::i18n::current(), "copy-button")) }
                }
            }
        }
    }
}

/// A moment as `<time datetime=..>` in the event's time zone.
pub struct TimeTag {
    /// Unix seconds.
    pub unix: i64,
    /// The event's offset from UTC.
    pub offset: UtcOffset,
}

impl Render for TimeTag {
    fn render(&self) -> Markup {
        let Ok(t) = OffsetDateTime::from_unix_timestamp(self.unix) else {
            return html! { "?" };
        };
        let t = t.to_offset(self.offset);
        let machine = t.format(&Rfc3339).unwrap_or_default();
        let human = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        );
        html! { time datetime=(machine) { (human) } }
    }
}

/// "HH:MM" of a moment in the event's time zone (chart labels).
pub fn clock(unix: i64, offset: UtcOffset) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!("{:02}:{:02}", t.hour(), t.minute())
        }
        Err(_) => "?".to_string(),
    }
}

/// "Page 2 of 7" with previous/next links; `base` already holds the other query parameters.
pub struct Pager<'a> {
    /// Path and query without `page`, e.g. `/phonebook?q=ann`.
    pub base: &'a str,
    /// 1-based page shown.
    pub page: u32,
    /// Entries per page.
    pub per_page: u32,
    /// Entries in all.
    pub total: u32,
}

impl Render for Pager<'_> {
    fn render(&self) -> Markup {
        let pages = self.total.div_ceil(self.per_page.max(1)).max(1);
        let t = crate::web::i18n::current();
        let sep = if self.base.contains('?') { '&' } else { '?' };
        html! {
            @if pages > 1 {
                nav.pager aria-label=(tr!(t, "pager-label")) {
                    @if self.page > 1 {
                        a rel="prev" href={ (self.base) (sep) "page=" (self.page - 1) } { (tr!(t, "pager-previous")) }
                    }
                    span { (tr!(t, "pager-page", page = self.page, pages = pages)) }
                    @if self.page < pages {
                        a rel="next" href={ (self.base) (sep) "page=" (self.page + 1) } { (tr!(t, "pager-next")) }
                    }
                }
            }
        }
    }
}

/// Percent-encodes a query value (for links that carry a search term).
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_tag_uses_the_offset() {
        let offset = UtcOffset::from_hms(1, 0, 0).unwrap();
        let html = TimeTag { unix: 0, offset }.render().into_string();
        assert_eq!(
            html,
            "<time datetime=\"1970-01-01T01:00:00+01:00\">1970-01-01 01:00</time>"
        );
    }

    #[test]
    fn pager_links_keep_the_query() {
        let html = Pager {
            base: "/phonebook?q=a",
            page: 2,
            per_page: 100,
            total: 250,
        }
        .render()
        .into_string();
        assert!(html.contains("/phonebook?q=a&amp;page=1"), "{html}");
        assert!(html.contains("/phonebook?q=a&amp;page=3"), "{html}");
        assert!(html.contains("Page 2 of 3"));
        assert_eq!(query_escape("a b&<"), "a%20b%26%3C");
    }
}
