//! The DECT section: the OMM's subscription window. "Open" lets any handset subscribe
//! (wildcard) for `[omm] wildcard_minutes`; "Close" goes back to configured handsets only.
//! Shown only when the sync runs (`[omm] enabled`).

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View};
use crate::db::DbError;
use crate::service::dect::{OmmStatus, WindowCommand};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::pages::dect::{link_text, mode_text};
use crate::web::pages::see_other;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/dect/window", post(window))
}

/// The sync's status as the page was loaded; `None` when the sync is off.
pub(super) struct DectSection {
    status: Option<OmmStatus>,
}

impl DectSection {
    /// The section needs no database: the status is in the view.
    pub(super) fn load_without_db(view: &View) -> DectSection {
        DectSection {
            status: view.dect.clone(),
        }
    }
}

impl Section for DectSection {
    fn load(_c: &Connection, view: &View) -> Result<Self, DbError> {
        Ok(DectSection::load_without_db(view))
    }

    fn render(&self, view: &View) -> Markup {
        let Some(status) = &self.status else {
            return html! {};
        };
        let minutes = view.settings.omm.wildcard_minutes;
        let t = view.t;
        html! {
            section #dect {
                h2 { (tr!(t, "admin-dect")) }
                p {
                    "OMM: " strong { (link_text(t, status)) }
                    " · " (tr!(t, "operator-dect-mode")) " " strong.omm-mode { (mode_text(t, status)) }
                }
                form.inline method="post" action="/admin/dect/window" {
                    (CsrfField(view.csrf()))
                    button type="submit" name="action" value="open" { (tr!(t, "admin-dect-open", minutes = minutes)) }
                    button.secondary type="submit" name="action" value="close" { (tr!(t, "admin-dect-close")) }
                }
            }
        }
    }
}

/// The window form.
#[derive(Debug, Deserialize)]
pub struct WindowInput {
    #[serde(default)]
    action: String,
}

/// POST /admin/dect/window: opens or closes the subscription window.
pub async fn window(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<WindowInput>,
) -> Result<Response, PageError> {
    let t = super::tr_of(&admin);
    let refuse = |text: String| super::refuse::<DectSection>(&state, &admin, text);
    let Some(control) = &state.dect else {
        return refuse(tr!(t, "admin-dect-off")).await;
    };
    let command = match form.action.as_str() {
        "open" => WindowCommand::Open(state.settings.omm.wildcard_minutes),
        "close" => WindowCommand::Close,
        _ => return refuse(tr!(t, "admin-dect-choose")).await,
    };
    if control.commands.try_send(command).is_err() {
        return refuse(tr!(t, "admin-dect-busy")).await;
    }
    Ok(see_other("/admin#dect"))
}
