//! The web pages' words in every language: Fluent catalogues under `locales/<lang>/`, embedded
//! in the binary, and [`Tr`], the translator a page renders with.
//!
//! Pages never build a sentence by concatenation: a sentence with a variable part is one
//! message with placeables (`{ $number }`), so each language orders it its own way. A message
//! missing from a catalogue renders as `⟦id⟧` (and is logged), never as an empty string, and
//! the tests fail on it: `tests/it/web_i18n.rs` renders every page in every language, and the
//! unit tests below check that every catalogue has the same messages and that every id the
//! source names exists.

use std::sync::LazyLock;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::lang::Lang;
use crate::web::auth::cookie_value;
use crate::web::state::AppState;

/// The cookie that remembers the footer switch's choice (for everyone; a logged-in user's
/// choice is also stored with the account, and login copies it back into the cookie).
pub const LANG_COOKIE: &str = "epbx_lang";

/// The language of this request before any user is looked up: the cookie, else the
/// browser's `Accept-Language`, else the event's default.
#[derive(Debug, Clone, Copy)]
pub struct RequestLang(pub Lang);

/// What a page may need of its request without an extractor at hand.
#[derive(Debug, Clone)]
struct Current {
    lang: Lang,
    path: String,
}

tokio::task_local! {
    /// The request's language and path, for what is rendered outside a handler's reach (error
    /// pages built from a rejection, pages built from a user alone).
    static CURRENT: Current;
}

/// The language a request asks for, without a database lookup.
pub fn negotiate(headers: &HeaderMap, default: Lang) -> Lang {
    if let Some(lang) = cookie_value(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)) {
        return lang;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(default)
}

/// The event's default language (`prompts.language`, validated at start-up to be one we
/// speak).
pub fn default_lang(state: &AppState) -> Lang {
    Lang::parse(&state.settings.prompts.language).unwrap_or_default()
}

/// Middleware: works out the request's language once and makes it available to extractors
/// ([`RequestLang`]) and to error pages ([`current`]).
pub async fn per_request(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let lang = negotiate(request.headers(), default_lang(&state));
    request.extensions_mut().insert(RequestLang(lang));
    let path = back_path(request.uri());
    CURRENT
        .scope(Current { lang, path }, next.run(request))
        .await
}

/// The translator of the request being answered (English outside a request).
pub fn current() -> Tr {
    Tr(CURRENT.try_with(|c| c.lang).unwrap_or_default())
}

/// Longest path (with query) the language switch brings a visitor back to; a longer one is
/// cut to its path, or to the start page, so a huge query is not echoed into every page.
const BACK_MAX: usize = 256;

/// Where the language switch of this page comes back to.
pub fn back_path(uri: &axum::http::Uri) -> String {
    let full = uri.path_and_query().map_or("/", |p| p.as_str());
    if full.len() <= BACK_MAX {
        full.to_string()
    } else if uri.path().len() <= BACK_MAX {
        uri.path().to_string()
    } else {
        "/".to_string()
    }
}

/// Path and query of the request being answered ("/" outside a request).
pub fn current_path() -> String {
    CURRENT
        .try_with(|c| c.path.clone())
        .unwrap_or_else(|_| "/".to_string())
}

/// One catalogue file per area of the UI, the same names in every language's folder.
macro_rules! catalogue {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../locales/en/", $name, ".ftl")),
            include_str!(concat!("../../locales/de/", $name, ".ftl")),
        )
    };
}

/// (area, English, German).
const CATALOGUES: &[(&str, &str, &str)] = &[
    catalogue!("common"),
    catalogue!("errors"),
    catalogue!("account"),
    catalogue!("admin"),
    catalogue!("phone"),
    catalogue!("conference"),
];

/// What a missing message renders as: visible on the page, and what the tests look for.
pub const MISSING_OPEN: char = '⟦';

struct Catalogues {
    en: FluentBundle<FluentResource>,
    de: FluentBundle<FluentResource>,
}

static BUNDLES: LazyLock<Catalogues> = LazyLock::new(|| Catalogues {
    en: bundle(Lang::En),
    de: bundle(Lang::De),
});

/// A language's bundle. A catalogue that does not parse keeps the messages that did (the
/// unit tests fail on any error, so a release never has one).
fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id = lang
        .code()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around placeables matter for mixing right-to-left text; both
    // languages are left-to-right, and the marks would end up in form values and tests.
    bundle.set_use_isolating(false);
    for (area, en, de) in CATALOGUES {
        let text = match lang {
            Lang::En => en,
            Lang::De => de,
        };
        let resource = match FluentResource::try_new(text.to_string()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(%lang, area, ?errors, "catalogue does not parse");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(%lang, area, ?errors, "catalogue redefines messages");
        }
    }
    bundle
}

/// A page's translator: the visitor's language. Cheap to copy into every render function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr(Lang);

/// A value for a placeable: text stays text (numbers like `0711` keep their digits), counts
/// are numbers so plural rules can select on them.
pub enum Arg {
    /// Shown as it is.
    Text(String),
    /// A count (plural selection).
    Count(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
macro_rules! count_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Count(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
count_arg!(i64, i32, u32, u64, usize, u16, u8);

impl Tr {
    /// The translator for `lang`.
    pub fn new(lang: Lang) -> Tr {
        Tr(lang)
    }

    /// Its language.
    pub fn lang(self) -> Lang {
        self.0
    }

    /// A message without placeables.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// A message with placeables, given as `(name, value)` pairs (see the [`tr!`] macro).
    pub fn with(self, id: &str, args: Vec<(&'static str, Arg)>) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(s) => fluent.set(name, FluentValue::from(s)),
                Arg::Count(n) => fluent.set(name, FluentValue::from(n)),
            }
        }
        self.format(id, Some(&fluent))
    }

    fn format(self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = match self.0 {
            Lang::En => &BUNDLES.en,
            Lang::De => &BUNDLES.de,
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(lang = %self.0, id, "message missing from the catalogue");
            return format!("{MISSING_OPEN}{id}⟧");
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            // A placeable the caller did not pass: show what we have, and say so in the log.
            tracing::warn!(lang = %self.0, id, ?errors, "message formatted with errors");
        }
        text.into_owned()
    }
}

/// `tr!(t, "id")` or `tr!(t, "id", number = n, name = &user.name)`: the message `id` in the
/// language of the translator `t`. Every id the source names is checked to exist in every
/// catalogue by the unit tests, which look for this macro.
#[macro_export]
macro_rules! tr {
    ($t:expr, $id:literal) => {
        $t.t($id)
    };
    ($t:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $t.with($id, vec![$((stringify!($name), $crate::web::i18n::Arg::from($value))),+])
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use fluent_syntax::ast::Entry;

    use super::*;

    /// The message ids a catalogue defines, failing on any syntax error.
    fn ids(area: &str, lang: Lang, text: &str) -> BTreeSet<String> {
        let resource = match fluent_syntax::parser::parse(text) {
            Ok(r) => r,
            Err((_, errors)) => panic!("{lang}/{area}.ftl does not parse: {errors:?}"),
        };
        resource
            .body
            .iter()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    fn all_ids(lang: Lang) -> BTreeSet<String> {
        let mut all = BTreeSet::new();
        for (area, en, de) in CATALOGUES {
            let text = if lang == Lang::En { en } else { de };
            for id in ids(area, lang, text) {
                assert!(all.insert(id.clone()), "{id} defined twice ({lang})");
            }
        }
        all
    }

    #[test]
    fn every_language_has_every_message() {
        for (area, en, de) in CATALOGUES {
            let en_ids = ids(area, Lang::En, en);
            let de_ids = ids(area, Lang::De, de);
            let only_en: Vec<_> = en_ids.difference(&de_ids).collect();
            let only_de: Vec<_> = de_ids.difference(&en_ids).collect();
            assert!(only_en.is_empty(), "{area}: missing in de: {only_en:?}");
            assert!(only_de.is_empty(), "{area}: missing in en: {only_de:?}");
        }
        all_ids(Lang::En);
        all_ids(Lang::De);
    }

    /// Every `tr!(x, "id"` in the source names a message that exists.
    #[test]
    fn every_id_in_the_source_exists() {
        let known = all_ids(Lang::En);
        let mut missing = Vec::new();
        let mut seen = 0;
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Comments show the macro with made-up ids.
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                for id in ids_named_in(&code) {
                    seen += 1;
                    if !known.contains(&id) {
                        missing.push(format!("{}: {id}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "ids without a message: {missing:#?}");
        assert!(seen > 10, "the scan found the macro's uses ({seen})");
    }

    /// The ids in `tr!(expr, "id"...)` calls of a source text.
    fn ids_named_in(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (at, _) in text.match_indices("tr!(") {
            let rest = &text[at + 4..];
            // The first string literal after the translator expression.
            let Some(open) = rest.find('"') else { continue };
            if rest[..open].contains(')') || rest[..open].contains(';') {
                continue;
            }
            let tail = &rest[open + 1..];
            let Some(close) = tail.find('"') else {
                continue;
            };
            let id = &tail[..close];
            if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && !id.is_empty() {
                out.push(id.to_string());
            }
        }
        out
    }

    #[test]
    fn the_way_back_is_never_huge() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().unwrap();
        assert_eq!(back_path(&uri("/account?x=1")), "/account?x=1");
        let long_query = format!("/helpdesk?q={}", "4".repeat(10_000));
        assert_eq!(back_path(&uri(&long_query)), "/helpdesk");
        let long_path = format!("/{}", "a".repeat(10_000));
        assert_eq!(back_path(&uri(&long_path)), "/");
    }

    #[test]
    fn messages_format_with_arguments_and_missing_ones_show() {
        let t = Tr::new(Lang::De);
        assert_eq!(tr!(t, "footer-language"), "Sprache");
        assert_eq!(tr!(Tr::new(Lang::En), "footer-language"), "Language");
        assert_eq!(t.t("no-such-message"), "⟦no-such-message⟧");
        let page = tr!(Tr::new(Lang::En), "pager-page", page = 2u32, pages = 7u32);
        assert_eq!(page, "Page 2 of 7");
        assert_eq!(
            tr!(Tr::new(Lang::De), "pager-page", page = 2u32, pages = 7u32),
            "Seite 2 von 7"
        );
    }
}
