//! The desks section: the emergency and help-desk numbers that reach nobody, and the form
//! with which an admin claims one as an extension of their own.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View};
use crate::db::extensions::{self, ExtensionKind};
use crate::db::{numbering, DbError};
use crate::domain::accounts;
use crate::domain::numbering::{Authority, DeskState, DeskWarning, FixedKind};
use crate::service::extensions::{self as extension_service, Actor, Claim, ClaimError, Owner};
use crate::service::routing::{self as routing_service, NewGroup, RouteChangeError};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/desks", post(claim_desk))
}

/// The desk numbers without a working desk.
pub(super) struct DesksSection {
    desks: Vec<DeskWarning>,
}

impl Section for DesksSection {
    fn load(c: &Connection, view: &View) -> Result<Self, DbError> {
        Ok(DesksSection {
            desks: numbering::desk_warnings(c, &view.settings)?,
        })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, t) = (view.csrf(), view.t);
        html! {
            @for w in &self.desks {
                p.notice.error role="alert" .desk-warning { (desk_warning(t, w)) }
            }
            @if !self.desks.is_empty() {
                section #desks {
                    h2 { (tr!(t, "admin-desks")) }
                    p { (tr!(t, "admin-desks-intro")) }
                    form method="post" action="/admin/desks" {
                        (CsrfField(csrf))
                        label for="desk-number" { (tr!(t, "admin-number")) }
                        select #desk-number name="number" {
                            @for w in &self.desks {
                                option value=(w.number) { (tr!(t, "admin-desks-option", number = w.number.as_str(), kind = fixed_kind(t, w.kind))) }
                            }
                        }
                        label for="desk-name" { (tr!(t, "admin-desks-name")) }
                        input #desk-name name="name" required maxlength="60" value=(tr!(t, "admin-desks-name-default"));
                        fieldset {
                            legend { (tr!(t, "admin-desks-phone")) }
                            label.choice { input type="radio" name="kind" value="sip" checked; " " (tr!(t, "admin-desks-kind-sip")) }
                            label.choice { input type="radio" name="kind" value="handset"; " " (tr!(t, "admin-desks-kind-handset")) }
                            label.choice { input type="radio" name="kind" value="group"; " " (tr!(t, "admin-desks-kind-group")) }
                        }
                        button type="submit" { (tr!(t, "admin-desks-claim")) }
                    }
                }
            }
        }
    }
}

/// What a fixed number is for, in words.
pub(crate) fn fixed_kind(t: Tr, kind: FixedKind) -> String {
    match kind {
        FixedKind::Code => tr!(t, "admin-fixed-code"),
        FixedKind::Emergency => tr!(t, "admin-fixed-emergency"),
        FixedKind::Helpdesk => tr!(t, "admin-fixed-helpdesk"),
    }
}

/// An emergency or help-desk number that reaches nobody, and why (admin and operator pages).
pub(crate) fn desk_warning(t: Tr, w: &DeskWarning) -> String {
    let (number, kind) = (w.number.as_str(), fixed_kind(t, w.kind));
    match w.state {
        DeskState::NoDesk => tr!(t, "admin-desk-warn-none", number = number, kind = kind),
        DeskState::HandsetNotBound => {
            tr!(t, "admin-desk-warn-unbound", number = number, kind = kind)
        }
        DeskState::GroupUnstaffed => {
            tr!(t, "admin-desk-warn-unstaffed", number = number, kind = kind)
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<DesksSection>(state, admin, text).await
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
        let why = tr!(super::tr_of(&admin), "admin-desks-kind-refused");
        return refuse(&state, &admin, why).await;
    };
    let name = match accounts::display_name(form.name.trim()) {
        Ok(n) => n,
        Err(e) => return refuse(&state, &admin, crate::web::failure::for_page(&e)).await,
    };
    let number = form.number.trim().to_string();
    if kind == ExtensionKind::Group {
        return desk_group(&state, &admin, number, name).await;
    }
    let claim = Claim {
        owner: Owner::User(admin.user.id),
        number: number.clone(),
        name,
        kind,
        public: true,
        authority: Authority::Admin,
        by_key: None,
    };
    let created = match extension_service::claim(&state.db, state.settings.clone(), claim).await {
        Ok(c) => c,
        Err(ClaimError::Rule(rule)) => {
            return refuse(&state, &admin, crate::web::failure::for_page(&rule)).await
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(admin = %admin.user.username, %number, "desk set up");
    let t = super::tr_of(&admin);
    let once = html! {
        section.notice.ok role="status" {
            h2 { (tr!(t, "admin-desks-set-up", number = number.as_str())) }
            @match &created {
                extensions::Created::Sip(c) => dl {
                    dt { (tr!(t, "admin-sip-username")) } dd { code { (c.username) } }
                    dt { (tr!(t, "admin-password")) } dd { code { (c.password) } }
                },
                extensions::Created::Handset { token } => p {
                    (tr!(t, "admin-desks-dial")) " " code { (state.settings.codes.register) (token) }
                },
                // Groups are made by `desk_group`; this arm only keeps the match whole.
                extensions::Created::Group => p { (tr!(t, "admin-desks-is-group")) },
                extensions::Created::Conference => p { (tr!(t, "admin-desks-is-conference")) },
            }
        }
    };
    super::shown_once::<DesksSection>(&state, &admin, once).await
}

/// A desk staffed as a group: made empty, deliberately (the form's "group" choice), with the
/// admin's numbering rights; its members are added in the groups section.
async fn desk_group(
    state: &AppState,
    admin: &LoggedIn,
    number: String,
    name: String,
) -> Result<Response, PageError> {
    let group = NewGroup {
        owner: Owner::User(admin.user.id),
        number: number.clone(),
        name,
        public: true,
        members: Vec::new(),
        ring_timeout: None,
        fallback: None,
        authority: Authority::Admin,
        by: Actor::Staff,
        by_key: None,
    };
    match routing_service::create_group(&state.db, state.settings.clone(), group).await {
        Ok(()) => {}
        Err(RouteChangeError::Claim(rule)) => {
            return refuse(state, admin, crate::web::failure::for_page(&rule)).await
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(admin = %admin.user.username, %number, "desk set up as a group");
    let t = super::tr_of(admin);
    let once = html! {
        section.notice.ok role="status" {
            h2 { (tr!(t, "admin-desks-set-up-group", number = number.as_str())) }
            p { (tr!(t, "admin-desks-group-members")) " " a href={ "/admin#group-" (number) } { (tr!(t, "admin-desks-group-link")) } }
        }
    };
    super::shown_once::<DesksSection>(state, admin, once).await
}
