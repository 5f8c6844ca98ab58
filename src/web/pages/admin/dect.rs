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
        html! {
            section #dect {
                h2 { "DECT subscription window" }
                p {
                    "OMM: " strong { (link_text(status)) }
                    " · subscription mode: " strong.omm-mode { (mode_text(status)) }
                }
                form.inline method="post" action="/admin/dect/window" {
                    (CsrfField(view.csrf()))
                    button type="submit" name="action" value="open" { "Open for any handset (" (minutes) " min)" }
                    button.secondary type="submit" name="action" value="close" { "Close" }
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
    let refuse = |text: &str| super::refuse::<DectSection>(&state, &admin, text.to_string());
    let Some(control) = &state.dect else {
        return refuse("The DECT sync is off ([omm] enabled = false).").await;
    };
    let command = match form.action.as_str() {
        "open" => WindowCommand::Open(state.settings.omm.wildcard_minutes),
        "close" => WindowCommand::Close,
        _ => return refuse("Choose open or close.").await,
    };
    if control.commands.try_send(command).is_err() {
        return refuse("The DECT sync is busy or stopped; try again in a moment.").await;
    }
    Ok(see_other("/admin#dect"))
}
