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

use super::{helper, page, role_name};
use crate::db::extensions::ExtensionKind;
use crate::service::extensions::ExtensionError;
use crate::service::helpdesk::{self as helpdesk_service, ExtensionDetail};
use crate::tr;
use crate::web::auth::{CsrfForm, Helpdesk, LoggedIn, Visitor};
use crate::web::components::{CopyField, CsrfField, Notice, TimeTag};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::failure::Failure;
use crate::web::i18n::Tr;
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
    let t = Visitor::of(&user).tr();
    let outcome =
        helpdesk_service::new_token(&state.db, &state.settings, helper(&user), number.as_str())
            .await
            .map(|_| tr!(t, "helpdesk-done-token", number = number.as_str()))
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
    let t = Visitor::of(&user).tr();
    let outcome = helpdesk_service::new_sip_password(&state.db, helper(&user), number.as_str())
        .await
        .map(|_| tr!(t, "helpdesk-done-password", number = number.as_str()))
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
    let t = Visitor::of(&user).tr();
    let outcome =
        helpdesk_service::unbind(&state.db, &state.settings, helper(&user), number.as_str())
            .await
            .map(|temporary| {
                let temporary = temporary.to_string();
                tr!(
                    t,
                    "helpdesk-done-unbind",
                    number = number.as_str(),
                    temporary = temporary
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
    let t = Visitor::of(&user).tr();
    let outcome =
        helpdesk_service::hand_out(&state.db, helper(&user), number.as_str(), &form.loaner)
            .await
            .map(|handset| {
                let handset = handset.to_string();
                tr!(
                    t,
                    "helpdesk-done-hand-out",
                    number = number.as_str(),
                    loaner = handset
                )
            })
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
    let t = Visitor::of(&user).tr();
    if form.confirm != "yes" {
        let why = tr!(t, "helpdesk-release-not-confirmed");
        return super::loaners::list_page(&state, &user, Some(Notice::error(why))).await;
    }
    helpdesk_service::release_handset(&state.db, &state.settings, helper(&user), &sip_username)
        .await?;
    let done = Notice::ok(tr!(t, "helpdesk-done-release"));
    super::loaners::list_page(&state, &user, Some(done)).await
}

fn render(
    state: &AppState,
    user: &LoggedIn,
    detail: &ExtensionDetail,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let t = Visitor::of(user).tr();
    let body = card(state, t, &user.csrf, detail, notice);
    let title = tr!(t, "helpdesk-ext-title", number = detail.ext.number.as_str());
    // The page shows a token or SIP password.
    no_store(page(user, &title, body, status))
}

fn card(
    state: &AppState,
    t: Tr,
    csrf: &str,
    d: &ExtensionDetail,
    notice: Option<Notice>,
) -> Markup {
    let s = &state.settings;
    let offset = s.utc_offset();
    let now = crate::db::now();
    let ext = &d.ext;
    let n = &ext.number;
    html! {
        @if let Some(notice) = notice { (notice) }
        p { a href="/helpdesk" { (tr!(t, "helpdesk-back")) } }
        section.card id={ "ext-" (n) } {
            h2 { (n) " " span.name { (ext.name) } }
            p.meta {
                span.badge { @match ext.kind { ExtensionKind::Sip => (tr!(t, "helpdesk-badge-sip")), ExtensionKind::Handset => (tr!(t, "helpdesk-badge-handset")), ExtensionKind::Group => (tr!(t, "helpdesk-badge-group")), ExtensionKind::Conference => (tr!(t, "helpdesk-badge-conference")) } }
                " " span.badge { @if ext.public { (tr!(t, "helpdesk-badge-listed")) } @else { (tr!(t, "helpdesk-unlisted")) } }
            }
            p {
                (tr!(t, "helpdesk-owner-label")) " "
                @match &d.owner {
                    Some(o) => {
                        strong { (o.username) } " "
                        @if o.disabled {
                            (tr!(t, "helpdesk-owner-disabled", name = &o.display_name, role = role_name(t, o.role)))
                        } @else {
                            (tr!(t, "helpdesk-owner-details", name = &o.display_name, role = role_name(t, o.role)))
                        }
                    }
                    None => (tr!(t, "helpdesk-owner-nobody")),
                }
            }
            @if ext.kind != ExtensionKind::Group {
                @let current: Vec<_> = d.contacts.iter().filter(|c| c.expiration_time > now).collect();
                @if current.is_empty() {
                    p.meta { span.badge.offline { (tr!(t, "helpdesk-not-registered")) } }
                } @else {
                    p.meta { span.badge.online { (tr!(t, "helpdesk-registered")) } }
                    @for c in current {
                        p.small { @if !c.user_agent.is_empty() { (c.user_agent) " " } (tr!(t, "helpdesk-until")) " " (TimeTag { unix: c.expiration_time, offset }) }
                    }
                }
            }
            @match ext.kind {
                ExtensionKind::Sip => {
                    div.creds {
                        (CopyField { label: &tr!(t, "helpdesk-registrar"), value: &format!("{}:{}", s.sip.public_address, s.sip.port), id: format!("reg-{n}") })
                        (CopyField { label: &tr!(t, "helpdesk-username"), value: ext.device_id.as_deref().unwrap_or(""), id: format!("user-{n}") })
                        (CopyField { label: &tr!(t, "helpdesk-password"), value: d.sip_password.as_deref().unwrap_or(""), id: format!("pw-{n}") })
                    }
                    form method="post" action={ "/helpdesk/ext/" (n) "/password" } {
                        (CsrfField(csrf))
                        p.small { (tr!(t, "helpdesk-password-warning")) }
                        button type="submit" { (tr!(t, "helpdesk-new-password")) }
                    }
                }
                ExtensionKind::Handset => {
                    @if let (Some(device), Some(bound)) = (&ext.device_id, ext.bound_at) {
                        dl {
                            dt { (tr!(t, "helpdesk-bound-handset")) } dd { code { (device) } }
                            dt { (tr!(t, "helpdesk-bound-since")) } dd { (TimeTag { unix: bound, offset }) }
                        }
                        form.inline method="post" action={ "/helpdesk/ext/" (n) "/unbind" } {
                            (CsrfField(csrf))
                            button type="submit" { (tr!(t, "helpdesk-unbind")) }
                        }
                        details {
                            summary { (tr!(t, "helpdesk-release-for-good")) }
                            form method="post" action={ "/helpdesk/handsets/" (device) "/release" } {
                                (CsrfField(csrf))
                                label.choice { input type="checkbox" name="confirm" value="yes" required; " " (tr!(t, "helpdesk-release-confirm", handset = device.as_str())) }
                                button.danger type="submit" { (tr!(t, "helpdesk-release")) }
                            }
                        }
                    } @else if let Some(token) = &ext.token {
                        p { (tr!(t, "helpdesk-no-handset")) }
                        (CopyField { label: &tr!(t, "helpdesk-digits"), value: &format!("{}{}", s.codes.register, token), id: format!("dial-{n}") })
                        (CopyField { label: &tr!(t, "helpdesk-token"), value: token, id: format!("token-{n}") })
                        form method="post" action={ "/helpdesk/ext/" (n) "/token" } {
                            (CsrfField(csrf))
                            button.secondary type="submit" { (tr!(t, "helpdesk-new-token")) }
                        }
                        form.inline method="post" action={ "/helpdesk/ext/" (n) "/hand-out" } {
                            (CsrfField(csrf))
                            label for={ "loaner-" (n) } { (tr!(t, "helpdesk-hand-out-label")) }
                            input id={ "loaner-" (n) } name="loaner" inputmode="numeric" pattern="[0-9]{1,15}" required autocomplete="off";
                            button type="submit" { (tr!(t, "helpdesk-hand-out")) }
                        }
                    }
                }
                ExtensionKind::Group => { p { (tr!(t, "helpdesk-group")) } }
                ExtensionKind::Conference => { p { (tr!(t, "helpdesk-conference")) } }
            }
        }
    }
}
