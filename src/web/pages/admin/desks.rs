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
use crate::domain::numbering::{Authority, DeskWarning};
use crate::service::extensions::{self as extension_service, Actor, Claim, ClaimError, Owner};
use crate::service::routing::{self as routing_service, NewGroup, RouteChangeError};
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
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
        let csrf = view.csrf();
        html! {
            @for w in &self.desks {
                p.notice.error role="alert" .desk-warning { (w.to_string()) }
            }
            @if !self.desks.is_empty() {
                section #desks {
                    h2 { "Set up a desk" }
                    p { "Emergency and help-desk numbers are answered by an extension only admins can claim. "
                        "It is yours (see your account page), and rings like any other extension." }
                    form method="post" action="/admin/desks" {
                        (CsrfField(csrf))
                        label for="desk-number" { "Number" }
                        select #desk-number name="number" {
                            @for w in &self.desks {
                                option value=(w.number) { (w.number) " (" (w.kind.label()) ")" }
                            }
                        }
                        label for="desk-name" { "Name in the phonebook" }
                        input #desk-name name="name" required maxlength="60" value="Help desk";
                        fieldset {
                            legend { "Phone" }
                            label.choice { input type="radio" name="kind" value="sip" checked; " SIP phone" }
                            label.choice { input type="radio" name="kind" value="handset"; " handset (binds with a token)" }
                            label.choice { input type="radio" name="kind" value="group"; " group (staffed by the members you add below)" }
                        }
                        button type="submit" { "Claim for the desk" }
                    }
                }
            }
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
        return refuse(&state, &admin, "Choose a SIP phone or a handset.".into()).await;
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
    let once = html! {
        section.notice.ok role="status" {
            h2 { "Desk " (number) " set up (shown only now)" }
            @match &created {
                extensions::Created::Sip(c) => p {
                    "SIP username " code { (c.username) } ", password " code { (c.password) } "."
                },
                extensions::Created::Handset { token } => p {
                    "Dial " code { (state.settings.codes.register) (token) } " from the desk's handset to bind it."
                },
                // Groups are made by `desk_group`; this arm only keeps the match whole.
                extensions::Created::Group => p { "The desk is a group: add its members in the groups section." },
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
    let once = html! {
        section.notice.ok role="status" {
            h2 { "Desk " (number) " set up as a group" }
            p { "Add its members in " a href={ "/admin#group-" (number) } { "the groups section" } ", or invite people's extensions from your account page." }
        }
    };
    super::shown_once::<DesksSection>(state, admin, once).await
}
