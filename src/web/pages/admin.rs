//! `/admin`: users and roles, all extensions, the numbering rules, temporary handsets, the
//! admin-defined phonebook entries and API keys.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::db::extensions::{self, Extension, ExtensionKind, Filter};
use crate::db::numbering::{self, StoredRange};
use crate::db::phonebook::{self as phonebook_store, ServiceEntry};
use crate::db::users::{self, User};
use crate::db::{api_keys, handsets, DbError};
use crate::domain::accounts::{self, Role};
use crate::domain::numbering::{Authority, DeskWarning, Range};
use crate::domain::Number;
use crate::web::auth::{Admin, CsrfForm, LoggedIn, Visitor};
use crate::web::components::{layout, query_escape, CsrfField, Notice, Pager, TimeTag};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::handset_ops;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

/// Rows per list on this page.
const PER_PAGE: u32 = 50;

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

struct AdminData {
    users: Vec<User>,
    users_total: u32,
    extensions: Vec<Extension>,
    extensions_total: u32,
    ranges: Vec<StoredRange>,
    reserved: Vec<(String, String)>,
    max: u32,
    handsets: Vec<handsets::HandsetInfo>,
    handsets_total: i64,
    keys: Vec<api_keys::KeyInfo>,
    phonebook: Vec<ServiceEntry>,
    desks: Vec<DeskWarning>,
}

async fn render(
    state: &AppState,
    admin: &LoggedIn,
    query: &AdminQuery,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, PageError> {
    render_with(state, admin, query, notice, None, status).await
}

/// Like [`render`], with secrets shown once above everything (minted credentials, a new key).
async fn render_with(
    state: &AppState,
    admin: &LoggedIn,
    query: &AdminQuery,
    notice: Option<Notice>,
    shown_once: Option<Markup>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let upage = query.upage.unwrap_or(1).max(1);
    let page = query.page.unwrap_or(1).max(1);
    let uq: String = query.uq.chars().take(60).collect();
    let q: String = query.q.chars().take(60).collect();
    let (uq2, q2) = (uq.clone(), q.clone());
    let settings = state.settings.clone();
    let data = state
        .db
        .read(move |c| {
            let (users, users_total) = users::list(c, &uq2, PER_PAGE, (upage - 1) * PER_PAGE)?;
            let filter = Filter {
                search: q2,
                ..Filter::default()
            };
            let (extensions, extensions_total) =
                extensions::list(c, &filter, PER_PAGE, (page - 1) * PER_PAGE)?;
            Ok(AdminData {
                users,
                users_total,
                extensions,
                extensions_total,
                ranges: numbering::ranges(c)?,
                reserved: numbering::reserved(c)?,
                max: numbering::max_per_user(c)?,
                handsets: handsets::list_temporary(c, PER_PAGE, 0)?,
                handsets_total: handsets::count_temporary(c)?,
                keys: api_keys::list(c)?,
                phonebook: phonebook_store::service_entries(c)?,
                desks: numbering::desk_warnings(c, &settings)?,
            })
        })
        .await?;
    let visitor = Visitor {
        user: Some(admin.clone()),
        csrf: admin.csrf.clone(),
    };
    let csrf = admin.csrf.as_str();
    let s = &state.settings;
    let offset = s.utc_offset();
    let users_base = format!("/admin?uq={}&q={}", query_escape(&uq), query_escape(&q));
    let ext_base = format!("/admin?q={}&uq={}", query_escape(&q), query_escape(&uq));
    let page_markup: Markup = html! {
        @if let Some(n) = notice { (n) }
        @if let Some(once) = shown_once { (once) }
        @for w in &data.desks {
            p.notice.error role="alert" .desk-warning { (w.to_string()) }
        }
        @if !data.desks.is_empty() {
            section #desks {
                h2 { "Set up a desk" }
                p { "Emergency and help-desk numbers are answered by an extension only admins can claim. "
                    "It is yours (see your account page), and rings like any other extension." }
                form method="post" action="/admin/desks" {
                    (CsrfField(csrf))
                    label for="desk-number" { "Number" }
                    select #desk-number name="number" {
                        @for w in &data.desks {
                            option value=(w.number) { (w.number) " (" (w.kind.label()) ")" }
                        }
                    }
                    label for="desk-name" { "Name in the phonebook" }
                    input #desk-name name="name" required maxlength="60" value="Help desk";
                    fieldset {
                        legend { "Phone" }
                        label.choice { input type="radio" name="kind" value="sip" checked; " SIP phone" }
                        label.choice { input type="radio" name="kind" value="handset"; " handset (binds with a token)" }
                    }
                    button type="submit" { "Claim for the desk" }
                }
            }
        }
        nav.toc aria-label="Sections" {
            a href="#users" { "Users" } a href="#extensions" { "Extensions" } a href="#numbering" { "Numbering" }
            a href="#handsets" { "Temporary handsets" } a href="#phonebook" { "Phonebook entries" }
            a href="#keys" { "API keys" }
        }
        section #users {
            h2 { "Users (" (data.users_total) ")" }
            form.search role="search" method="get" action="/admin" {
                input type="hidden" name="q" value=(q);
                label for="uq" { "Search users" }
                input id="uq" name="uq" type="search" value=(uq);
                button type="submit" { "Search" }
            }
            div.scroll { table.list {
                thead { tr { th { "Username" } th { "Name" } th { "Since" } th { "Role" } th { "Status" } } }
                tbody {
                    @for u in &data.users {
                        tr {
                            td { (u.username) }
                            td { (u.display_name) }
                            td { (TimeTag { unix: u.created_at, offset }) }
                            td {
                                @if u.id == admin.user.id {
                                    (u.role) " (you)"
                                } @else {
                                    form.inline method="post" action={ "/admin/users/" (u.id) "/role" } {
                                        (CsrfField(csrf))
                                        select name="role" aria-label={ "Role of " (u.username) } {
                                            @for r in Role::ALL {
                                                option value=(r.as_str()) selected[r == u.role] { (r) }
                                            }
                                        }
                                        button.secondary type="submit" { "Set" }
                                    }
                                }
                            }
                            td {
                                @if u.disabled { "disabled " } @else { "active " }
                                @if u.id != admin.user.id {
                                    form.inline method="post" action={ "/admin/users/" (u.id) "/disabled" } {
                                        (CsrfField(csrf))
                                        input type="hidden" name="disabled" value=(if u.disabled { "no" } else { "yes" });
                                        button.secondary type="submit" { @if u.disabled { "Enable" } @else { "Disable" } }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            (Pager { base: &users_base, page: upage, per_page: PER_PAGE, total: data.users_total })
        }
        section #extensions {
            h2 { "Extensions (" (data.extensions_total) ")" }
            form.search role="search" method="get" action="/admin" {
                input type="hidden" name="uq" value=(uq);
                label for="q" { "Search number or name" }
                input id="q" name="q" type="search" value=(q);
                button type="submit" { "Search" }
            }
            div.scroll { table.list {
                thead { tr { th { "Number" } th { "Name and listing" } th { "Kind" } th { "Owner" } th { "Actions" } } }
                tbody {
                    @for e in &data.extensions {
                        tr {
                            td { (e.number) }
                            td {
                                form.inline method="post" action={ "/admin/ext/" (e.number) "/edit" } {
                                    (CsrfField(csrf))
                                    input name="name" required maxlength="60" value=(e.name) aria-label={ "Name of " (e.number) };
                                    label.choice { input type="checkbox" name="public" value="on" checked[e.public]; " public" }
                                    button.secondary type="submit" { "Save" }
                                }
                            }
                            td {
                                @match e.kind {
                                    ExtensionKind::Sip => "SIP",
                                    ExtensionKind::Handset => @if e.device_id.is_some() { "handset (bound)" } @else { "handset (waiting)" },
                                }
                            }
                            td { (e.owner_username.as_deref().unwrap_or("—")) }
                            td {
                                @if e.kind == ExtensionKind::Handset && e.device_id.is_some() {
                                    form.inline method="post" action={ "/admin/ext/" (e.number) "/release" } {
                                        (CsrfField(csrf))
                                        button.secondary type="submit" { "Release handset" }
                                    }
                                }
                                details {
                                    summary { "Delete…" }
                                    form method="post" action={ "/admin/ext/" (e.number) "/delete" } {
                                        (CsrfField(csrf))
                                        label.choice { input type="checkbox" name="confirm" value="yes" required; " Yes, delete " (e.number) }
                                        button.danger type="submit" { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            (Pager { base: &ext_base, page, per_page: PER_PAGE, total: data.extensions_total })
        }
        section #numbering {
            h2 { "Numbering" }
            h3 { "Claimable ranges" }
            ul {
                @for r in &data.ranges {
                    li {
                        (r.range) " "
                        form.inline method="post" action={ "/admin/ranges/" (r.id) "/delete" } {
                            (CsrfField(csrf))
                            button.secondary type="submit" { "Remove" }
                        }
                    }
                }
            }
            form.inline method="post" action="/admin/ranges" {
                (CsrfField(csrf))
                label for="first" { "From" } input id="first" name="first" inputmode="numeric" required size="8";
                label for="last" { "to" } input id="last" name="last" inputmode="numeric" required size="8";
                button type="submit" { "Add range" }
            }
            h3 { "Reserved numbers" }
            ul {
                @for (n, reason) in &data.reserved {
                    li {
                        (n) @if !reason.is_empty() { " — " (reason) } " "
                        form.inline method="post" action={ "/admin/reserved/" (n) "/delete" } {
                            (CsrfField(csrf))
                            button.secondary type="submit" { "Free" }
                        }
                    }
                }
            }
            form.inline method="post" action="/admin/reserved" {
                (CsrfField(csrf))
                label for="rnumber" { "Number" } input id="rnumber" name="number" inputmode="numeric" required size="8";
                label for="reason" { "Reason" } input id="reason" name="reason" maxlength="60";
                button type="submit" { "Reserve" }
            }
            h3 { "Per person" }
            form.inline method="post" action="/admin/max" {
                (CsrfField(csrf))
                label for="max" { "Extensions one person may claim" }
                input id="max" name="max" type="number" min="0" max="100" required value=(data.max);
                button type="submit" { "Save" }
            }
            h3 { "From the settings file (read-only)" }
            dl.codes {
                dt { "Info code" } dd { code { (s.codes.info) } }
                dt { "Echo test code" } dd { code { (s.codes.echo) } }
                dt { "Registration code" } dd { code { (s.codes.register) } }
                dt { "Temporary numbers" } dd { code { (s.numbering.temporary_first) "–" (s.numbering.temporary_last) } }
                dt { "Emergency" } dd { (s.numbering.emergency.join(", ")) }
                dt { "Help desk" } dd { (s.numbering.helpdesk.join(", ")) }
                dt { "Token length" } dd { (s.numbering.token_length) " digits" }
            }
        }
        section #handsets {
            h2 { "Temporary handsets (" (data.handsets_total) " waiting)" }
            form.inline method="post" action="/admin/handsets" {
                (CsrfField(csrf))
                label for="count" { "Mint" }
                input id="count" name="count" type="number" min="1" max="200" value="10" required;
                button type="submit" { "Create handset accounts" }
            }
            table.list {
                thead { tr { th scope="col" { "Temporary number" } th scope="col" { "SIP username" } th scope="col" { "Created" } th scope="col" { span.sr { "Actions" } } } }
                tbody {
                    @for h in &data.handsets {
                        tr {
                            td { (h.temporary_number.as_deref().unwrap_or("")) }
                            td { code { (h.sip_username) } }
                            td { (TimeTag { unix: h.created_at, offset }) }
                            td {
                                form.inline method="post" action={ "/admin/handsets/" (h.sip_username) "/delete" } {
                                    (CsrfField(csrf))
                                    button.secondary type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                    @if data.handsets.is_empty() { tr { td colspan="4" { "No temporary handsets." } } }
                }
            }
        }
        section #phonebook {
            h2 { "Phonebook entries" }
            p {
                "Listed in the phonebook beside the extensions people published, for example the help desk "
                "or the info line. Phones fetch the book from "
                code { "/phonebook/yealink.xml" } ", " code { "snom.xml" } ", " code { "grandstream.xml" } ", "
                code { "cisco.xml" } " and " code { "mitel.xml?q=" } "; services from "
                code { "/phonebook.json" } ", " code { ".csv" } " and " code { ".vcf" } "."
            }
            table.list {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Number" } th scope="col" { span.sr { "Actions" } } } }
                tbody {
                    @for e in &data.phonebook {
                        tr {
                            td { (e.name) } td { (e.number) }
                            td {
                                form.inline method="post" action={ "/admin/phonebook/" (e.id) "/delete" } {
                                    (CsrfField(csrf))
                                    button.secondary type="submit" { "Remove" }
                                }
                            }
                        }
                    }
                    @if data.phonebook.is_empty() { tr { td colspan="3" { "No entries of your own yet." } } }
                }
            }
            form.inline method="post" action="/admin/phonebook" {
                (CsrfField(csrf))
                label for="pname" { "Name" } input id="pname" name="name" required maxlength=(phonebook_store::MAX_NAME_CHARS);
                label for="pnumber" { "Number" } input id="pnumber" name="number" required maxlength=(phonebook_store::MAX_NUMBER_CHARS) size="12";
                button type="submit" { "Add entry" }
            }
        }
        section #keys {
            h2 { "API keys" }
            form.inline method="post" action="/admin/keys" {
                (CsrfField(csrf))
                label for="kname" { "Name" } input id="kname" name="name" required maxlength="64";
                label for="kscope" { "Scope" }
                select id="kscope" name="scope" {
                    option value="read" { "read" }
                    option value="read-write" { "read-write" }
                    option value="admin" { "admin (users, every SIP password)" }
                }
                button type="submit" { "Create key" }
            }
            table.list {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Scope" } th scope="col" { "Created" } th scope="col" { "State" } th scope="col" { span.sr { "Actions" } } } }
                tbody {
                    @for k in &data.keys {
                        tr {
                            td { (k.name) } td { (k.scope.as_str()) }
                            td { (TimeTag { unix: k.created_at, offset }) }
                            td { @if k.revoked_at.is_some() { "revoked" } @else { "live" } }
                            td {
                                @if k.revoked_at.is_none() {
                                    form.inline method="post" action={ "/admin/keys/revoke" } {
                                        (CsrfField(csrf))
                                        input type="hidden" name="name" value=(k.name);
                                        button.secondary type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok((status, layout("Admin", &visitor, page_markup)).into_response())
}

/// GET /admin.
pub async fn show(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Query(query): Query<AdminQuery>,
) -> Result<Response, PageError> {
    render(&state, &admin, &query, None, StatusCode::OK).await
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    render(
        state,
        admin,
        &AdminQuery::default(),
        Some(Notice::error(text)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleInput {
    #[serde(default)]
    role: String,
}

/// POST /admin/users/{id}/role.
pub async fn set_role(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RoleInput>,
) -> Result<Response, PageError> {
    if id == admin.user.id {
        // An admin demoting themselves could leave nobody able to undo it.
        return refuse(&state, &admin, "You cannot change your own role.".into()).await;
    }
    let role = match Role::parse(&form.role) {
        Ok(r) => r,
        Err(e) => return refuse(&state, &admin, e.to_string()).await,
    };
    state
        .db
        .write(move |tx| users::set_role(tx, id, role))
        .await?;
    Ok(see_other("/admin#users"))
}

/// The enable/disable form.
#[derive(Debug, Deserialize)]
pub struct DisabledInput {
    #[serde(default)]
    disabled: String,
}

/// POST /admin/users/{id}/disabled.
pub async fn set_disabled(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<DisabledInput>,
) -> Result<Response, PageError> {
    if id == admin.user.id {
        return refuse(&state, &admin, "You cannot disable yourself.".into()).await;
    }
    let disabled = form.disabled == "yes";
    state
        .db
        .write(move |tx| users::set_disabled(tx, id, disabled))
        .await?;
    Ok(see_other("/admin#users"))
}

/// The extension edit form.
#[derive(Debug, Deserialize)]
pub struct EditInput {
    #[serde(default)]
    name: String,
    public: Option<String>,
}

/// POST /admin/ext/{number}/edit.
pub async fn edit_extension(
    State(state): State<AppState>,
    Admin(admin): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<EditInput>,
) -> Result<Response, PageError> {
    let name = match accounts::display_name(&form.name) {
        Ok(n) => n,
        Err(e) => return refuse(&state, &admin, e.to_string()).await,
    };
    let public = form.public.is_some();
    state
        .db
        .write(move |tx| extensions::update(tx, number.as_str(), &name, public))
        .await?;
    Ok(see_other("/admin#extensions"))
}

/// POST /admin/ext/{number}/release.
pub async fn release(
    State(state): State<AppState>,
    Admin(_): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    handset_ops::unbind(&state, number.as_str()).await?;
    Ok(see_other("/admin#extensions"))
}

/// The delete form with its confirmation box.
#[derive(Debug, Deserialize)]
pub struct DeleteInput {
    #[serde(default)]
    confirm: String,
}

/// POST /admin/ext/{number}/delete.
pub async fn delete_extension(
    State(state): State<AppState>,
    Admin(admin): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<DeleteInput>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        return refuse(
            &state,
            &admin,
            "Nothing was deleted: tick the box to confirm first.".into(),
        )
        .await;
    }
    let settings = state.settings.clone();
    state
        .db
        .write(move |tx| extensions::delete(tx, &settings, number.as_str()))
        .await?;
    Ok(see_other("/admin#extensions"))
}

/// The add-range form.
#[derive(Debug, Deserialize)]
pub struct RangeInput {
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
}

/// POST /admin/ranges.
pub async fn add_range(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<RangeInput>,
) -> Result<Response, PageError> {
    let range = match Range::parse(&form.first, &form.last) {
        Ok(r) => r,
        Err(e) => return refuse(&state, &admin, e).await,
    };
    state
        .db
        .write(move |tx| numbering::add_range(tx, &range))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// POST /admin/ranges/{id}/delete.
pub async fn delete_range(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    state
        .db
        .write(move |tx| numbering::delete_range(tx, id))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// The reserve form.
#[derive(Debug, Deserialize)]
pub struct ReserveInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    reason: String,
}

/// POST /admin/reserved.
pub async fn reserve(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<ReserveInput>,
) -> Result<Response, PageError> {
    let number = match Number::parse(&form.number) {
        Ok(n) => n,
        Err(e) => return refuse(&state, &admin, e.to_string()).await,
    };
    let reason: String = form
        .reason
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    state
        .db
        .write(move |tx| numbering::reserve(tx, number.as_str(), &reason))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// POST /admin/reserved/{number}/delete.
pub async fn unreserve(
    State(state): State<AppState>,
    Admin(_): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    state
        .db
        .write(move |tx| numbering::unreserve(tx, number.as_str()))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// The per-user maximum form.
#[derive(Debug, Deserialize)]
pub struct MaxInput {
    #[serde(default)]
    max: String,
}

/// POST /admin/max.
pub async fn set_max(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<MaxInput>,
) -> Result<Response, PageError> {
    let max = match form.max.trim().parse::<u32>() {
        Ok(m) if m <= 100 => m,
        _ => {
            return refuse(
                &state,
                &admin,
                "The maximum is a whole number from 0 to 100.".into(),
            )
            .await
        }
    };
    state
        .db
        .write(move |tx| numbering::set_max_per_user(tx, max))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// The mint form.
#[derive(Debug, Deserialize)]
pub struct MintInput {
    #[serde(default)]
    count: String,
}

/// POST /admin/handsets: mints temporary handsets and shows their credentials once.
pub async fn mint_handsets(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<MintInput>,
) -> Result<Response, PageError> {
    let count: u32 = match form.count.trim().parse() {
        Ok(n) if (1..=200).contains(&n) => n,
        _ => return refuse(&state, &admin, "Mint 1 to 200 handsets at a time.".into()).await,
    };
    let plan = handsets::TemporaryPlan::from_settings(&state.settings);
    let minted = state
        .db
        .write(move |tx| {
            (0..count)
                .map(|_| handsets::create_temporary(tx, &plan))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let registrar = format!(
        "{}:{}",
        state.settings.sip.public_address, state.settings.sip.port
    );
    let table = html! {
        section.notice.ok role="status" {
            h2 { "New handset accounts (shown only now)" }
            p { "Registrar " code { (registrar) } ". Provision each handset with its username and password." }
            table.list {
                thead { tr { th scope="col" { "Number" } th scope="col" { "Username" } th scope="col" { "Password" } } }
                tbody {
                    @for h in &minted {
                        tr { td { (h.number) } td { code { (h.credentials.username) } } td { code { (h.credentials.password) } } }
                    }
                }
            }
        }
    };
    let response = render_with(
        &state,
        &admin,
        &AdminQuery::default(),
        None,
        Some(table),
        StatusCode::OK,
    )
    .await?;
    Ok(super::no_store(response))
}

/// POST /admin/handsets/{sip_username}/delete.
pub async fn delete_handset(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Path(sip_username): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let length = state.settings.numbering.token_length;
    state
        .db
        .write(move |tx| handsets::delete(tx, &sip_username, length))
        .await?;
    Ok(see_other("/admin#handsets"))
}

/// The key forms.
#[derive(Debug, Deserialize)]
pub struct KeyInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

/// POST /admin/keys: creates a key and shows it once.
pub async fn create_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<KeyInput>,
) -> Result<Response, PageError> {
    let Some(scope) = api_keys::Scope::parse(&form.scope) else {
        return refuse(
            &state,
            &admin,
            "The scope is read, read-write or admin.".into(),
        )
        .await;
    };
    let name = form.name.trim().to_string();
    let n = name.clone();
    let key = match state
        .db
        .write(move |tx| api_keys::create(tx, &n, scope))
        .await
    {
        Ok(k) => k,
        Err(crate::db::DbError::Refused(m)) => return refuse(&state, &admin, m).await,
        Err(e) => return Err(e.into()),
    };
    let shown = html! {
        section.notice.ok role="status" {
            h2 { "API key " (name) " (shown only now)" }
            p { "Give it to the service as " code { "Authorization: Bearer <key>" } ". Only a hash is stored." }
            p { code { (key) } }
        }
    };
    let response = render_with(
        &state,
        &admin,
        &AdminQuery::default(),
        None,
        Some(shown),
        StatusCode::OK,
    )
    .await?;
    Ok(super::no_store(response))
}

/// POST /admin/keys/revoke.
pub async fn revoke_key(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    CsrfForm(form): CsrfForm<KeyInput>,
) -> Result<Response, PageError> {
    let name = form.name;
    state
        .db
        .write(move |tx| api_keys::revoke(tx, &name))
        .await?;
    Ok(see_other("/admin#keys"))
}

/// The phonebook entry form.
#[derive(Debug, Deserialize)]
pub struct PhonebookEntryInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    number: String,
}

/// POST /admin/phonebook: adds an admin-defined phonebook entry.
pub async fn add_phonebook_entry(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<PhonebookEntryInput>,
) -> Result<Response, PageError> {
    let added = state
        .db
        .write(move |tx| phonebook_store::add_service_entry(tx, &form.name, &form.number))
        .await;
    match added {
        Ok(_) => Ok(see_other("/admin#phonebook")),
        Err(DbError::Refused(text)) => refuse(&state, &admin, text).await,
        Err(e) => Err(e.into()),
    }
}

/// POST /admin/phonebook/{id}/delete.
pub async fn delete_phonebook_entry(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    // A mangled link gets the friendly "not found" page, not axum's plain-text rejection.
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    state
        .db
        .write(move |tx| phonebook_store::delete_service_entry(tx, id))
        .await?;
    Ok(see_other("/admin#phonebook"))
}

/// The desk form.
#[derive(Debug, Deserialize)]
pub struct DeskInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

/// POST /admin/desks: an admin claims an emergency or help-desk number (or any other) as an
/// extension of their own; the claim rules decide what an admin may take.
pub async fn claim_desk(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<DeskInput>,
) -> Result<Response, PageError> {
    let Some(kind) = ExtensionKind::parse(form.kind.trim()) else {
        return refuse(&state, &admin, "Choose a SIP phone or a handset.".into()).await;
    };
    let name = match accounts::display_name(form.name.trim()) {
        Ok(n) => n,
        Err(e) => return refuse(&state, &admin, e.to_string()).await,
    };
    let new = extensions::NewExtension {
        owner_id: Some(admin.user.id),
        number: form.number.trim().to_string(),
        name,
        kind,
        public: true,
        authority: Authority::Admin,
    };
    let settings = state.settings.clone();
    let number = new.number.clone();
    let created = state
        .db
        .write(move |tx| extensions::create(tx, &settings, &new))
        .await?;
    let created = match created {
        Ok(c) => c,
        Err(rule) => return refuse(&state, &admin, rule.to_string()).await,
    };
    tracing::info!(admin = %admin.user.username, %number, "desk set up");
    let once = html! {
        section.notice.ok role="status" {
            h2 { "Desk " (number) " set up (shown only now)" }
            @match &created {
                extensions::Created::Sip(c) => p {
                    "SIP username " code { (c.username) } ", password " code { (c.password) } "."
                },
                extensions::Created::Handset { token } => p {
                    "Dial " code { (state.settings.codes.register) (token) } " from the desk's handset to bind it."
                },
            }
        }
    };
    let response = render_with(
        &state,
        &admin,
        &AdminQuery::default(),
        None,
        Some(once),
        StatusCode::OK,
    )
    .await?;
    Ok(super::no_store(response))
}
