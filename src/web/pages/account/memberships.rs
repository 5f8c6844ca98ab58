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
use crate::tr;
use crate::web::auth::{CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::extract::number_pair;
use crate::web::i18n::Tr;
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
    pub(super) t: Tr,
    pub(super) group: &'a str,
    pub(super) member: &'a str,
    pub(super) active: bool,
    pub(super) csrf: &'a str,
}

impl Render for ActiveToggle<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        html! {
            form.inline method="post" action={ "/account/ext/" (self.group) "/members/" (self.member) "/active" } {
                (CsrfField(self.csrf))
                input type="hidden" name="on" value=(if self.active { "0" } else { "1" });
                @if self.active {
                    span.badge.online { (tr!(t, "account-member-active")) } " "
                    button.secondary type="submit" { (tr!(t, "account-member-pause")) }
                } @else {
                    span.badge.offline { (tr!(t, "account-member-paused")) } " "
                    button.secondary type="submit" { (tr!(t, "account-member-resume")) }
                }
            }
        }
    }
}

/// The invitations waiting for the visitor and the groups their extensions are in.
pub(super) struct MyGroups<'a> {
    pub(super) t: Tr,
    pub(super) invitations: &'a [(Invitation, String)],
    pub(super) memberships: &'a [Membership],
    pub(super) csrf: &'a str,
}

impl Render for MyGroups<'_> {
    fn render(&self) -> Markup {
        let (csrf, t) = (self.csrf, self.t);
        let slot = crate::web::pages::home::slot;
        html! {
            @if !self.invitations.is_empty() {
                section.card #invitations {
                    h2 { (tr!(t, "account-invitations")) }
                    @for (inv, group_name) in self.invitations {
                        @let (g, m) = (&inv.group, &inv.member);
                        div.invitation id={ "invitation-" (g) "-" (m) } {
                            @let group = [html! { strong { (g) " " (group_name) } }];
                            p { @if inv.delay == 0 {
                                (crate::web::pages::home::linked(&tr!(t, "account-invitation-at-once", group = slot(0), number = m), &group))
                            } @else {
                                (crate::web::pages::home::linked(&tr!(t, "account-invitation-after", group = slot(0), number = m, delay = inv.delay), &group))
                            } }
                            form.inline method="post" action={ "/account/invitations/" (g) "/" (m) "/accept" } {
                                (CsrfField(csrf))
                                button type="submit" { (tr!(t, "account-invitation-accept")) }
                            }
                            form.inline method="post" action={ "/account/invitations/" (g) "/" (m) "/decline" } {
                                (CsrfField(csrf))
                                button.secondary type="submit" { (tr!(t, "account-invitation-decline")) }
                            }
                        }
                    }
                }
            }
            @if !self.memberships.is_empty() {
                section.card #memberships {
                    h2 { (tr!(t, "account-memberships")) }
                    table.list {
                        thead { tr {
                            th { (tr!(t, "account-memberships-group")) } th { (tr!(t, "account-memberships-mine")) }
                            th { (tr!(t, "account-memberships-delay")) } th { (tr!(t, "account-members-state")) }
                        } }
                        tbody {
                            @for ms in self.memberships {
                                tr id={ "membership-" (ms.group) "-" (ms.member.number) } {
                                    td { (ms.group) " " span.name { (ms.group_name) } }
                                    td { (ms.member.number) }
                                    td { (tr!(t, "account-calls-seconds", seconds = ms.member.delay)) }
                                    td { (ActiveToggle { t, group: &ms.group, member: &ms.member.number, active: ms.member.active, csrf }) }
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
