//! The phonebook as files phones and services fetch: `/phonebook.{json,csv,vcf}` and
//! `/phonebook/{yealink,snom,grandstream,cisco,mitel}.xml`.
//!
//! Phones poll these, often all at the same minute, so the book is rendered once per change
//! and served from memory with a strong ETag; a phone that already has it gets a 304. A change
//! is noticed through the database's phonebook counter (bumped by triggers, whoever writes).
//! The counter is read again after any write through this process's [`Db`], and at most once
//! a second otherwise, so a change made by the CLI shows within a second and a busy phonebook
//! costs no database read per request.

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::{phonebook as store, Db, DbError};
use crate::phonebook::ldap::Directory;
use crate::phonebook::{cisco, csv, grandstream, json, mitel, snom, vcard, yealink, Phonebook};
use crate::web::error::PageError;
use crate::web::state::AppState;

/// How long a rendered book is trusted without asking the database, when this process made
/// no write in between.
const RECHECK_AFTER: Duration = Duration::from_secs(1);

/// Title phones show above the directory.
const TITLE: &str = "Phonebook";

/// The formats rendered whole, once per change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WholeBook {
    Json,
    Csv,
    Vcard,
    Yealink,
    Snom,
    Grandstream,
}

impl WholeBook {
    const ALL: [WholeBook; 6] = [
        WholeBook::Json,
        WholeBook::Csv,
        WholeBook::Vcard,
        WholeBook::Yealink,
        WholeBook::Snom,
        WholeBook::Grandstream,
    ];

    fn content_type(self) -> &'static str {
        match self {
            WholeBook::Json => "application/json",
            WholeBook::Csv => "text/csv; charset=utf-8; header=present",
            WholeBook::Vcard => "text/vcard; charset=utf-8",
            // Cisco and several other phones insist on text/xml.
            WholeBook::Yealink | WholeBook::Snom | WholeBook::Grandstream => {
                "text/xml; charset=utf-8"
            }
        }
    }

    fn render(self, book: &Phonebook) -> String {
        match self {
            WholeBook::Json => json::render(book),
            WholeBook::Csv => csv::render(book),
            WholeBook::Vcard => vcard::render(book),
            WholeBook::Yealink => yealink::render(book, TITLE),
            WholeBook::Snom => snom::render(book, TITLE),
            // Entries dial out on the phone's first account.
            WholeBook::Grandstream => grandstream::render(book, 0),
        }
    }
}

/// One rendered file and its validator.
#[derive(Debug, Clone)]
struct File {
    body: Bytes,
    etag: HeaderValue,
}

impl File {
    fn new(text: String) -> File {
        let etag = etag_of(text.as_bytes());
        File {
            body: Bytes::from(text),
            etag,
        }
    }
}

/// A strong ETag from the content itself: equal bytes, equal tag, across restarts too.
fn etag_of(bytes: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(bytes);
    let tag = format!("\"{}\"", hex::encode(&digest[..16]));
    // Quotes and hex digits are always a valid header value.
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// Everything rendered from one generation of the book.
struct Rendered {
    generation: i64,
    book: Phonebook,
    whole: Vec<(WholeBook, File)>,
    cisco_pages: Vec<File>,
    /// The LDAP tree, built on the first LDAP search after a change (most events serve no
    /// LDAP, and then it is never built).
    ldap: OnceLock<Arc<Directory>>,
}

impl Rendered {
    fn build(generation: i64, book: Phonebook, cisco_base_url: &str) -> Rendered {
        let whole = WholeBook::ALL
            .iter()
            .map(|&format| (format, File::new(format.render(&book))))
            .collect();
        let options = cisco::CiscoOptions {
            title: TITLE,
            prompt: "Select an entry",
            base_url: cisco_base_url,
        };
        let cisco_pages = (1..=cisco::page_count(&book))
            .filter_map(|page| cisco::render_page(&book, &options, page))
            .map(File::new)
            .collect();
        Rendered {
            generation,
            book,
            whole,
            cisco_pages,
            ldap: OnceLock::new(),
        }
    }

    fn whole(&self, format: WholeBook) -> Option<&File> {
        self.whole
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, file)| file)
    }
}

/// When the database was last asked, and how many of this process's writes had happened then.
#[derive(Debug, Clone, Copy)]
struct LastCheck {
    at: Instant,
    writes: u64,
}

/// The rendered phonebook files, shared by all requests.
#[derive(Default)]
pub struct PhonebookExports {
    current: RwLock<Option<Arc<Rendered>>>,
    last_check: Mutex<Option<LastCheck>>,
    /// One refresh at a time: a burst of phones after a change renders the book once.
    refresh: tokio::sync::Mutex<()>,
}

impl PhonebookExports {
    /// The rendered book if it is known to be current without asking the database.
    fn fresh(&self, writes: u64) -> Option<Arc<Rendered>> {
        let check = (*self.last_check.lock().ok()?)?;
        if check.writes != writes || check.at.elapsed() >= RECHECK_AFTER {
            return None;
        }
        self.current.read().ok()?.clone()
    }

    /// The current rendering, refreshed from the database when it may be stale.
    async fn current(&self, db: &Db, cisco_base_url: &str) -> Result<Arc<Rendered>, DbError> {
        // Sampled before the database is read: a write that commits later bumps it again
        // and the next request looks once more.
        let writes = db.committed_writes();
        if let Some(rendered) = self.fresh(writes) {
            return Ok(rendered);
        }
        let _turn = self.refresh.lock().await;
        if let Some(rendered) = self.fresh(writes) {
            return Ok(rendered);
        }
        let cached = self.current.read().ok().and_then(|c| c.clone());
        let generation = db.read(store::generation).await?;
        let rendered = match cached {
            Some(rendered) if rendered.generation == generation => rendered,
            _ => {
                let (generation, book) = db.read(store::load).await?;
                let base = cisco_base_url.to_string();
                let rendered =
                    tokio::task::spawn_blocking(move || Rendered::build(generation, book, &base))
                        .await
                        .map_err(|e| DbError::Task(e.to_string()))?;
                let rendered = Arc::new(rendered);
                if let Ok(mut current) = self.current.write() {
                    *current = Some(rendered.clone());
                }
                rendered
            }
        };
        if let Ok(mut check) = self.last_check.lock() {
            *check = Some(LastCheck {
                at: Instant::now(),
                writes,
            });
        }
        Ok(rendered)
    }
}

impl PhonebookExports {
    /// The book as an LDAP tree under `base_dn`, from the same once-per-change rendering as
    /// the files. `base_dn` is the one setting of the process, so one tree per rendering.
    pub async fn ldap_directory(
        &self,
        db: &Db,
        cisco_base_url: &str,
        base_dn: &str,
    ) -> Result<Arc<Directory>, DbError> {
        let rendered = self.current(db, cisco_base_url).await?;
        Ok(rendered
            .ldap
            .get_or_init(|| Arc::new(Directory::new(&rendered.book, base_dn)))
            .clone())
    }
}

/// True when the request's `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks
/// for this header) or is `*`.
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(tag) = etag.to_str().ok() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

/// A 200 with the file, or a 304 when the client has it already.
fn serve(headers: &HeaderMap, file: &File, content_type: &'static str) -> Response {
    // Phones may keep the file, but must ask again before using it: the book changes.
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if not_modified(headers, &file.etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, file.etag.clone()), cache],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, file.etag.clone()),
            cache,
        ],
        file.body.clone(),
    )
        .into_response()
}

/// Where Cisco's "Next" and "Prev" soft keys point: the configured public address.
pub fn cisco_base_url(state: &AppState) -> String {
    format!(
        "{}/phonebook/cisco.xml",
        state.settings.web.public_url.trim_end_matches('/')
    )
}

async fn whole(
    state: &AppState,
    headers: &HeaderMap,
    format: WholeBook,
) -> Result<Response, PageError> {
    let rendered = state
        .phonebook
        .current(&state.db, &cisco_base_url(state))
        .await?;
    let file = rendered.whole(format).ok_or(PageError::NotFound)?;
    Ok(serve(headers, file, format.content_type()))
}

/// The routes of the book files: one `/phonebook/{file}` for the phones' formats, and the
/// three files services fetch beside the page (`/phonebook.json`, `.csv`, `.vcf`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/phonebook/{file}", get(phone_book))
        .route(
            "/phonebook.json",
            get(|s: State<AppState>, h: HeaderMap| service_book(s, h, WholeBook::Json)),
        )
        .route(
            "/phonebook.csv",
            get(|s: State<AppState>, h: HeaderMap| service_book(s, h, WholeBook::Csv)),
        )
        .route(
            "/phonebook.vcf",
            get(|s: State<AppState>, h: HeaderMap| service_book(s, h, WholeBook::Vcard)),
        )
}

/// One file of `/phonebook/{file}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhoneFile {
    /// Rendered whole, once per change.
    Whole(WholeBook),
    /// Paged: `?page=N`.
    Cisco,
    /// Searched: `?q=TEXT`.
    Mitel,
}

impl PhoneFile {
    /// The file a phone asks for by name; any other name is not there.
    fn named(file: &str) -> Option<PhoneFile> {
        Some(match file {
            "yealink.xml" => PhoneFile::Whole(WholeBook::Yealink),
            "snom.xml" => PhoneFile::Whole(WholeBook::Snom),
            "grandstream.xml" => PhoneFile::Whole(WholeBook::Grandstream),
            "cisco.xml" => PhoneFile::Cisco,
            "mitel.xml" => PhoneFile::Mitel,
            _ => return None,
        })
    }
}

/// The query parameters of the phone files: `page` (Cisco), `q` (Mitel); the others ignore
/// both.
#[derive(Debug, Default, Deserialize)]
pub struct BookQuery {
    page: Option<String>,
    #[serde(default)]
    q: String,
}

/// GET /phonebook/{yealink,snom,grandstream,cisco,mitel}.xml
async fn phone_book(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    Query(query): Query<BookQuery>,
) -> Result<Response, PageError> {
    match PhoneFile::named(&file).ok_or(PageError::NotFound)? {
        PhoneFile::Whole(format) => whole(&state, &headers, format).await,
        PhoneFile::Cisco => cisco_book(&state, &headers, query.page.as_deref()).await,
        PhoneFile::Mitel => mitel_search(&state, &headers, &query.q).await,
    }
}

/// GET /phonebook.{json,csv,vcf}
async fn service_book(
    State(state): State<AppState>,
    headers: HeaderMap,
    format: WholeBook,
) -> Result<Response, PageError> {
    whole(&state, &headers, format).await
}

/// GET /phonebook/cisco.xml?page=N (1-based; no page is page 1)
async fn cisco_book(
    state: &AppState,
    headers: &HeaderMap,
    page: Option<&str>,
) -> Result<Response, PageError> {
    let page: usize = match page.map(str::trim) {
        None | Some("") => 1,
        Some(text) => text
            .parse()
            .map_err(|_| PageError::BadRequest("The page must be a number.".into()))?,
    };
    let rendered = state
        .phonebook
        .current(&state.db, &cisco_base_url(state))
        .await?;
    let file = page
        .checked_sub(1)
        .and_then(|index| rendered.cisco_pages.get(index))
        .ok_or(PageError::NotFound)?;
    Ok(serve(headers, file, "text/xml; charset=utf-8"))
}

/// Longest search string looked at; a handset sends a few characters.
const MAX_QUERY_CHARS: usize = 64;

/// GET /phonebook/mitel.xml?q=TEXT: the entries matching what the handset user typed (as
/// typed on a DECT handset).
async fn mitel_search(
    state: &AppState,
    headers: &HeaderMap,
    q: &str,
) -> Result<Response, PageError> {
    let rendered = state
        .phonebook
        .current(&state.db, &cisco_base_url(state))
        .await?;
    let q: String = q.chars().take(MAX_QUERY_CHARS).collect();
    let file = File::new(mitel::render(&rendered.book, &q, TITLE, "Nobody found"));
    Ok(serve(headers, &file, "text/xml; charset=utf-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let etag = HeaderValue::from_static("\"abc\"");
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_static(v));
            not_modified(&h, &etag)
        };
        assert!(with("\"abc\""));
        assert!(with("W/\"abc\""));
        assert!(with("\"x\", \"abc\""));
        assert!(with("*"));
        assert!(!with("\"abd\""));
        assert!(!with("abc"), "an unquoted tag is another tag");
        assert!(!not_modified(&HeaderMap::new(), &etag));
    }

    #[test]
    fn phone_files_are_known_by_name_only() {
        assert_eq!(
            PhoneFile::named("snom.xml"),
            Some(PhoneFile::Whole(WholeBook::Snom))
        );
        assert_eq!(PhoneFile::named("cisco.xml"), Some(PhoneFile::Cisco));
        assert_eq!(PhoneFile::named("mitel.xml"), Some(PhoneFile::Mitel));
        assert_eq!(PhoneFile::named("snom.json"), None);
        assert_eq!(PhoneFile::named("../phonebook.json"), None);
    }

    #[test]
    fn etag_follows_the_content() {
        assert_eq!(etag_of(b"a"), etag_of(b"a"));
        assert_ne!(etag_of(b"a"), etag_of(b"b"));
    }
}
