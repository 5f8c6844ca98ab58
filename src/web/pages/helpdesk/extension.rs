//! `/helpdesk/ext/{number}`: one extension as the help desk sees it (owner, registrations,
//! token or SIP credentials) and its forms: new token, new SIP password, unbind the handset,
//! release it for good. Opening the page is logged (it shows secrets); each form's answer is
//! the page again with what changed, shown without a second "looked" line.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};

use super::{helper, page};
use crate::db::extensions::ExtensionKind;
use crate::service::extensions::ExtensionError;
use crate::service::helpdesk::{self as helpdesk_service, ExtensionDetail};
use crate::web::auth::{CsrfForm, Helpdesk, LoggedIn};
use crate::web::components::{CopyField, CsrfField, Notice, TimeTag};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::failure::Failure;
use crate::web::pages::{no_store, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/helpdesk/ext/{number}", get(show))
        .route("/helpdesk/ext/{number}/token", post(new_token))
        .route("/helpdesk/ext/{number}/password", post(new_password))
        .route("/helpdesk/ext/{number}/unbind", post(unbind))
        .route("/helpdesk/ext/{number}/hand-out", post(hand_out))
        .route("/helpdesk/handsets/{sip_username}/release", post(release))
}

/// GET /helpdesk/ext/{number}.
pub async fn show(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    NumberPath(number, _): NumberPath,
) -> Result<Response, PageError> {
    let detail =
        helpdesk_service::open_extension(&state.db, helper(&user), number.as_str()).await?;
    Ok(render(&state, &user, &detail, None, StatusCode::OK))
}

/// The page after a form: the extension as it is now (read without a log line: the action's
/// own line covers it), with the notice; a refusal keeps its status from the failure table.
async fn after(
    state: &AppState,
    user: &LoggedIn,
    number: &str,
    outcome: Result<String, PageError>,
) -> Result<Response, PageError> {
    let (notice, status) = match outcome {
        Ok(text) => (Notice::ok(text), StatusCode::OK),
        Err(e) => {
            let (status, text) = e.into_refusal()?;
            if status == StatusCode::NOT_FOUND {
                return Err(PageError::Failed(Failure::not_found(text)));
            }
            (Notice::error(text), status)
        }
    };
    let lookup = number.to_string();
    let detail = state
        .db
        .read(move |c| helpdesk_service::read_extension(c, &lookup))
        .await
        .map_err(|e| match e {
            crate::db::DbError::NotFound => PageError::from(ExtensionError::NotFound),
            other => PageError::Db(other),
        })?;
    Ok(render(state, user, &detail, Some(notice), status))
}

/// POST /helpdesk/ext/{number}/token.
pub async fn new_token(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let outcome =
        helpdesk_service::new_token(&state.db, &state.settings, helper(&user), number.as_str())
            .await
            .map(|_| format!("{number} has a new token; the old one no longer binds."))
            .map_err(PageError::from);
    after(&state, &user, number.as_str(), outcome).await
}

/// POST /helpdesk/ext/{number}/password.
pub async fn new_password(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let outcome = helpdesk_service::new_sip_password(&state.db, helper(&user), number.as_str())
        .await
        .map(|_| format!("{number} has a new SIP password: enter it in the phone."))
        .map_err(PageError::from);
    after(&state, &user, number.as_str(), outcome).await
}

/// POST /helpdesk/ext/{number}/unbind.
pub async fn unbind(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let outcome =
        helpdesk_service::unbind(&state.db, &state.settings, helper(&user), number.as_str())
            .await
            .map(|temporary| {
                format!(
            "The handset of {number} is a loaner again, as {temporary}; {number} has a new token."
        )
            })
            .map_err(PageError::from);
    after(&state, &user, number.as_str(), outcome).await
}

/// The hand-out form: the loaner's temporary number, as printed on its card.
#[derive(Debug, serde::Deserialize)]
pub struct HandOutInput {
    #[serde(default)]
    loaner: String,
}

/// POST /helpdesk/ext/{number}/hand-out: binds a waiting loaner to this handset extension.
pub async fn hand_out(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<HandOutInput>,
) -> Result<Response, PageError> {
    let outcome =
        helpdesk_service::hand_out(&state.db, helper(&user), number.as_str(), &form.loaner)
            .await
            .map(|handset| format!("Loaner {handset} is {number} now: hand it over."))
            .map_err(PageError::from);
    after(&state, &user, number.as_str(), outcome).await
}

/// The release form: its ticked box is the confirmation that works without JavaScript.
#[derive(Debug, serde::Deserialize)]
pub struct ReleaseInput {
    #[serde(default)]
    confirm: String,
}

/// POST /helpdesk/handsets/{sip_username}/release: deletes a handset (bound or a waiting
/// loaner); a bound extension gets a fresh token. Answers with the loaners page.
pub async fn release(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    Path(sip_username): Path<String>,
    CsrfForm(form): CsrfForm<ReleaseInput>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        let why = "Nothing was released: tick the box to confirm first.";
        return super::loaners::list_page(&state, &user, Some(Notice::error(why))).await;
    }
    helpdesk_service::release_handset(&state.db, &state.settings, helper(&user), &sip_username)
        .await?;
    let done = Notice::ok("The handset is released: its credentials no longer work.");
    super::loaners::list_page(&state, &user, Some(done)).await
}

fn render(
    state: &AppState,
    user: &LoggedIn,
    detail: &ExtensionDetail,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let body = card(state, &user.csrf, detail, notice);
    let title = format!("Extension {}", detail.ext.number);
    // The page shows a token or SIP password.
    no_store(page(user, &title, body, status))
}

fn card(state: &AppState, csrf: &str, d: &ExtensionDetail, notice: Option<Notice>) -> Markup {
    let s = &state.settings;
    let offset = s.utc_offset();
    let now = crate::db::now();
    let ext = &d.ext;
    let n = &ext.number;
    html! {
        @if let Some(notice) = notice { (notice) }
        p { a href="/helpdesk" { "← Back to the search" } }
        section.card id={ "ext-" (n) } {
            h2 { (n) " " span.name { (ext.name) } }
            p.meta {
                span.badge { @match ext.kind { ExtensionKind::Sip => "SIP phone", ExtensionKind::Handset => "Handset", ExtensionKind::Group => "Group" } }
                " " span.badge { @if ext.public { "in the phonebook" } @else { "unlisted" } }
            }
            p {
                "Owner: "
                @match &d.owner {
                    Some(o) => { strong { (o.username) } " (" (o.display_name) ", " (o.role) @if o.disabled { ", disabled" } ")" }
                    None => "nobody",
                }
            }
            @if ext.kind != ExtensionKind::Group {
                @let current: Vec<_> = d.contacts.iter().filter(|c| c.expiration_time > now).collect();
                @if current.is_empty() {
                    p.meta { span.badge.offline { "not registered" } }
                } @else {
                    p.meta { span.badge.online { "registered" } }
                    @for c in current {
                        p.small { @if !c.user_agent.is_empty() { (c.user_agent) " " } "until " (TimeTag { unix: c.expiration_time, offset }) }
                    }
                }
            }
            @match ext.kind {
                ExtensionKind::Sip => {
                    div.creds {
                        (CopyField { label: "Registrar (server)", value: &format!("{}:{}", s.sip.public_address, s.sip.port), id: format!("reg-{n}") })
                        (CopyField { label: "Username", value: ext.device_id.as_deref().unwrap_or(""), id: format!("user-{n}") })
                        (CopyField { label: "Password", value: d.sip_password.as_deref().unwrap_or(""), id: format!("pw-{n}") })
                    }
                    form method="post" action={ "/helpdesk/ext/" (n) "/password" } {
                        (CsrfField(csrf))
                        p.small { "The phone stops working until the new password is entered." }
                        button type="submit" { "Make a new SIP password" }
                    }
                }
                ExtensionKind::Handset => {
                    @if let (Some(device), Some(bound)) = (&ext.device_id, ext.bound_at) {
                        p { "Handset " code { (device) } " is bound since " (TimeTag { unix: bound, offset }) "." }
                        form.inline method="post" action={ "/helpdesk/ext/" (n) "/unbind" } {
                            (CsrfField(csrf))
                            button type="submit" { "Unbind: the handset becomes a loaner again" }
                        }
                        details {
                            summary { "Release the handset for good…" }
                            form method="post" action={ "/helpdesk/handsets/" (device) "/release" } {
                                (CsrfField(csrf))
                                label.choice { input type="checkbox" name="confirm" value="yes" required; " Yes, delete handset " (device) }
                                button.danger type="submit" { "Release" }
                            }
                        }
                    } @else if let Some(token) = &ext.token {
                        p { "No handset yet. On the handset, dial:" }
                        (CopyField { label: "Digits to dial", value: &format!("{}{}", s.codes.register, token), id: format!("dial-{n}") })
                        (CopyField { label: "Token", value: token, id: format!("token-{n}") })
                        form method="post" action={ "/helpdesk/ext/" (n) "/token" } {
                            (CsrfField(csrf))
                            button.secondary type="submit" { "New token" }
                        }
                        form.inline method="post" action={ "/helpdesk/ext/" (n) "/hand-out" } {
                            (CsrfField(csrf))
                            label for={ "loaner-" (n) } { "Or hand out a loaner: its temporary number" }
                            input id={ "loaner-" (n) } name="loaner" inputmode="numeric" pattern="[0-9]{1,15}" required autocomplete="off";
                            button type="submit" { "Hand out" }
                        }
                    }
                }
                ExtensionKind::Group => { p { "A group: calls to it ring its members. It has no phone of its own." } }
            }
        }
    }
}
