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
        let csrf = view.csrf();
        html! {
            section #phonebook {
                h2 { "Phonebook entries" }
                p {
                    "Listed in the phonebook beside the extensions people published, for example the help desk "
                    "or the info line. Phones fetch the book from "
                    code { "/phonebook/yealink.xml" } ", " code { "snom.xml" } ", " code { "grandstream.xml" } ", "
                    code { "cisco.xml" } " and " code { "mitel.xml?q=" } "; services from "
                    code { "/phonebook.json" } ", " code { ".csv" } " and " code { ".vcf" } "."
                }
                table.list {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Number" } th scope="col" { span.sr { "Actions" } } } }
                    tbody {
                        @for e in &self.entries {
                            tr {
                                td { (e.name) } td { (e.number) }
                                td {
                                    form.inline method="post" action={ "/admin/phonebook/" (e.id) "/delete" } {
                                        (CsrfField(csrf))
                                        button.secondary type="submit" { "Remove" }
                                    }
                                }
                            }
                        }
                        @if self.entries.is_empty() { tr { td colspan="3" { "No entries of your own yet." } } }
                    }
                }
                form.inline method="post" action="/admin/phonebook" {
                    (CsrfField(csrf))
                    label for="pname" { "Name" } input id="pname" name="name" required maxlength=(phonebook_store::MAX_NAME_CHARS);
                    label for="pnumber" { "Number" } input id="pnumber" name="number" required maxlength=(phonebook_store::MAX_NUMBER_CHARS) size="12";
                    button type="submit" { "Add entry" }
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
