//! `/account`: my extensions. Claim a number, read the SIP credentials or the handset token,
//! rename, list or unlist, new password or token, release, delete.

mod cards;
mod status_stream;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde::Deserialize;

use crate::db::extensions::{self, Extension, ExtensionKind, Filter};
use crate::db::pjsip;
use crate::db::{numbering, DbError};
use crate::domain::{accounts, Number};
use crate::service::extensions::{self as extension_service, Actor, Claim, ClaimError, Owner};
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::components::{layout, Notice};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::pages::{no_store, see_other, Empty};
use crate::web::state::AppState;
use cards::{ClaimForm, ExtensionCard, ExtensionView};

/// The routes of `/account` (the password page has its own, `pages::password`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/stream", get(status_stream::stream))
        .route("/account/claim", post(claim))
        .route("/account/ext/{number}/edit", post(edit))
        .route("/account/ext/{number}/password", post(new_password))
        .route("/account/ext/{number}/token", post(new_token))
        .route("/account/ext/{number}/release", post(release))
        .route("/account/ext/{number}/delete", post(delete))
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
    let wanted = number.clone();
    let request = Claim {
        owner: Owner::User(user.user.id),
        number,
        name,
        kind,
        public: form.public.is_some(),
        authority: crate::domain::numbering::Authority::Attendee,
        by_key: None,
    };
    match extension_service::claim(&state.db, state.settings.clone(), request).await {
        Ok(_) => Ok(see_other(&format!(
            "/account?done=claimed&n={wanted}#ext-{wanted}"
        ))),
        Err(ClaimError::Rule(rule)) => {
            let notice = Some(Notice::error(rule.to_string()));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_with(&state, &user, notice, status, Some(&form)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The user as the one acting on their own extensions: the service answers someone else's
/// number exactly like a missing one.
fn own(user: &LoggedIn) -> Actor {
    Actor::Owner(user.user.id)
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
    let public = Some(form.public.is_some());
    extension_service::update(&state.db, number.as_str(), Some(name), public, own(&user)).await?;
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
    extension_service::regenerate_sip_password(&state.db, number.as_str(), own(&user)).await?;
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
    extension_service::regenerate_token(&state.db, &state.settings, number.as_str(), own(&user))
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
    extension_service::unbind(&state.db, &state.settings, number.as_str(), own(&user)).await?;
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
    extension_service::delete(
        &state.db,
        state.settings.clone(),
        number.as_str(),
        own(&user),
    )
    .await?;
    Ok(see_other(&format!("/account?done=deleted&n={number}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use maud::Render;

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
