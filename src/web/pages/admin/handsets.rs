//! The temporary handsets section: mint handsets (credentials shown once), list and delete
//! those waiting.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View, PER_PAGE};
use crate::db::{handsets, DbError};
use crate::service::handsets::{self as handset_service, MintError};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::{CsrfField, TimeTag};
use crate::web::error::PageError;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/handsets", post(mint_handsets))
        .route(
            "/admin/handsets/{sip_username}/delete",
            post(delete_handset),
        )
}

/// The temporary handsets waiting to be bound (the first page of them).
pub(super) struct HandsetsSection {
    handsets: Vec<handsets::HandsetInfo>,
    total: i64,
}

impl Section for HandsetsSection {
    fn load(c: &Connection, _view: &View) -> Result<Self, DbError> {
        Ok(HandsetsSection {
            handsets: handsets::list_temporary(c, PER_PAGE, 0)?,
            total: handsets::count_temporary(c)?,
        })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, offset, t) = (view.csrf(), view.offset, view.t);
        html! {
            section #handsets {
                h2 { (tr!(t, "admin-handsets", count = self.total)) }
                form.inline method="post" action="/admin/handsets" {
                    (CsrfField(csrf))
                    label for="count" { (tr!(t, "admin-handsets-mint")) }
                    input id="count" name="count" type="number" min="1" max="200" value="10" required;
                    button type="submit" { (tr!(t, "admin-handsets-create")) }
                }
                table.list {
                    thead { tr { th scope="col" { (tr!(t, "admin-temporary-number")) } th scope="col" { (tr!(t, "admin-sip-username")) } th scope="col" { (tr!(t, "admin-created")) } th scope="col" { span.sr { (tr!(t, "admin-actions")) } } } }
                    tbody {
                        @for h in &self.handsets {
                            tr {
                                td { (h.temporary_number.as_deref().unwrap_or("")) }
                                td { code { (h.sip_username) } }
                                td { (TimeTag { unix: h.created_at, offset }) }
                                td {
                                    form.inline method="post" action={ "/admin/handsets/" (h.sip_username) "/delete" } {
                                        (CsrfField(csrf))
                                        button.secondary type="submit" { (tr!(t, "admin-delete")) }
                                    }
                                }
                            }
                        }
                        @if self.handsets.is_empty() { tr { td colspan="4" { (tr!(t, "admin-handsets-none")) } } }
                    }
                }
            }
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<HandsetsSection>(state, admin, text).await
}

/// The mint form.
#[derive(Debug, Deserialize)]
pub struct MintInput {
    #[serde(default)]
    count: String,
}

/// POST /admin/handsets: mints temporary handsets and shows their credentials once.
pub async fn mint_handsets(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<MintInput>,
) -> Result<Response, PageError> {
    // Text that is no count at all is refused like a count out of range.
    let count = form.count.trim().parse().unwrap_or(0);
    let minted = match handset_service::mint(&state.db, &state.settings, count).await {
        Ok(minted) => minted,
        Err(e @ (MintError::Count | MintError::RangeFull { .. })) => {
            return refuse(&state, &admin, crate::web::failure::for_page(&e)).await
        }
        Err(e) => return Err(e.into()),
    };
    let registrar = format!(
        "{}:{}",
        state.settings.sip.public_address, state.settings.sip.port
    );
    let t = super::tr_of(&admin);
    let table = html! {
        section.notice.ok role="status" {
            h2 { (tr!(t, "admin-handsets-new")) }
            p { (tr!(t, "admin-handsets-registrar")) " " code { (registrar) } }
            p { (tr!(t, "admin-handsets-provision")) }
            table.list {
                thead { tr { th scope="col" { (tr!(t, "admin-number")) } th scope="col" { (tr!(t, "admin-username")) } th scope="col" { (tr!(t, "admin-password")) } } }
                tbody {
                    @for h in &minted {
                        tr { td { (h.number) } td { code { (h.credentials.username) } } td { code { (h.credentials.password) } } }
                    }
                }
            }
        }
    };
    super::shown_once::<HandsetsSection>(&state, &admin, table).await
}

/// POST /admin/handsets/{sip_username}/delete.
pub async fn delete_handset(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Path(sip_username): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    handset_service::delete(&state.db, &state.settings, &sip_username).await?;
    Ok(see_other("/admin#handsets"))
}
