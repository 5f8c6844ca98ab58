//! `/admin`: users and roles, all extensions, the numbering rules, temporary handsets, the
//! admin-defined phonebook entries, API keys, the emergency/help-desk desks and the groups.
//!
//! Each section is a `Section` in a file of its own, with its forms' handlers and routes
//! beside it: it reads what it shows on its own and renders on its own. `GET /admin` shows
//! them all; a form post that needs more than a redirect (a refusal, credentials shown once)
//! answers with its own section only, so it neither re-reads nor re-renders the others.

mod audit;
mod dect;
mod desks;
mod event;
mod extensions;
mod groups;
mod handsets;
mod keys;
mod numbering;
mod phonebook;
mod users;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use crate::config::Settings;
use crate::db::DbError;
use crate::web::auth::{Admin, LoggedIn, Visitor};
use crate::web::components::{layout, Notice};
use crate::web::error::PageError;
use crate::web::pages::no_store;
use crate::web::state::AppState;

/// Rows per list on this page.
const PER_PAGE: u32 = 50;

/// The routes of `/admin` and its forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(show))
        .merge(audit::routes())
        .merge(event::routes())
        .merge(users::routes())
        .merge(extensions::routes())
        .merge(groups::routes())
        .merge(numbering::routes())
        .merge(desks::routes())
        .merge(handsets::routes())
        .merge(phonebook::routes())
        .merge(keys::routes())
        .merge(dect::routes())
}

/// `?uq=&upage=&q=&page=`: user search and extension search.
#[derive(Debug, Default, Deserialize)]
pub struct AdminQuery {
    #[serde(default)]
    uq: String,
    upage: Option<u32>,
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

/// What every section needs to load and render itself: the admin, the settings and the
/// searches of the page (both kept in each search form and pager link).
#[derive(Clone)]
struct View {
    csrf: String,
    /// The admin's own user id: nobody changes their own role or disables themselves.
    me: i64,
    settings: Arc<Settings>,
    offset: time::UtcOffset,
    /// User search, at most 60 characters, and its 1-based page.
    uq: String,
    upage: u32,
    /// Extension search, at most 60 characters, and its 1-based page.
    q: String,
    page: u32,
    /// The DECT sync's status when the page was asked for; `None` when it is off.
    dect: Option<crate::service::dect::OmmStatus>,
}

impl View {
    fn new(state: &AppState, admin: &LoggedIn, query: &AdminQuery) -> View {
        View {
            csrf: admin.csrf.clone(),
            me: admin.user.id,
            settings: state.settings.clone(),
            offset: state.settings.utc_offset(),
            uq: query.uq.chars().take(60).collect(),
            upage: query.upage.unwrap_or(1).max(1),
            q: query.q.chars().take(60).collect(),
            page: query.page.unwrap_or(1).max(1),
            dect: state.dect.as_ref().map(|d| d.status.borrow().clone()),
        }
    }

    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// One section of the admin page.
trait Section: Sized + Send + 'static {
    /// Reads what the section shows.
    fn load(c: &Connection, view: &View) -> Result<Self, DbError>;
    /// The section's markup.
    fn render(&self, view: &View) -> Markup;
}

/// Loads one section on its own.
async fn load<S: Section>(state: &AppState, view: &View) -> Result<S, PageError> {
    let view = view.clone();
    Ok(state.db.read(move |c| S::load(c, &view)).await?)
}

/// GET /admin: every section.
pub async fn show(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Query(query): Query<AdminQuery>,
) -> Result<Response, PageError> {
    let view = View::new(&state, &admin, &query);
    let v = view.clone();
    // One read, so the sections agree with each other.
    let dect = dect::DectSection::load_without_db(&view);
    let (event, desks, users, extensions, groups, numbering, handsets, phonebook, keys) = state
        .db
        .read(move |c| {
            Ok((
                event::EventSection::load(c, &v)?,
                desks::DesksSection::load(c, &v)?,
                users::UsersSection::load(c, &v)?,
                extensions::ExtensionsSection::load(c, &v)?,
                groups::GroupsSection::load(c, &v)?,
                numbering::NumberingSection::load(c, &v)?,
                handsets::HandsetsSection::load(c, &v)?,
                phonebook::PhonebookSection::load(c, &v)?,
                keys::KeysSection::load(c, &v)?,
            ))
        })
        .await?;
    let body = html! {
        (desks.render(&view))
        nav.toc aria-label="Sections" {
            a href="#event" { "Event" } a href="#users" { "Users" } a href="#extensions" { "Extensions" } a href="#groups" { "Groups" } a href="#numbering" { "Numbering" }
            a href="#handsets" { "Temporary handsets" } a href="#phonebook" { "Phonebook entries" }
            a href="#keys" { "API keys" } a href="/admin/audit" { "Audit log of the help desk" }
        }
        (event.render(&view))
        (users.render(&view))
        (extensions.render(&view))
        (groups.render(&view))
        (numbering.render(&view))
        (handsets.render(&view))
        (phonebook.render(&view))
        (keys.render(&view))
        (dect.render(&view))
    };
    Ok(page(&admin, body, StatusCode::OK))
}

fn page(admin: &LoggedIn, body: Markup, status: StatusCode) -> Response {
    let visitor = Visitor::of(admin);
    (status, layout("Admin", &visitor, body)).into_response()
}

/// The answer to a form post of section `S` that needs more than a redirect: the notice or
/// what is shown once, then `S` as it is now, and the way back to the whole page.
async fn section_page<S: Section>(
    state: &AppState,
    admin: &LoggedIn,
    notice: Option<Notice>,
    shown_once: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let view = View::new(state, admin, &AdminQuery::default());
    let section: S = load(state, &view).await?;
    let body = html! {
        @if let Some(n) = notice { (n) }
        @if let Some(once) = shown_once { (once) }
        (section.render(&view))
        p { a href="/admin" { "Back to the whole admin page" } }
    };
    Ok(page(admin, body, status))
}

/// A refused form of section `S`: 422 with the reason above the section.
async fn refuse<S: Section>(
    state: &AppState,
    admin: &LoggedIn,
    text: String,
) -> Result<Response, PageError> {
    let notice = Some(Notice::error(text));
    section_page::<S>(state, admin, notice, None, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Secrets made by a form of section `S` (credentials, a key), shown once above it and
/// never cached.
async fn shown_once<S: Section>(
    state: &AppState,
    admin: &LoggedIn,
    once: Markup,
) -> Result<Response, PageError> {
    let response = section_page::<S>(state, admin, None, Some(once), StatusCode::OK).await?;
    Ok(no_store(response))
}
