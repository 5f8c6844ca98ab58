//! The groups section: every group with its members and pending invitations; an admin adds
//! any extension directly, changes delays, pauses, resumes and removes members of any group
//! and sets any group's ring timeout and fallback (as staff: the same `service::routing` calls
//! the account page makes for owners).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View, PER_PAGE};
use crate::db::extensions::{self, Extension, ExtensionKind, Filter};
use crate::db::routing::{self as routing_store, Invitation};
use crate::db::DbError;
use crate::domain::routing::{Member, Preferences};
use crate::domain::Number;
use crate::service::extensions::Actor;
use crate::service::routing::{self as routing_service, MemberEdit};
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::{CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::extract::{number_pair, NumberPath};
use crate::web::pages::fields::{seconds_field, GroupSettingsInput};
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/groups/{number}/members/add", post(add_member))
        .route("/admin/groups/{number}/settings", post(group_settings))
        .route("/admin/groups/{group}/members/{member}/delay", post(delay))
        .route(
            "/admin/groups/{group}/members/{member}/remove",
            post(remove),
        )
        .route(
            "/admin/groups/{group}/members/{member}/active",
            post(active),
        )
}

/// One group with its members (and their names) and pending invitations.
struct GroupRow {
    group: Extension,
    members: Vec<(Member, String)>,
    invitations: Vec<Invitation>,
    preferences: Preferences,
}

/// The first page of groups (an event has tens of them, not thousands).
pub(super) struct GroupsSection {
    groups: Vec<GroupRow>,
    total: u32,
}

impl Section for GroupsSection {
    fn load(c: &Connection, _view: &View) -> Result<Self, DbError> {
        let filter = Filter {
            kind: Some(ExtensionKind::Group),
            ..Filter::default()
        };
        let (list, total) = extensions::list(c, &filter, PER_PAGE, 0)?;
        let mut groups = Vec::with_capacity(list.len());
        for group in list {
            let mut members = Vec::new();
            for m in routing_store::members(c, &group.number)? {
                // Members reference extensions ON DELETE CASCADE, so each exists.
                let name = extensions::get(c, &m.number)?.name;
                members.push((m, name));
            }
            let invitations = routing_store::invitations_of(c, &group.number)?;
            let preferences = routing_store::preferences(c, &group.number)?;
            groups.push(GroupRow {
                group,
                members,
                invitations,
                preferences,
            });
        }
        Ok(GroupsSection { groups, total })
    }

    fn render(&self, view: &View) -> Markup {
        let csrf = view.csrf();
        html! {
            section #groups {
                h2 { "Groups (" (self.total) ")" }
                @if self.groups.is_empty() {
                    p { "No groups yet. Attendees make them on their account page; desks are made above." }
                }
                @if self.total > PER_PAGE {
                    p.small { "The first " (PER_PAGE) " by number; search the extensions above for the others." }
                }
                @for row in &self.groups {
                    @let g = &row.group.number;
                    div.group id={ "group-" (g) } {
                        h3 { (g) " " span.name { (row.group.name) } " "
                            span.small { "owner: " (row.group.owner_username.as_deref().unwrap_or("—")) } }
                        @if row.members.is_empty() {
                            p { "No members: calls reach nobody." }
                        } @else {
                            div.scroll { table.list {
                                thead { tr { th { "Member" } th { "Delay (s)" } th { "State" } th { "Remove" } } }
                                tbody {
                                    @for (m, name) in &row.members {
                                        @let n = &m.number;
                                        tr id={ "admin-member-" (g) "-" (n) } {
                                            td { (n) " " span.name { (name) } }
                                            td {
                                                form.inline method="post" action={ "/admin/groups/" (g) "/members/" (n) "/delay" } {
                                                    (CsrfField(csrf))
                                                    input name="delay" inputmode="numeric" size="3" value=(m.delay) aria-label={ "Delay of " (n) };
                                                    button.secondary type="submit" { "Set" }
                                                }
                                            }
                                            td {
                                                form.inline method="post" action={ "/admin/groups/" (g) "/members/" (n) "/active" } {
                                                    (CsrfField(csrf))
                                                    input type="hidden" name="on" value=(if m.active { "0" } else { "1" });
                                                    @if m.active { span.badge.online { "active" } " " button.secondary type="submit" { "Pause" } }
                                                    @else { span.badge.offline { "paused" } " " button.secondary type="submit" { "Resume" } }
                                                }
                                            }
                                            td {
                                                form.inline method="post" action={ "/admin/groups/" (g) "/members/" (n) "/remove" } {
                                                    (CsrfField(csrf))
                                                    button.danger type="submit" { "Remove" }
                                                }
                                            }
                                        }
                                    }
                                }
                            } }
                        }
                        @if !row.invitations.is_empty() {
                            p.small { "Invited: "
                                @for (i, inv) in row.invitations.iter().enumerate() { @if i > 0 { ", " } (inv.member) } }
                        }
                        form.inline method="post" action={ "/admin/groups/" (g) "/members/add" } {
                            (CsrfField(csrf))
                            label for={ "admin-add-" (g) } { "Add number" }
                            input id={ "admin-add-" (g) } name="member" inputmode="numeric" required size="6";
                            label for={ "admin-add-delay-" (g) } { "delay (s)" }
                            input id={ "admin-add-delay-" (g) } name="delay" inputmode="numeric" size="3" value="0";
                            button type="submit" { "Add" }
                        }
                        form.inline method="post" action={ "/admin/groups/" (g) "/settings" } {
                            (CsrfField(csrf))
                            label for={ "admin-timeout-" (g) } { "Members ring for (s, 5 to 300)" }
                            input id={ "admin-timeout-" (g) } name="ring_timeout" inputmode="numeric" size="3" value=(row.preferences.ring_timeout);
                            label for={ "admin-fallback-" (g) } { "then to (empty: busy)" }
                            input id={ "admin-fallback-" (g) } name="fallback" inputmode="numeric" size="6" value=(row.preferences.fallback.clone().unwrap_or_default());
                            button.secondary type="submit" { "Save" }
                        }
                    }
                }
            }
        }
    }
}

/// A refused change: the section again with the reason, with the failure table's status.
async fn refuse(state: &AppState, admin: &LoggedIn, why: PageError) -> Result<Response, PageError> {
    let (status, message) = why.into_refusal()?;
    super::section_page::<GroupsSection>(state, admin, Some(Notice::error(message)), None, status)
        .await
}

/// A delay typed into a form (empty: 0); the range is the service's to check.
fn delay_of(text: &str) -> Result<u32, PageError> {
    Ok(seconds_field("Delay", text)
        .map_err(PageError::BadRequest)?
        .unwrap_or(0))
}

async fn edit(
    state: &AppState,
    admin: &LoggedIn,
    group: &Number,
    edit: MemberEdit,
) -> Result<Response, PageError> {
    match routing_service::edit_member(&state.db, group.as_str(), edit, Actor::Staff).await {
        Ok(_) => {
            tracing::info!(admin = %admin.user.username, %group, "group members changed");
            Ok(see_other(&format!("/admin#group-{group}")))
        }
        Err(e) => refuse(state, admin, e.into()).await,
    }
}

/// A member number and its delay.
#[derive(Debug, Deserialize)]
pub struct MemberInput {
    #[serde(default)]
    member: String,
    #[serde(default)]
    delay: String,
}

/// POST /admin/groups/{number}/members/add: any extension or group, directly.
pub async fn add_member(
    State(state): State<AppState>,
    Admin(admin): Admin,
    NumberPath(group, _): NumberPath,
    CsrfForm(form): CsrfForm<MemberInput>,
) -> Result<Response, PageError> {
    let Ok(member) = Number::parse(form.member.trim()) else {
        let problem = PageError::BadRequest("Member: type an extension's number.".into());
        return refuse(&state, &admin, problem).await;
    };
    let delay = match delay_of(&form.delay) {
        Ok(d) => d,
        Err(problem) => return refuse(&state, &admin, problem).await,
    };
    let add = MemberEdit::Add {
        number: member.to_string(),
        delay,
    };
    edit(&state, &admin, &group, add).await
}

/// A member's new delay.
#[derive(Debug, Deserialize)]
pub struct DelayInput {
    #[serde(default)]
    delay: String,
}

/// POST /admin/groups/{group}/members/{member}/delay.
pub async fn delay(
    State(state): State<AppState>,
    Admin(admin): Admin,
    path: Path<(String, String)>,
    CsrfForm(form): CsrfForm<DelayInput>,
) -> Result<Response, PageError> {
    let (group, member) = number_pair(path)?;
    let delay = match delay_of(&form.delay) {
        Ok(d) => d,
        Err(problem) => return refuse(&state, &admin, problem).await,
    };
    let change = MemberEdit::Delay {
        number: member.to_string(),
        delay,
    };
    edit(&state, &admin, &group, change).await
}

/// POST /admin/groups/{group}/members/{member}/remove.
pub async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
    path: Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (group, member) = number_pair(path)?;
    edit(
        &state,
        &admin,
        &group,
        MemberEdit::Remove(member.to_string()),
    )
    .await
}

/// Active ("1") or paused.
#[derive(Debug, Deserialize)]
pub struct ActiveInput {
    #[serde(default)]
    on: String,
}

/// POST /admin/groups/{group}/members/{member}/active.
pub async fn active(
    State(state): State<AppState>,
    Admin(admin): Admin,
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
        Actor::Staff,
    )
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/admin#group-{group}"))),
        Err(e) => refuse(&state, &admin, e.into()).await,
    }
}

/// POST /admin/groups/{number}/settings: any group's ring timeout and fallback.
pub async fn group_settings(
    State(state): State<AppState>,
    Admin(admin): Admin,
    NumberPath(group, _): NumberPath,
    CsrfForm(form): CsrfForm<GroupSettingsInput>,
) -> Result<Response, PageError> {
    let change = match form.change() {
        Ok(c) => c,
        Err(problem) => return refuse(&state, &admin, PageError::BadRequest(problem)).await,
    };
    match routing_service::change_routing(&state.db, group.as_str(), change, Actor::Staff).await {
        Ok(_) => {
            tracing::info!(admin = %admin.user.username, %group, "group ring timeout and fallback changed");
            Ok(see_other(&format!("/admin#group-{group}")))
        }
        Err(e) => refuse(&state, &admin, e.into()).await,
    }
}
