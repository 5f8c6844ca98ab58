//! `/account`: my extensions. Claim a number, read the SIP credentials or the handset token,
//! rename, list or unlist, new password or token, release, delete; forwarding, do-not-disturb,
//! call waiting and the route table (`routing.rs`); groups, invitations and memberships
//! (`groups.rs`); the browser phone (`phone.rs`).

pub(super) mod calls;
mod cards;
mod conference;
mod groups;
mod memberships;
mod phone;
pub(super) mod routing;
mod status_stream;

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde::Deserialize;

use crate::db::extensions::{self, Extension, ExtensionKind, Filter};
use crate::db::pjsip;
use crate::db::routing as routing_store;
use crate::db::{numbering, DbError};
use crate::domain::{accounts, Number};
use crate::service::extensions::{self as extension_service, Actor, Claim, ClaimError, Owner};
use crate::service::routing::{self as routing_service, RouteChangeError};
use crate::tr;
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::components::{layout, Notice};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::i18n::Tr;
use crate::web::live_view::LiveSource;
use crate::web::pages::{no_store, see_other, Empty};
use crate::web::state::AppState;
use cards::{ClaimForm, ExtensionCard, ExtensionView};
use groups::{CreateGroupForm, GroupView};
use memberships::MyGroups;
use routing::RouteView;

/// The live registry, for the phones' registration state in the route tables.
pub(in crate::web::pages) type LiveHandle = axum::Extension<Arc<dyn LiveSource>>;

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
        .route("/account/ext/{number}/take-back", post(take_back))
        .route("/account/ext/{number}/delete", post(delete))
        .merge(routing::routes())
        .merge(groups::routes())
        .merge(memberships::routes())
        .merge(phone::routes())
        .merge(conference::routes())
}

struct AccountData {
    extensions: Vec<ExtensionView>,
    invitations: Vec<(routing_store::Invitation, String)>,
    memberships: Vec<routing_store::Membership>,
    suggestions: Vec<String>,
    max: u32,
    ranges: String,
    calls: Vec<crate::db::history::HistoryEntry>,
}

/// `?done=...&n=...` after a successful post: which confirmation to show.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
    n: Option<String>,
}

impl Done {
    fn notice(&self, t: Tr) -> Option<Notice> {
        // Only fixed texts and a digits-only number are echoed back: no reflected user text.
        let n = self.n.as_deref().and_then(|n| Number::parse(n).ok());
        let n = n.as_ref().map_or("", Number::as_str);
        let text = match self.done.as_deref()? {
            "claimed" => tr!(t, "account-done-claimed", number = n),
            "taken-back" => tr!(t, "account-done-taken-back", number = n),
            "saved" => tr!(t, "account-done-saved", number = n),
            "password" => tr!(t, "account-done-password", number = n),
            "deleted" => tr!(t, "account-done-deleted", number = n),
            "routing" => tr!(t, "account-done-routing", number = n),
            "group" => tr!(t, "account-done-group", number = n),
            "members" => tr!(t, "account-done-members", number = n),
            "invited" => tr!(t, "account-done-invited", number = n),
            "joined" => tr!(t, "account-done-joined", number = n),
            "declined" => tr!(t, "account-done-declined", number = n),
            "paused" => tr!(t, "account-done-paused", number = n),
            "resumed" => tr!(t, "account-done-resumed", number = n),
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
async fn load(
    state: &AppState,
    user_id: i64,
    live: &dyn LiveSource,
) -> Result<AccountData, PageError> {
    let settings = state.settings.clone();
    let endpoints = live.endpoints();
    let group_endpoints = endpoints.clone();
    let mut data = state
        .db
        .read(move |c| {
            let list = owned_extensions(c, user_id)?;
            let numbers = list.iter().map(|e| e.number.clone()).collect();
            let recent_calls = calls::recent(c, numbers)?;
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
                let group = match ext.kind {
                    ExtensionKind::Group => Some(groups::read_group(c, &ext.number)?),
                    _ => None,
                };
                views.push((
                    ExtensionView {
                        ext,
                        password,
                        contacts,
                        route: None,
                        group: None,
                    },
                    group,
                ));
            }
            let views = views
                .into_iter()
                .map(|(mut view, group)| {
                    view.group = group.map(|g| GroupView::new(g, &group_endpoints));
                    view
                })
                .collect();
            let plan = numbering::plan(c, &settings)?;
            Ok(AccountData {
                extensions: views,
                invitations: routing_store::invitations_for_owner(c, user_id)?,
                memberships: routing_store::memberships_for_owner(c, user_id)?,
                suggestions: plan.suggest_free(6),
                max: plan.max_per_user,
                ranges: plan.describe_ranges(),
                calls: recent_calls,
            })
        })
        .await?;
    // The compiled plan of each, as Asterisk executes it; a number without one (there is
    // none before its first recompile) simply shows no route table.
    for view in &mut data.extensions {
        match routing_service::route(&state.db, &view.ext.number).await {
            Ok(plan) => view.route = Some(RouteView::new(plan, &endpoints)),
            Err(RouteChangeError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(data)
}

/// A refused form: the account page again with the reason above it and the status of the
/// failure table; storage trouble (500) answers with the error page instead.
pub(super) async fn refused(
    state: &AppState,
    user: &LoggedIn,
    live: &LiveHandle,
    why: PageError,
) -> Result<Response, PageError> {
    let (status, message) = why.into_refusal()?;
    render(state, user, live, Some(Notice::error(message)), status).await
}

async fn render(
    state: &AppState,
    user: &LoggedIn,
    live: &LiveHandle,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, PageError> {
    render_with(state, user, live, notice, status, None).await
}

/// Like [`render`], with the claim form filled in as the person left it.
async fn render_with(
    state: &AppState,
    user: &LoggedIn,
    live: &LiveHandle,
    notice: Option<Notice>,
    status: StatusCode,
    draft: Option<&ClaimInput>,
) -> Result<Response, PageError> {
    let data = load(state, user.user.id, live.0.as_ref()).await?;
    let own: Vec<&Extension> = data
        .extensions
        .iter()
        .map(|v| &v.ext)
        .filter(|e| e.kind.has_device())
        .collect();
    let phones = phone::Phones::load(state, own.iter().map(|e| (*e).clone()).collect()).await?;
    let visitor = Visitor::of(user);
    let s = &state.settings;
    let page = layout(
        &tr!(visitor.tr(), "account-title"),
        &visitor,
        html! {
            @let t = visitor.tr();
            @if let Some(n) = notice { (n) }
            @if data.extensions.is_empty() {
                p { (tr!(t, "account-none-yet")) }
            }
            // The texts app.js shows: the stream's state (`{at}` is the time of what is shown)
            // and the copy buttons' confirmation.
            div #extensions data-status-stream="/account/stream"
                data-stream-stopped=(tr!(t, "account-stream-stopped", at = "{at}"))
                data-stream-interrupted=(tr!(t, "account-stream-interrupted", at = "{at}"))
                data-copied=(tr!(t, "account-copied")) {
                @for view in &data.extensions {
                    (ExtensionCard { t, view, settings: s, csrf: &user.csrf, own: &own })
                }
            }
            (phones.section(&user.csrf))
            (calls::RecentCalls { t, calls: &data.calls, offset: s.utc_offset() })
            (MyGroups { t, invitations: &data.invitations, memberships: &data.memberships, csrf: &user.csrf })
            @if u32::try_from(data.extensions.len()).unwrap_or(u32::MAX) < data.max {
                (ClaimForm {
                    t,
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
                (CreateGroupForm { t, csrf: &user.csrf })
                (conference::CreateRoomForm { csrf: &user.csrf })
            } @else {
                p.small { (tr!(t, "account-at-most", count = data.max)) }
            }
            p.small { a href="/account/password" { (tr!(t, "account-change-password")) } }
        },
    );
    Ok(no_store((status, page).into_response()))
}

/// GET /account.
pub async fn show(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let notice = done.notice(Visitor::of(&user).tr());
    render(&state, &user, &live, notice, StatusCode::OK).await
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
    t: Tr,
    form: &ClaimInput,
    default_name: &str,
) -> Result<(String, ExtensionKind, String), String> {
    // A clicked suggestion wins over whatever is in the text field.
    let number = match form.pick.trim() {
        "" => form.number.trim(),
        picked => picked,
    };
    if number.is_empty() {
        return Err(tr!(t, "account-claim-no-number"));
    }
    let kind = ExtensionKind::parse(&form.kind)
        // A group or room made here would be one by accident: they have their own forms.
        .filter(|k| k.has_device())
        .ok_or_else(|| tr!(t, "account-claim-no-kind"))?;
    let name = match form.name.trim() {
        "" => default_name,
        typed => typed,
    };
    let name = accounts::display_name(name).map_err(|e| crate::web::failure::for_page(&e))?;
    Ok((number.to_string(), kind, name))
}

/// POST /account/claim.
pub async fn claim(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    CsrfForm(form): CsrfForm<ClaimInput>,
) -> Result<Response, PageError> {
    let t = Visitor::of(&user).tr();
    let (number, kind, name) = match parse_claim(t, &form, &user.user.display_name) {
        Ok(parsed) => parsed,
        Err(problem) => {
            let notice = Some(Notice::error(problem));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_with(&state, &user, &live, notice, status, Some(&form)).await;
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
            let notice = Some(Notice::error(crate::web::failure::for_page(&rule)));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_with(&state, &user, &live, notice, status, Some(&form)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The user as the one acting on their own extensions: the service answers someone else's
/// number exactly like a missing one.
pub(super) fn own(user: &LoggedIn) -> Actor {
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
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<EditInput>,
) -> Result<Response, PageError> {
    let name = match accounts::display_name(&form.name) {
        Ok(n) => n,
        Err(e) => {
            return render(
                &state,
                &user,
                &live,
                Some(Notice::error(crate::web::failure::for_page(&e))),
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

/// POST /account/ext/{number}/take-back: keeps a number held from the last event.
pub async fn take_back(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    match extension_service::take_back(&state.db, number.as_str(), user.user.id).await {
        Ok(()) => Ok(see_other(&format!(
            "/account?done=taken-back&n={number}#ext-{number}"
        ))),
        Err(extension_service::ExtensionError::NotFound) => {
            let text = tr!(
                Visitor::of(&user).tr(),
                "account-not-held",
                number = number.as_str()
            );
            render(
                &state,
                &user,
                &live,
                Some(Notice::error(text)),
                StatusCode::NOT_FOUND,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
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
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<DeleteInput>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        return render(
            &state,
            &user,
            &live,
            Some(Notice::error(tr!(
                Visitor::of(&user).tr(),
                "account-delete-unconfirmed"
            ))),
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
        let t = Tr::default();
        let text = done("claimed", "4711")
            .notice(t)
            .unwrap()
            .render()
            .into_string();
        assert!(text.contains("4711 is yours"));
        let text = done("claimed", "<script>")
            .notice(t)
            .unwrap()
            .render()
            .into_string();
        assert!(!text.contains("script"));
        assert!(done("anything", "4711").notice(t).is_none());
        let german = done("claimed", "4711")
            .notice(Tr::new(crate::domain::lang::Lang::De))
            .unwrap()
            .render()
            .into_string();
        assert!(german.contains("4711 gehört dir"), "{german}");
    }
}
