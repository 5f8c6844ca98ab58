//! Memberships on `/account`: the invitations waiting for the visitor's extensions (accept
//! or decline) and pausing or resuming a membership, by the member's owner or the group's.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::groups::done;
use super::{own, refused, LiveHandle};
use crate::db::routing::{Invitation, Membership};
use crate::service::routing as routing_service;
use crate::web::auth::{CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::extract::number_pair;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/ext/{group}/members/{member}/active", post(active))
        .route("/account/invitations/{group}/{member}/accept", post(accept))
        .route(
            "/account/invitations/{group}/{member}/decline",
            post(decline),
        )
}

/// Pause or resume one membership.
pub(super) struct ActiveToggle<'a> {
    pub(super) group: &'a str,
    pub(super) member: &'a str,
    pub(super) active: bool,
    pub(super) csrf: &'a str,
}

impl Render for ActiveToggle<'_> {
    fn render(&self) -> Markup {
        html! {
            form.inline method="post" action={ "/account/ext/" (self.group) "/members/" (self.member) "/active" } {
                (CsrfField(self.csrf))
                input type="hidden" name="on" value=(if self.active { "0" } else { "1" });
                @if self.active {
                    span.badge.online { "active" } " "
                    button.secondary type="submit" { "Pause" }
                } @else {
                    span.badge.offline { "paused" } " "
                    button.secondary type="submit" { "Resume" }
                }
            }
        }
    }
}

/// The invitations waiting for the visitor and the groups their extensions are in.
pub(super) struct MyGroups<'a> {
    pub(super) invitations: &'a [(Invitation, String)],
    pub(super) memberships: &'a [Membership],
    pub(super) csrf: &'a str,
}

impl Render for MyGroups<'_> {
    fn render(&self) -> Markup {
        let csrf = self.csrf;
        html! {
            @if !self.invitations.is_empty() {
                section.card #invitations {
                    h2 { "Invitations" }
                    @for (inv, group_name) in self.invitations {
                        @let (g, m) = (&inv.group, &inv.member);
                        div.invitation id={ "invitation-" (g) "-" (m) } {
                            p { "Group " strong { (g) " " (group_name) } " invites your " (m) " to ring "
                                @if inv.delay == 0 { "at once" } @else { "after " (inv.delay) " s" } "." }
                            form.inline method="post" action={ "/account/invitations/" (g) "/" (m) "/accept" } {
                                (CsrfField(csrf))
                                button type="submit" { "Accept" }
                            }
                            form.inline method="post" action={ "/account/invitations/" (g) "/" (m) "/decline" } {
                                (CsrfField(csrf))
                                button.secondary type="submit" { "Decline" }
                            }
                        }
                    }
                }
            }
            @if !self.memberships.is_empty() {
                section.card #memberships {
                    h2 { "My group memberships" }
                    table.list {
                        thead { tr { th { "Group" } th { "My extension" } th { "Delay" } th { "State" } } }
                        tbody {
                            @for ms in self.memberships {
                                tr id={ "membership-" (ms.group) "-" (ms.member.number) } {
                                    td { (ms.group) " " span.name { (ms.group_name) } }
                                    td { (ms.member.number) }
                                    td { (ms.member.delay) " s" }
                                    td { (ActiveToggle { group: &ms.group, member: &ms.member.number, active: ms.member.active, csrf }) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Active ("1") or paused, as wanted.
#[derive(Debug, Deserialize)]
pub struct ActiveInput {
    #[serde(default)]
    on: String,
}

/// POST /account/ext/{group}/members/{member}/active: pause or resume, by the member's
/// owner or the group's.
pub async fn active(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    path: Path<(String, String)>,
    CsrfForm(form): CsrfForm<ActiveInput>,
) -> Result<Response, PageError> {
    let (group, member) = number_pair(path)?;
    let on = form.on == "1";
    let result = routing_service::set_member_active(
        &state.db,
        group.as_str(),
        member.as_str(),
        on,
        own(&user),
    )
    .await;
    match result {
        Ok(()) => Ok(done(if on { "resumed" } else { "paused" }, group.as_str())),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

async fn answer(
    state: AppState,
    user: LoggedIn,
    live: LiveHandle,
    path: Path<(String, String)>,
    accept: bool,
) -> Result<Response, PageError> {
    let (group, member) = number_pair(path)?;
    let result = routing_service::answer_invitation(
        &state.db,
        group.as_str(),
        member.as_str(),
        accept,
        own(&user),
    )
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/account?done={}&n={group}",
            if accept { "joined" } else { "declined" }
        ))),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

/// POST /account/invitations/{group}/{member}/accept.
pub async fn accept(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    path: Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    answer(state, user, live, path, true).await
}

/// POST /account/invitations/{group}/{member}/decline.
pub async fn decline(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    path: Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    answer(state, user, live, path, false).await
}
