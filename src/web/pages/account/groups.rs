//! Groups on `/account`: creating a group, its members (delays, removing, pausing, adding
//! one's own extensions, inviting others' by number), its ring timeout and fallback
//! (`memberships.rs`: pausing and invitations). Every form is one `service::routing` call; a
//! refusal shows its message from the failure table.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup, Render};
use rusqlite::Connection;
use serde::Deserialize;

use super::memberships::ActiveToggle;
use super::routing::state_badge;
use super::{own, refused, LiveHandle};
use crate::db::extensions::{self, Extension, ExtensionKind};
use crate::db::routing::{self as routing_store, Invitation};
use crate::db::DbError;
use crate::domain::accounts;
use crate::domain::numbering::Authority;
use crate::domain::routing::{Member, Preferences};
use crate::service::extensions::Owner;
use crate::service::routing::{self as routing_service, MemberEdit, NewGroup};
use crate::tr;
use crate::web::api::{live_of, Status};
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::extract::{number_pair, NumberPath};
use crate::web::i18n::Tr;
use crate::web::live_view::EndpointsLive;
use crate::web::pages::fields::{number_field, seconds_field, GroupSettingsInput};
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/groups", post(create))
        .route("/account/ext/{number}/members/add", post(add_member))
        .route("/account/ext/{number}/invite", post(invite))
        .route("/account/ext/{number}/group", post(group_settings))
        .route("/account/ext/{group}/members/{member}/delay", post(delay))
        .route("/account/ext/{group}/members/{member}/remove", post(remove))
}

/// What a member is now: a phone with its registration state, or a nested group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberState {
    /// An extension with a phone.
    Phone(Status),
    /// An extension whose handset is not bound yet.
    NoPhone,
    /// A group inside this one.
    Group,
}

/// One member of a group as its card shows it.
#[derive(Debug, Clone)]
pub struct MemberView {
    /// The membership.
    pub member: Member,
    /// The member's name.
    pub name: String,
    /// What it is now.
    pub state: MemberState,
}

/// A group's members and pending invitations.
#[derive(Debug, Clone, Default)]
pub struct GroupView {
    /// Its members, by delay.
    pub members: Vec<MemberView>,
    /// Invitations not answered yet.
    pub invitations: Vec<Invitation>,
}

/// A group's members as stored: the membership, the member's name, kind and device.
pub(super) type StoredMember = (Member, String, ExtensionKind, Option<String>);

/// Reads a group's members with their names, and its pending invitations.
pub(super) fn read_group(
    c: &Connection,
    group: &str,
) -> Result<(Vec<StoredMember>, Vec<Invitation>), DbError> {
    let mut members = Vec::new();
    for m in routing_store::members(c, group)? {
        // Members reference extensions ON DELETE CASCADE, so each exists.
        let ext = extensions::get(c, &m.number)?;
        members.push((m, ext.name, ext.kind, ext.device_id));
    }
    Ok((members, routing_store::invitations_of(c, group)?))
}

impl GroupView {
    /// The stored members with their state now.
    pub(super) fn new(
        (members, invitations): (Vec<StoredMember>, Vec<Invitation>),
        live: &EndpointsLive,
    ) -> GroupView {
        let members = members
            .into_iter()
            .map(|(member, name, kind, device)| {
                let state = match (kind, device) {
                    (ExtensionKind::Group, _) => MemberState::Group,
                    (_, Some(d)) => MemberState::Phone(live_of(live, &d).status),
                    (_, None) => MemberState::NoPhone,
                };
                MemberView {
                    member,
                    name,
                    state,
                }
            })
            .collect();
        GroupView {
            members,
            invitations,
        }
    }
}

pub(super) fn member_state(t: Tr, state: MemberState) -> Markup {
    match state {
        MemberState::Phone(s) => state_badge(t, s),
        MemberState::NoPhone => {
            html! { span.badge.offline { (tr!(t, "account-member-no-handset")) } }
        }
        MemberState::Group => html! { span.badge { (tr!(t, "account-member-group")) } },
    }
}

/// The group part of a group's card.
pub(super) struct GroupPanel<'a> {
    pub(super) t: Tr,
    pub(super) number: &'a str,
    pub(super) group: &'a GroupView,
    pub(super) preferences: &'a Preferences,
    /// The visitor's other extensions, which they may add directly.
    pub(super) own: &'a [&'a Extension],
    pub(super) csrf: &'a str,
}

impl Render for GroupPanel<'_> {
    fn render(&self) -> Markup {
        let (g, csrf, t) = (self.number, self.csrf, self.t);
        let addable: Vec<&&Extension> = self
            .own
            .iter()
            .filter(|e| {
                e.number != g
                    && !self
                        .group
                        .members
                        .iter()
                        .any(|m| m.member.number == e.number)
            })
            .collect();
        html! {
            h3 { (tr!(t, "account-members")) }
            @if self.group.members.is_empty() {
                p { (tr!(t, "account-members-none", number = g)) }
            } @else {
                div.scroll { table.list.members id={ "members-" (g) } {
                    thead { tr {
                        th { (tr!(t, "account-members-member")) } th { (tr!(t, "account-members-delay")) }
                        th { (tr!(t, "account-members-state")) } th { (tr!(t, "account-route-phone-now")) }
                        th { (tr!(t, "account-members-remove")) }
                    } }
                    tbody {
                        @for m in &self.group.members {
                            @let n = &m.member.number;
                            tr id={ "member-" (g) "-" (n) } {
                                td { (n) " " span.name { (m.name) } }
                                td {
                                    form.inline method="post" action={ "/account/ext/" (g) "/members/" (n) "/delay" } {
                                        (CsrfField(csrf))
                                        input name="delay" inputmode="numeric" size="3" value=(m.member.delay) aria-label=(tr!(t, "account-members-delay-of", number = n));
                                        button.secondary type="submit" { (tr!(t, "account-members-set")) }
                                    }
                                }
                                td { (ActiveToggle { t, group: g, member: n, active: m.member.active, csrf }) }
                                td { (member_state(t, m.state)) }
                                td {
                                    form.inline method="post" action={ "/account/ext/" (g) "/members/" (n) "/remove" } {
                                        (CsrfField(csrf))
                                        button.danger type="submit" aria-label=(tr!(t, "account-members-remove-number", number = n)) { (tr!(t, "account-members-remove")) }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            @if !self.group.invitations.is_empty() {
                p.small {
                    (tr!(t, "account-members-invited")) " "
                    @for (i, inv) in self.group.invitations.iter().enumerate() {
                        @if i > 0 { ", " }
                        (tr!(t, "account-members-invited-one", number = &inv.member, delay = inv.delay))
                    }
                }
            }
            @if !addable.is_empty() {
                form.inline.add-member method="post" action={ "/account/ext/" (g) "/members/add" } {
                    (CsrfField(csrf))
                    label for={ "add-" (g) } { (tr!(t, "account-members-add-mine")) }
                    select id={ "add-" (g) } name="member" {
                        @for e in &addable { option value=(e.number) { (e.number) " " (e.name) } }
                    }
                    label for={ "add-delay-" (g) } { (tr!(t, "account-members-delay-label")) }
                    input id={ "add-delay-" (g) } name="delay" inputmode="numeric" size="3" value="0";
                    button type="submit" { (tr!(t, "account-members-add")) }
                }
            }
            form.inline.invite method="post" action={ "/account/ext/" (g) "/invite" } {
                (CsrfField(csrf))
                label for={ "invite-" (g) } { (tr!(t, "account-members-invite-number")) }
                input id={ "invite-" (g) } name="member" inputmode="numeric" required size="6";
                label for={ "invite-delay-" (g) } { (tr!(t, "account-members-delay-label")) }
                input id={ "invite-delay-" (g) } name="delay" inputmode="numeric" size="3" value="0";
                button type="submit" { (tr!(t, "account-members-invite")) }
            }
            details {
                summary { (tr!(t, "account-group-settings-open")) }
                form.stack method="post" action={ "/account/ext/" (g) "/group" } {
                    (CsrfField(csrf))
                    label for={ "timeout-" (g) } { (tr!(t, "account-group-timeout")) }
                    input id={ "timeout-" (g) } name="ring_timeout" inputmode="numeric" value=(self.preferences.ring_timeout);
                    label for={ "fallback-" (g) } { (tr!(t, "account-group-fallback")) }
                    input id={ "fallback-" (g) } name="fallback" inputmode="numeric" value=(self.preferences.fallback.clone().unwrap_or_default());
                    button type="submit" { (tr!(t, "account-save")) }
                }
            }
        }
    }
}

/// The form that makes a new, empty group owned by the visitor.
pub(super) struct CreateGroupForm<'a> {
    pub(super) t: Tr,
    pub(super) csrf: &'a str,
}

impl Render for CreateGroupForm<'_> {
    fn render(&self) -> Markup {
        let t = self.t;
        html! {
            section.card #create-group {
                h2 { (tr!(t, "account-create-group-title")) }
                p.small { (tr!(t, "account-create-group-about")) }
                form.stack method="post" action="/account/groups" {
                    (CsrfField(self.csrf))
                    label for="group-number" { (tr!(t, "account-claim-number")) }
                    input id="group-number" name="number" inputmode="numeric" pattern="[0-9]{1,15}" required autocomplete="off";
                    label for="group-name" { (tr!(t, "account-create-group-name")) }
                    input id="group-name" name="name" required maxlength="60";
                    label.choice {
                        input type="checkbox" name="public" value="on" checked;
                        " " (tr!(t, "account-create-group-public"))
                    }
                    button type="submit" { (tr!(t, "account-create-group-submit")) }
                }
            }
        }
    }
}

pub(super) fn done(what: &str, number: &str) -> Response {
    see_other(&format!("/account?done={what}&n={number}#ext-{number}"))
}

/// The create-group form.
#[derive(Debug, Deserialize)]
pub struct CreateInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    name: String,
    public: Option<String>,
}

/// POST /account/groups: the deliberate way an attendee makes a group (the claim form
/// refuses `kind=group`); the claim rules for attendees decide which numbers they may use.
pub async fn create(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    CsrfForm(form): CsrfForm<CreateInput>,
) -> Result<Response, PageError> {
    let t = crate::web::i18n::current();
    let checked = number_field(&crate::tr!(t, "err-field-number"), &form.number).and_then(|n| {
        let n = n.ok_or("Type the group's number.")?;
        let name = accounts::display_name(form.name.trim())
            .map_err(|e| crate::web::failure::for_page(&e))?;
        Ok((n, name))
    });
    let (number, name) = match checked {
        Ok(c) => c,
        // The parts of the check that are this page's own words, in the visitor's language
        // (the field's own messages are the form fields').
        Err(_) if form.number.trim().is_empty() => {
            let problem = tr!(Visitor::of(&user).tr(), "account-group-no-number");
            return refused(&state, &user, &live, PageError::BadRequest(problem)).await;
        }
        Err(problem) => return refused(&state, &user, &live, PageError::BadRequest(problem)).await,
    };
    let group = NewGroup {
        owner: Owner::User(user.user.id),
        number: number.clone(),
        name,
        public: form.public.is_some(),
        members: Vec::new(),
        ring_timeout: None,
        fallback: None,
        authority: Authority::Attendee,
        by: own(&user),
        by_key: None,
    };
    match routing_service::create_group(&state.db, state.settings.clone(), group).await {
        Ok(()) => Ok(done("group", &number)),
        Err(e) => refused(&state, &user, &live, e.into()).await,
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

impl MemberInput {
    fn parse(&self) -> Result<(String, u32), String> {
        let t = crate::web::i18n::current();
        let member = number_field(&crate::tr!(t, "err-field-member"), &self.member)?
            .ok_or("Type the member's number.")?;
        Ok((
            member,
            seconds_field(&crate::tr!(t, "err-field-delay"), &self.delay)?.unwrap_or(0),
        ))
    }
}

/// POST /account/ext/{number}/members/add: one of the visitor's own extensions joins.
pub async fn add_member(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(group, _): NumberPath,
    CsrfForm(form): CsrfForm<MemberInput>,
) -> Result<Response, PageError> {
    let (number, delay) = match form.parse() {
        Ok(p) => p,
        Err(_) if form.member.trim().is_empty() => {
            let problem = tr!(Visitor::of(&user).tr(), "account-member-no-number");
            return refused(&state, &user, &live, PageError::BadRequest(problem)).await;
        }
        Err(problem) => return refused(&state, &user, &live, PageError::BadRequest(problem)).await,
    };
    let edit = MemberEdit::Add { number, delay };
    apply_edit(&state, &user, &live, group.as_str(), edit).await
}

/// One member change of `group` by the logged-in owner; back to the members section, or the
/// page again with the refusal above it.
async fn apply_edit(
    state: &AppState,
    user: &LoggedIn,
    live: &LiveHandle,
    group: &str,
    edit: MemberEdit,
) -> Result<Response, PageError> {
    match routing_service::edit_member(&state.db, group, edit, own(user)).await {
        Ok(_) => Ok(done("members", group)),
        Err(e) => refused(state, user, live, e.into()).await,
    }
}

/// POST /account/ext/{number}/invite: someone's extension is asked to join.
pub async fn invite(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(group, _): NumberPath,
    CsrfForm(form): CsrfForm<MemberInput>,
) -> Result<Response, PageError> {
    let (member, delay) = match form.parse() {
        Ok(p) => p,
        Err(_) if form.member.trim().is_empty() => {
            let problem = tr!(Visitor::of(&user).tr(), "account-member-no-number");
            return refused(&state, &user, &live, PageError::BadRequest(problem)).await;
        }
        Err(problem) => return refused(&state, &user, &live, PageError::BadRequest(problem)).await,
    };
    match routing_service::invite(&state.db, group.as_str(), &member, delay, own(&user)).await {
        Ok(()) => Ok(done("invited", group.as_str())),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

/// POST /account/ext/{number}/group.
pub async fn group_settings(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(group, _): NumberPath,
    CsrfForm(form): CsrfForm<GroupSettingsInput>,
) -> Result<Response, PageError> {
    let change = match form.change() {
        Ok(c) => c,
        Err(problem) => return refused(&state, &user, &live, PageError::BadRequest(problem)).await,
    };
    match routing_service::change_routing(&state.db, group.as_str(), change, own(&user)).await {
        Ok(_) => Ok(done("routing", group.as_str())),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

/// A member's new delay.
#[derive(Debug, Deserialize)]
pub struct DelayInput {
    #[serde(default)]
    delay: String,
}

/// POST /account/ext/{group}/members/{member}/delay.
pub async fn delay(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    path: Path<(String, String)>,
    CsrfForm(form): CsrfForm<DelayInput>,
) -> Result<Response, PageError> {
    let (group, member) = number_pair(path)?;
    let t = crate::web::i18n::current();
    let delay = match seconds_field(&crate::tr!(t, "err-field-delay"), &form.delay) {
        Ok(d) => d.unwrap_or(0),
        Err(problem) => return refused(&state, &user, &live, PageError::BadRequest(problem)).await,
    };
    let edit = MemberEdit::Delay {
        number: member.to_string(),
        delay,
    };
    apply_edit(&state, &user, &live, group.as_str(), edit).await
}

/// POST /account/ext/{group}/members/{member}/remove.
pub async fn remove(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    path: Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (group, member) = number_pair(path)?;
    let edit = MemberEdit::Remove(member.to_string());
    apply_edit(&state, &user, &live, group.as_str(), edit).await
}
