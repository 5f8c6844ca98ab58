//! The phonebook entries section: entries admins add beside the published extensions.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View};
use crate::db::phonebook::{self as phonebook_store, ServiceEntry};
use crate::db::DbError;
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/phonebook", post(add_phonebook_entry))
        .route("/admin/phonebook/{id}/delete", post(delete_phonebook_entry))
}

/// The admin-defined entries.
pub(super) struct PhonebookSection {
    entries: Vec<ServiceEntry>,
}

impl Section for PhonebookSection {
    fn load(c: &Connection, _view: &View) -> Result<Self, DbError> {
        Ok(PhonebookSection {
            entries: phonebook_store::service_entries(c)?,
        })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, t) = (view.csrf(), view.t);
        html! {
            section #phonebook {
                h2 { (tr!(t, "admin-phonebook")) }
                p { (tr!(t, "admin-phonebook-intro")) }
                dl.codes {
                    dt { (tr!(t, "admin-phonebook-phones")) }
                    dd { code { "/phonebook/yealink.xml" } ", " code { "snom.xml" } ", " code { "grandstream.xml" } ", "
                        code { "cisco.xml" } ", " code { "mitel.xml?q=" } }
                    dt { (tr!(t, "admin-phonebook-services")) }
                    dd { code { "/phonebook.json" } ", " code { ".csv" } ", " code { ".vcf" } }
                }
                table.list {
                    thead { tr { th scope="col" { (tr!(t, "admin-name")) } th scope="col" { (tr!(t, "admin-number")) } th scope="col" { span.sr { (tr!(t, "admin-actions")) } } } }
                    tbody {
                        @for e in &self.entries {
                            tr {
                                td { (e.name) } td { (e.number) }
                                td {
                                    form.inline method="post" action={ "/admin/phonebook/" (e.id) "/delete" } {
                                        (CsrfField(csrf))
                                        button.secondary type="submit" { (tr!(t, "admin-remove")) }
                                    }
                                }
                            }
                        }
                        @if self.entries.is_empty() { tr { td colspan="3" { (tr!(t, "admin-phonebook-none")) } } }
                    }
                }
                form.inline method="post" action="/admin/phonebook" {
                    (CsrfField(csrf))
                    label for="pname" { (tr!(t, "admin-name")) } input id="pname" name="name" required maxlength=(phonebook_store::MAX_NAME_CHARS);
                    label for="pnumber" { (tr!(t, "admin-number")) } input id="pnumber" name="number" required maxlength=(phonebook_store::MAX_NUMBER_CHARS) size="12";
                    button type="submit" { (tr!(t, "admin-phonebook-add")) }
                }
            }
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<PhonebookSection>(state, admin, text).await
}

/// The phonebook entry form.
#[derive(Debug, Deserialize)]
pub struct PhonebookEntryInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    number: String,
}

/// POST /admin/phonebook: adds an admin-defined phonebook entry.
pub async fn add_phonebook_entry(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<PhonebookEntryInput>,
) -> Result<Response, PageError> {
    let added = state
        .db
        .write(move |tx| phonebook_store::add_service_entry(tx, &form.name, &form.number))
        .await;
    match added {
        Ok(_) => Ok(see_other("/admin#phonebook")),
        Err(DbError::Refused(refusal)) => refuse(&state, &admin, refusal.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

/// POST /admin/phonebook/{id}/delete.
pub async fn delete_phonebook_entry(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    // A mangled link gets the friendly "not found" page, not axum's plain-text rejection.
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    state
        .db
        .write(move |tx| phonebook_store::delete_service_entry(tx, id))
        .await?;
    Ok(see_other("/admin#phonebook"))
}
