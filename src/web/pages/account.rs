//! `/account`: my extensions. Claim a number, read the SIP credentials or the handset token,
//! rename, list or unlist, new password or token, release, delete.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, Render};
use serde::Deserialize;

use crate::config::Settings;
use crate::db::extensions::{self, Extension, ExtensionKind, Filter, NewExtension};
use crate::db::pjsip::{self, Contact};
use crate::db::{self, handsets, numbering, DbError};
use crate::domain::{accounts, Number};
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::components::{layout, CopyField, CsrfField, Notice, TimeTag};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::live_view::{DeviceStatus, LiveSource};
use crate::web::pages::{no_store, see_other, Empty};
use crate::web::sse_access::{self, Holder};
use crate::web::state::AppState;

/// One extension with what its card shows.
#[derive(Debug, Clone)]
pub struct ExtensionView {
    /// The extension.
    pub ext: Extension,
    /// The SIP password, for SIP extensions.
    pub password: Option<String>,
    /// Current registrations of its device.
    pub contacts: Vec<Contact>,
}

struct AccountData {
    extensions: Vec<ExtensionView>,
    suggestions: Vec<String>,
    max: u32,
    ranges: String,
}

/// `?done=...&n=...` after a successful post: which confirmation to show.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<String>,
}

impl Done {
    fn notice(&self) -> Option<Notice> {
        // Only fixed texts and a digits-only number are echoed back: no reflected user text.
        let n = self.n.as_deref().and_then(|n| Number::parse(n).ok());
        let n = n.as_ref().map_or("", Number::as_str);
        let text = match self.done.as_deref()? {
            "claimed" => format!("{n} is yours. The details are below."),
            "saved" => format!("Saved the changes to {n}."),
            "password" => format!(
                "{n} has a new SIP password. Enter it in your phone: the old one no longer works."
            ),
            "deleted" => format!("{n} is deleted."),
            _ => return None,
        };
        Some(Notice::ok(text))
    }
}

/// One person's extensions (a person has at most the per-user maximum, far below 100).
fn owned_extensions(c: &rusqlite::Connection, user_id: i64) -> Result<Vec<Extension>, DbError> {
    let filter = Filter {
        owner_id: Some(user_id),
        ..Filter::default()
    };
    Ok(extensions::list(c, &filter, 100, 0)?.0)
}

/// Loads everything the page shows for one user, in one read.
async fn load(state: &AppState, user_id: i64) -> Result<AccountData, PageError> {
    let settings = state.settings.clone();
    Ok(state
        .db
        .read(move |c| {
            let list = owned_extensions(c, user_id)?;
            let mut views = Vec::with_capacity(list.len());
            for ext in list {
                let (password, contacts) = match &ext.device_id {
                    Some(d) => (
                        if ext.kind == ExtensionKind::Sip {
                            extensions::sip_password(c, d)?
                        } else {
                            None
                        },
                        pjsip::contacts(c, d)?,
                    ),
                    None => (None, Vec::new()),
                };
                views.push(ExtensionView {
                    ext,
                    password,
                    contacts,
                });
            }
            let plan = numbering::plan(c, &settings)?;
            Ok(AccountData {
                extensions: views,
                suggestions: plan.suggest_free(6),
                max: plan.max_per_user,
                ranges: plan.describe_ranges(),
            })
        })
        .await?)
}

async fn render(
    state: &AppState,
    user: &LoggedIn,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, PageError> {
    render_with(state, user, notice, status, None).await
}

/// Like [`render`], with the claim form filled in as the person left it.
async fn render_with(
    state: &AppState,
    user: &LoggedIn,
    notice: Option<Notice>,
    status: StatusCode,
    draft: Option<&ClaimInput>,
) -> Result<Response, PageError> {
    let data = load(state, user.user.id).await?;
    let visitor = Visitor {
        user: Some(user.clone()),
        csrf: user.csrf.clone(),
    };
    let s = &state.settings;
    let page = layout(
        "My extensions",
        &visitor,
        html! {
            @if let Some(n) = notice { (n) }
            @if data.extensions.is_empty() {
                p { "You have no extension yet. Claim a number below." }
            }
            div #extensions data-status-stream="/account/stream" {
                @for view in &data.extensions {
                    (ExtensionCard { view, settings: s, csrf: &user.csrf })
                }
            }
            @if u32::try_from(data.extensions.len()).unwrap_or(u32::MAX) < data.max {
                (ClaimForm {
                    csrf: &user.csrf,
                    suggestions: &data.suggestions,
                    ranges: &data.ranges,
                    number: draft.map_or("", |d| d.number.as_str()),
                    handset: draft.is_some_and(|d| d.kind == "handset"),
                    name: draft
                        .map(|d| d.name.as_str())
                        .filter(|n| !n.is_empty())
                        .unwrap_or(&user.user.display_name),
                    public: draft.is_none_or(|d| d.public.is_some()),
                })
            } @else {
                p.small { "You have " (data.max) " extension(s), the most one person may have." }
            }
            p.small { a href="/account/password" { "Change your password" } }
        },
    );
    Ok(no_store((status, page).into_response()))
}

/// GET /account.
pub async fn show(
    State(state): State<AppState>,
    user: LoggedIn,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    render(&state, &user, done.notice(), StatusCode::OK).await
}

struct ClaimForm<'a> {
    csrf: &'a str,
    suggestions: &'a [String],
    ranges: &'a str,
    number: &'a str,
    handset: bool,
    name: &'a str,
    public: bool,
}

impl Render for ClaimForm<'_> {
    fn render(&self) -> Markup {
        html! {
            section.card #claim {
                h2 { "Claim a number" }
                form.stack method="post" action="/account/claim" {
                    (CsrfField(self.csrf))
                    label for="number" { "Number" }
                    input id="number" name="number" inputmode="numeric" pattern="[0-9]{1,15}"
                        autocomplete="off" list="suggested-numbers" value=(self.number);
                    small { "Free numbers are in " (self.ranges) "." }
                    datalist id="suggested-numbers" {
                        @for n in self.suggestions { option value=(n) {} }
                    }
                    fieldset {
                        legend { "Phone" }
                        label.choice {
                            input type="radio" name="kind" value="sip" checked[!self.handset];
                            " SIP phone or app (I enter username and password)"
                        }
                        label.choice {
                            input type="radio" name="kind" value="handset" checked[self.handset];
                            " Handset (I register it by dialling a token)"
                        }
                    }
                    label for="claim-name" { "Name in the phonebook" }
                    input id="claim-name" name="name" maxlength="60" value=(self.name);
                    label.choice {
                        input type="checkbox" name="public" value="on" checked[self.public];
                        " List me in the public phonebook"
                    }
                    // The first submit button is the one Enter presses: claim the typed number.
                    button type="submit" { "Claim this number" }
                    @if !self.suggestions.is_empty() {
                        p.small { "Or take a free one:" }
                        p.suggestions {
                            @for n in self.suggestions {
                                button.secondary type="submit" name="pick" value=(n) { (n) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Online or offline, with the registered phones' user agents and until when they are
/// registered, or since when the device is offline.
struct RegistrationStatus<'a> {
    /// The device's stored registrations (Asterisk writes them on REGISTER).
    contacts: &'a [Contact],
    /// What Asterisk reports right now, when eventpbx is connected to it.
    live: Option<&'a DeviceStatus>,
    offset: time::UtcOffset,
    now: i64,
}

impl Render for RegistrationStatus<'_> {
    fn render(&self) -> Markup {
        let current: Vec<&Contact> = self
            .contacts
            .iter()
            .filter(|c| c.expiration_time > self.now)
            .collect();
        // Asterisk's word wins: a registered phone that stopped answering qualify is offline.
        let online = self.live.map_or(!current.is_empty(), |l| l.online);
        let offset = self.offset;
        html! {
            p.meta {
                @if online {
                    span.badge.online { "online" }
                } @else {
                    span.badge.offline { "offline" }
                    @if let Some(since) = self.live.and_then(|l| l.since) {
                        " " span.small { "since " (TimeTag { unix: since, offset }) }
                    }
                }
            }
            @if online {
                @for c in &current {
                    p.small {
                        "Registered"
                        @if !c.user_agent.is_empty() { " (" (c.user_agent) ")" }
                        " until " (TimeTag { unix: c.expiration_time, offset })
                    }
                }
            }
        }
    }
}

/// GET /account/stream: Server-Sent Events with the registration status of the visitor's
/// extensions, sent when the live registry reports a change of one of their devices. Each
/// `status` event is a JSON object from extension number to the HTML of its status block.
pub async fn stream(
    State(state): State<AppState>,
    user: LoggedIn,
    axum::Extension(live): axum::Extension<Arc<dyn LiveSource>>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, PageError> {
    // The extensions are fixed for the life of the page: claiming or deleting reloads it.
    let user_id = user.user.id;
    let devices: Vec<(String, String)> = state
        .db
        .read(move |c| {
            Ok(owned_extensions(c, user_id)?
                .into_iter()
                .filter_map(|e| Some((e.number, e.device_id?)))
                .collect())
        })
        .await?;
    let ids: Vec<String> = devices.iter().map(|(_, d)| d.clone()).collect();
    let offset = state.settings.utc_offset();
    let start = StatusStream {
        db: state.db.clone(),
        live: live.clone(),
        changes: live.subscribe(),
        devices,
        ids,
        offset,
        last: None,
    };
    let stream = futures_util::stream::unfold(start, |mut s| async move {
        loop {
            if s.last.is_some() {
                s.changes.changed().await.ok()?;
                // Let a burst of events settle (a REGISTER brings several).
                tokio::time::sleep(STATUS_SETTLE).await;
                s.changes.borrow_and_update();
            }
            let now_live = s.live.device_status(&s.ids);
            if s.last.as_ref() == Some(&now_live) {
                // A change elsewhere on the Asterisk: nothing to tell this page.
                continue;
            }
            // The stored contacts (user agent, expiry) are read only when a device changed.
            let ids = s.ids.clone();
            let contacts =
                s.db.read(move |c| {
                    ids.iter()
                        .map(|id| Ok((id.clone(), pjsip::contacts(c, id)?)))
                        .collect::<Result<HashMap<_, _>, DbError>>()
                })
                .await
                .unwrap_or_default();
            let now = db::now();
            let blocks: serde_json::Map<String, serde_json::Value> = s
                .devices
                .iter()
                .map(|(number, device)| {
                    let html = RegistrationStatus {
                        contacts: contacts.get(device).map(Vec::as_slice).unwrap_or_default(),
                        live: now_live.get(device),
                        offset: s.offset,
                        now,
                    }
                    .render()
                    .into_string();
                    (number.clone(), serde_json::Value::String(html))
                })
                .collect();
            s.last = Some(now_live);
            let event = Event::default()
                .event("status")
                .data(serde_json::Value::Object(blocks).to_string());
            return Some((Ok(event), s));
        }
    });
    // Ends with the daemon, so an open account page does not hold up a graceful shutdown, and
    // within seconds of a logout or the user being disabled.
    let holder = Holder::Session {
        id_hash: user.id_hash.clone(),
        min_role: accounts::Role::Attendee,
    };
    let ended = sse_access::ended(state.db.clone(), holder, state.stopping.clone());
    let stream = futures_util::StreamExt::take_until(stream, ended);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// How long a burst of registration events may take before the page hears of it.
const STATUS_SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// What the account stream carries from one event to the next.
struct StatusStream {
    db: db::Db,
    live: Arc<dyn LiveSource>,
    changes: tokio::sync::watch::Receiver<u64>,
    /// (extension number, device id) of the visitor's bound extensions.
    devices: Vec<(String, String)>,
    ids: Vec<String>,
    offset: time::UtcOffset,
    /// The live state last sent; None before the first event.
    last: Option<HashMap<String, DeviceStatus>>,
}

struct ExtensionCard<'a> {
    view: &'a ExtensionView,
    settings: &'a Settings,
    csrf: &'a str,
}

impl Render for ExtensionCard<'_> {
    fn render(&self) -> Markup {
        let ext = &self.view.ext;
        let n = &ext.number;
        let s = self.settings;
        let offset = s.utc_offset();
        let now = db::now();
        html! {
            section.card id={ "ext-" (n) } {
                h2 { (n) " " span.name { (ext.name) } }
                p.meta {
                    span.badge { @if ext.kind == ExtensionKind::Sip { "SIP phone" } @else { "Handset" } }
                    " "
                    span.badge { @if ext.public { "in the phonebook" } @else { "unlisted" } }
                }
                // Replaced in place by /account/stream when the registration changes.
                div.status id={ "status-" (n) } {
                    (RegistrationStatus { contacts: &self.view.contacts, live: None, offset, now })
                }
                @match ext.kind {
                    ExtensionKind::Sip => {
                        div.creds {
                            (CopyField { label: "Registrar (server)", value: &format!("{}:{}", s.sip.public_address, s.sip.port), id: format!("reg-{n}") })
                            p.small { "Transport: UDP or TCP." }
                            (CopyField { label: "Username", value: ext.device_id.as_deref().unwrap_or(""), id: format!("user-{n}") })
                            (CopyField { label: "Password", value: self.view.password.as_deref().unwrap_or(""), id: format!("pw-{n}") })
                        }
                        details {
                            summary { "New password…" }
                            form method="post" action={ "/account/ext/" (n) "/password" } {
                                (CsrfField(self.csrf))
                                p.small { "Your phone stops working until you enter the new password." }
                                button type="submit" { "Make a new password" }
                            }
                        }
                    }
                    ExtensionKind::Handset => {
                        @if let Some(bound) = ext.bound_at.filter(|_| ext.device_id.is_some()) {
                            p { "A handset is bound to this number since " (TimeTag { unix: bound, offset }) "." }
                            details {
                                summary { "Release handset…" }
                                form method="post" action={ "/account/ext/" (n) "/release" } {
                                    (CsrfField(self.csrf))
                                    p.small { "The handset gets a temporary number again; you get a new token." }
                                    button type="submit" { "Release the handset" }
                                }
                            }
                        } @else if let Some(token) = &ext.token {
                            p { "No handset yet. On the handset, dial:" }
                            (CopyField { label: "Digits to dial", value: &format!("{}{}", s.codes.register, token), id: format!("dial-{n}") })
                            p.small {
                                "Or dial " code { (s.codes.register) } ", wait for the prompt, "
                                "type the token and then #."
                            }
                            (CopyField { label: "Token", value: token, id: format!("token-{n}") })
                            form method="post" action={ "/account/ext/" (n) "/token" } {
                                (CsrfField(self.csrf))
                                button.secondary type="submit" { "New token" }
                            }
                        }
                    }
                }
                details {
                    summary { "Name and phonebook…" }
                    form.stack method="post" action={ "/account/ext/" (n) "/edit" } {
                        (CsrfField(self.csrf))
                        label for={ "name-" (n) } { "Name" }
                        input id={ "name-" (n) } name="name" required maxlength="60" value=(ext.name);
                        label.choice {
                            input type="checkbox" name="public" value="on" checked[ext.public];
                            " List in the public phonebook"
                        }
                        button type="submit" { "Save" }
                    }
                }
                details {
                    summary { "Delete…" }
                    form.stack method="post" action={ "/account/ext/" (n) "/delete" } {
                        (CsrfField(self.csrf))
                        label.choice {
                            input type="checkbox" name="confirm" value="yes" required;
                            " Yes, delete " (n) " and its phone's access for good"
                        }
                        button.danger type="submit" { "Delete " (n) }
                    }
                }
            }
        }
    }
}

/// The claim form.
#[derive(Debug, Deserialize)]
pub struct ClaimInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pick: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    public: Option<String>,
}

/// The number (typed or picked), kind and phonebook name of a claim, or what is missing.
fn parse_claim(
    form: &ClaimInput,
    default_name: &str,
) -> Result<(String, ExtensionKind, String), String> {
    // A clicked suggestion wins over whatever is in the text field.
    let number = match form.pick.trim() {
        "" => form.number.trim(),
        picked => picked,
    };
    if number.is_empty() {
        return Err("Type a number, or pick one of the free ones.".into());
    }
    let kind = ExtensionKind::parse(&form.kind).ok_or("Choose a SIP phone or a handset.")?;
    let name = match form.name.trim() {
        "" => default_name,
        typed => typed,
    };
    let name = accounts::display_name(name).map_err(|e| e.to_string())?;
    Ok((number.to_string(), kind, name))
}

/// POST /account/claim.
pub async fn claim(
    State(state): State<AppState>,
    user: LoggedIn,
    CsrfForm(form): CsrfForm<ClaimInput>,
) -> Result<Response, PageError> {
    let (number, kind, name) = match parse_claim(&form, &user.user.display_name) {
        Ok(parsed) => parsed,
        Err(problem) => {
            let notice = Some(Notice::error(problem));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_with(&state, &user, notice, status, Some(&form)).await;
        }
    };
    let new = NewExtension {
        owner_id: Some(user.user.id),
        number,
        name,
        kind,
        public: form.public.is_some(),
        authority: crate::domain::numbering::Authority::Attendee,
    };
    let settings = state.settings.clone();
    let wanted = new.number.clone();
    match state
        .db
        .write(move |tx| extensions::create(tx, &settings, &new))
        .await?
    {
        Ok(_) => Ok(see_other(&format!(
            "/account?done=claimed&n={wanted}#ext-{wanted}"
        ))),
        Err(rule) => {
            let notice = Some(Notice::error(rule.to_string()));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_with(&state, &user, notice, status, Some(&form)).await
        }
    }
}

/// Runs `f` on the user's own extension inside one transaction; someone else's number looks
/// exactly like a missing one.
async fn on_own<T, F>(
    state: &AppState,
    user: &LoggedIn,
    number: Number,
    f: F,
) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Transaction<'_>, &Extension) -> Result<T, DbError> + Send + 'static,
{
    let owner = user.user.id;
    Ok(state
        .db
        .write(move |tx| {
            let ext = extensions::get(tx, number.as_str())?;
            if ext.owner_id != Some(owner) {
                return Err(DbError::NotFound);
            }
            f(tx, &ext)
        })
        .await?)
}

/// The rename form.
#[derive(Debug, Deserialize)]
pub struct EditInput {
    #[serde(default)]
    name: String,
    public: Option<String>,
}

/// POST /account/ext/{number}/edit.
pub async fn edit(
    State(state): State<AppState>,
    user: LoggedIn,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<EditInput>,
) -> Result<Response, PageError> {
    let name = match accounts::display_name(&form.name) {
        Ok(n) => n,
        Err(e) => {
            return render(
                &state,
                &user,
                Some(Notice::error(e.to_string())),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let public = form.public.is_some();
    on_own(&state, &user, number.clone(), move |tx, ext| {
        extensions::update(tx, &ext.number, &name, public)
    })
    .await?;
    Ok(see_other(&format!(
        "/account?done=saved&n={number}#ext-{number}"
    )))
}

/// POST /account/ext/{number}/password.
pub async fn new_password(
    State(state): State<AppState>,
    user: LoggedIn,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    on_own(&state, &user, number.clone(), |tx, ext| {
        extensions::new_sip_password(tx, &ext.number)
    })
    .await?;
    Ok(see_other(&format!(
        "/account?done=password&n={number}#ext-{number}"
    )))
}

/// POST /account/ext/{number}/token.
pub async fn new_token(
    State(state): State<AppState>,
    user: LoggedIn,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let length = state.settings.numbering.token_length;
    on_own(&state, &user, number.clone(), move |tx, ext| {
        handsets::regenerate_token(tx, &ext.number, length)
    })
    .await?;
    Ok(see_other(&format!("/account#ext-{number}")))
}

/// POST /account/ext/{number}/release.
pub async fn release(
    State(state): State<AppState>,
    user: LoggedIn,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let plan = handsets::TemporaryPlan::from_settings(&state.settings);
    let length = state.settings.numbering.token_length;
    on_own(&state, &user, number.clone(), move |tx, ext| {
        handsets::unbind(tx, &ext.number, &plan, length)
    })
    .await?;
    Ok(see_other(&format!("/account#ext-{number}")))
}

/// The delete form: a ticked "yes" is the confirmation that works without JavaScript.
#[derive(Debug, Deserialize)]
pub struct DeleteInput {
    #[serde(default)]
    confirm: String,
}

/// POST /account/ext/{number}/delete.
pub async fn delete(
    State(state): State<AppState>,
    user: LoggedIn,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<DeleteInput>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        return render(
            &state,
            &user,
            Some(Notice::error(
                "Nothing was deleted: tick the box to confirm first.",
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let settings = state.settings.clone();
    on_own(&state, &user, number.clone(), move |tx, ext| {
        extensions::delete(tx, &settings, &ext.number)
    })
    .await?;
    Ok(see_other(&format!("/account?done=deleted&n={number}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmations_echo_only_digits() {
        let done = |d: &str, n: &str| Done {
            done: Some(d.into()),
            n: Some(n.into()),
        };
        let text = done("claimed", "4711")
            .notice()
            .unwrap()
            .render()
            .into_string();
        assert!(text.contains("4711 is yours"));
        let text = done("claimed", "<script>")
            .notice()
            .unwrap()
            .render()
            .into_string();
        assert!(!text.contains("script"));
        assert!(done("anything", "4711").notice().is_none());
    }
}
