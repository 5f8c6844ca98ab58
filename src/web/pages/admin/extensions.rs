//! The extensions section: search every extension, rename, list or unlist, release a
//! handset, delete.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View, PER_PAGE};
use crate::db::extensions::{self, Extension, ExtensionKind, Filter};
use crate::db::DbError;
use crate::domain::accounts;
use crate::service::extensions::{self as extension_service, Actor};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::{query_escape, CsrfField, Pager};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::pages::helpdesk::kind_name;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/ext/{number}/edit", post(edit_extension))
        .route("/admin/ext/{number}/release", post(release))
        .route("/admin/ext/{number}/delete", post(delete_extension))
}

/// One page of the extension search.
pub(super) struct ExtensionsSection {
    extensions: Vec<Extension>,
    total: u32,
}

impl Section for ExtensionsSection {
    fn load(c: &Connection, view: &View) -> Result<Self, DbError> {
        let filter = Filter {
            search: view.q.clone(),
            ..Filter::default()
        };
        let (extensions, total) =
            extensions::list(c, &filter, PER_PAGE, (view.page - 1) * PER_PAGE)?;
        Ok(ExtensionsSection { extensions, total })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, uq, q, t) = (view.csrf(), &view.uq, &view.q, view.t);
        let ext_base = format!("/admin?q={}&uq={}", query_escape(q), query_escape(uq));
        html! {
            section #extensions {
                h2 { (tr!(t, "admin-extensions", count = self.total)) }
                form.search role="search" method="get" action="/admin" {
                    input type="hidden" name="uq" value=(uq);
                    label for="q" { (tr!(t, "admin-extensions-search")) }
                    input id="q" name="q" type="search" value=(q);
                    button type="submit" { (tr!(t, "admin-search")) }
                }
                div.scroll { table.list {
                    thead { tr { th { (tr!(t, "admin-number")) } th { (tr!(t, "admin-extensions-name-listing")) } th { (tr!(t, "admin-kind")) } th { (tr!(t, "admin-owner")) } th { (tr!(t, "admin-actions")) } } }
                    tbody {
                        @for e in &self.extensions {
                            tr {
                                td { (e.number) }
                                td {
                                    form.inline method="post" action={ "/admin/ext/" (e.number) "/edit" } {
                                        (CsrfField(csrf))
                                        input name="name" required maxlength="60" value=(e.name) aria-label=(tr!(t, "admin-extensions-name-of", number = e.number.as_str()));
                                        label.choice { input type="checkbox" name="public" value="on" checked[e.public]; " " (tr!(t, "admin-extensions-public")) }
                                        button.secondary type="submit" { (tr!(t, "admin-save")) }
                                    }
                                }
                                td { (kind_name(t, e)) }
                                td { (e.owner_username.as_deref().unwrap_or("—")) }
                                td {
                                    @if e.kind == ExtensionKind::Handset && e.device_id.is_some() {
                                        form.inline method="post" action={ "/admin/ext/" (e.number) "/release" } {
                                            (CsrfField(csrf))
                                            button.secondary type="submit" { (tr!(t, "admin-extensions-release")) }
                                        }
                                    }
                                    details {
                                        summary { (tr!(t, "admin-delete-more")) }
                                        form method="post" action={ "/admin/ext/" (e.number) "/delete" } {
                                            (CsrfField(csrf))
                                            label.choice { input type="checkbox" name="confirm" value="yes" required; " " (tr!(t, "admin-extensions-confirm-delete", number = e.number.as_str())) }
                                            button.danger type="submit" { (tr!(t, "admin-delete")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
                (Pager { base: &ext_base, page: view.page, per_page: PER_PAGE, total: self.total })
            }
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<ExtensionsSection>(state, admin, text).await
}

/// The extension edit form.
#[derive(Debug, Deserialize)]
pub struct EditInput {
    #[serde(default)]
    name: String,
    public: Option<String>,
}

/// POST /admin/ext/{number}/edit.
pub async fn edit_extension(
    State(state): State<AppState>,
    Admin(admin): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<EditInput>,
) -> Result<Response, PageError> {
    let name = match accounts::display_name(&form.name) {
        Ok(n) => n,
        Err(e) => return refuse(&state, &admin, crate::web::failure::for_page(&e)).await,
    };
    let public = form.public.is_some();
    state
        .db
        .write(move |tx| extensions::update(tx, number.as_str(), &name, public))
        .await?;
    Ok(see_other("/admin#extensions"))
}

/// POST /admin/ext/{number}/release.
pub async fn release(
    State(state): State<AppState>,
    Admin(_): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    extension_service::unbind(&state.db, &state.settings, number.as_str(), Actor::Staff).await?;
    Ok(see_other("/admin#extensions"))
}

/// The delete form with its confirmation box.
#[derive(Debug, Deserialize)]
pub struct DeleteInput {
    #[serde(default)]
    confirm: String,
}

/// POST /admin/ext/{number}/delete.
pub async fn delete_extension(
    State(state): State<AppState>,
    Admin(admin): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<DeleteInput>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        let why = tr!(super::tr_of(&admin), "admin-extensions-not-confirmed");
        return refuse(&state, &admin, why).await;
    }
    let settings = state.settings.clone();
    state
        .db
        .write(move |tx| extensions::delete(tx, &settings, number.as_str()))
        .await?;
    Ok(see_other("/admin#extensions"))
}
