//! The numbering section: claimable ranges, reserved numbers, the per-person maximum, and
//! what the settings file fixes.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View};
use crate::db::numbering::{self, StoredRange};
use crate::db::DbError;
use crate::domain::numbering::Range;
use crate::domain::Number;
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/ranges", post(add_range))
        .route("/admin/ranges/{id}/delete", post(delete_range))
        .route("/admin/reserved", post(reserve))
        .route("/admin/reserved/{number}/delete", post(unreserve))
        .route("/admin/max", post(set_max))
}

/// The numbering rules stored in the database.
pub(super) struct NumberingSection {
    ranges: Vec<StoredRange>,
    reserved: Vec<(String, String)>,
    max: u32,
}

impl Section for NumberingSection {
    fn load(c: &Connection, _view: &View) -> Result<Self, DbError> {
        Ok(NumberingSection {
            ranges: numbering::ranges(c)?,
            reserved: numbering::reserved(c)?,
            max: numbering::max_per_user(c)?,
        })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, s, t) = (view.csrf(), &view.settings, view.t);
        html! {
            section #numbering {
                h2 { (tr!(t, "admin-numbering")) }
                h3 { (tr!(t, "admin-numbering-ranges")) }
                ul {
                    @for r in &self.ranges {
                        li {
                            (r.range) " "
                            form.inline method="post" action={ "/admin/ranges/" (r.id) "/delete" } {
                                (CsrfField(csrf))
                                button.secondary type="submit" { (tr!(t, "admin-remove")) }
                            }
                        }
                    }
                }
                form.inline method="post" action="/admin/ranges" {
                    (CsrfField(csrf))
                    label for="first" { (tr!(t, "admin-numbering-from")) } input id="first" name="first" inputmode="numeric" required size="8";
                    label for="last" { (tr!(t, "admin-numbering-to")) } input id="last" name="last" inputmode="numeric" required size="8";
                    button type="submit" { (tr!(t, "admin-numbering-add-range")) }
                }
                h3 { (tr!(t, "admin-numbering-reserved")) }
                ul {
                    @for (n, reason) in &self.reserved {
                        li {
                            (n) @if !reason.is_empty() { " — " (reason) } " "
                            form.inline method="post" action={ "/admin/reserved/" (n) "/delete" } {
                                (CsrfField(csrf))
                                button.secondary type="submit" { (tr!(t, "admin-numbering-free")) }
                            }
                        }
                    }
                }
                form.inline method="post" action="/admin/reserved" {
                    (CsrfField(csrf))
                    label for="rnumber" { (tr!(t, "admin-number")) } input id="rnumber" name="number" inputmode="numeric" required size="8";
                    label for="reason" { (tr!(t, "admin-numbering-reason")) } input id="reason" name="reason" maxlength="60";
                    button type="submit" { (tr!(t, "admin-numbering-reserve")) }
                }
                h3 { (tr!(t, "admin-numbering-per-person")) }
                form.inline method="post" action="/admin/max" {
                    (CsrfField(csrf))
                    label for="max" { (tr!(t, "admin-numbering-max")) }
                    input id="max" name="max" type="number" min="0" max="100" required value=(self.max);
                    button type="submit" { (tr!(t, "admin-save")) }
                }
                h3 { (tr!(t, "admin-numbering-settings")) }
                dl.codes {
                    dt { (tr!(t, "admin-numbering-info-code")) } dd { code { (s.codes.info) } }
                    dt { (tr!(t, "admin-numbering-echo-code")) } dd { code { (s.codes.echo) } }
                    dt { (tr!(t, "admin-numbering-register-code")) } dd { code { (s.codes.register) } }
                    dt { (tr!(t, "admin-numbering-temporary")) } dd { code { (s.numbering.temporary_first) "–" (s.numbering.temporary_last) } }
                    dt { (tr!(t, "admin-numbering-emergency")) } dd { (s.numbering.emergency.join(", ")) }
                    dt { (tr!(t, "admin-numbering-helpdesk")) } dd { (s.numbering.helpdesk.join(", ")) }
                    dt { (tr!(t, "admin-numbering-token-length")) } dd { (tr!(t, "admin-numbering-digits", count = s.numbering.token_length)) }
                }
            }
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<NumberingSection>(state, admin, text).await
}

/// The add-range form.
#[derive(Debug, Deserialize)]
pub struct RangeInput {
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
}

/// POST /admin/ranges.
pub async fn add_range(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<RangeInput>,
) -> Result<Response, PageError> {
    let range = match Range::parse(&form.first, &form.last) {
        Ok(r) => r,
        Err(e) => return refuse(&state, &admin, e).await,
    };
    state
        .db
        .write(move |tx| numbering::add_range(tx, &range))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// POST /admin/ranges/{id}/delete.
pub async fn delete_range(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    state
        .db
        .write(move |tx| numbering::delete_range(tx, id))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// The reserve form.
#[derive(Debug, Deserialize)]
pub struct ReserveInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    reason: String,
}

/// POST /admin/reserved.
pub async fn reserve(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<ReserveInput>,
) -> Result<Response, PageError> {
    let number = match Number::parse(&form.number) {
        Ok(n) => n,
        Err(e) => return refuse(&state, &admin, crate::web::failure::for_page(&e)).await,
    };
    let reason: String = form
        .reason
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    state
        .db
        .write(move |tx| numbering::reserve(tx, number.as_str(), &reason))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// POST /admin/reserved/{number}/delete.
pub async fn unreserve(
    State(state): State<AppState>,
    Admin(_): Admin,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    state
        .db
        .write(move |tx| numbering::unreserve(tx, number.as_str()))
        .await?;
    Ok(see_other("/admin#numbering"))
}

/// The per-user maximum form.
#[derive(Debug, Deserialize)]
pub struct MaxInput {
    #[serde(default)]
    max: String,
}

/// POST /admin/max.
pub async fn set_max(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<MaxInput>,
) -> Result<Response, PageError> {
    let max = match form.max.trim().parse::<u32>() {
        Ok(m) if m <= 100 => m,
        _ => {
            let why = tr!(super::tr_of(&admin), "admin-numbering-max-refused");
            return refuse(&state, &admin, why).await;
        }
    };
    state
        .db
        .write(move |tx| numbering::set_max_per_user(tx, max))
        .await?;
    Ok(see_other("/admin#numbering"))
}
