//! The users section: search, roles, enable and disable.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View, PER_PAGE};
use crate::db::users::{self, User};
use crate::db::DbError;
use crate::domain::accounts::Role;
use crate::service::users::{self as user_service, DisableError, UserRef};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::{query_escape, CsrfField, Pager, TimeTag};
use crate::web::error::PageError;
use crate::web::pages::helpdesk::role_name;
use crate::web::pages::see_other;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{id}/role", post(set_role))
        .route("/admin/users/{id}/disabled", post(set_disabled))
}

/// One page of the user search.
pub(super) struct UsersSection {
    users: Vec<User>,
    total: u32,
}

impl Section for UsersSection {
    fn load(c: &Connection, view: &View) -> Result<Self, DbError> {
        let (users, total) = users::list(c, &view.uq, PER_PAGE, (view.upage - 1) * PER_PAGE)?;
        Ok(UsersSection { users, total })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, offset, uq, q, t) = (view.csrf(), view.offset, &view.uq, &view.q, view.t);
        let users_base = format!("/admin?uq={}&q={}", query_escape(uq), query_escape(q));
        html! {
            section #users {
                h2 { (tr!(t, "admin-users", count = self.total)) }
                form.search role="search" method="get" action="/admin" {
                    input type="hidden" name="q" value=(q);
                    label for="uq" { (tr!(t, "admin-users-search")) }
                    input id="uq" name="uq" type="search" value=(uq);
                    button type="submit" { (tr!(t, "admin-search")) }
                }
                div.scroll { table.list {
                    thead { tr { th { (tr!(t, "admin-username")) } th { (tr!(t, "admin-name")) } th { (tr!(t, "admin-users-since")) } th { (tr!(t, "admin-role")) } th { (tr!(t, "admin-users-status")) } } }
                    tbody {
                        @for u in &self.users {
                            tr {
                                td { (u.username) }
                                td { (u.display_name) }
                                td { (TimeTag { unix: u.created_at, offset }) }
                                td {
                                    @if u.id == view.me {
                                        (tr!(t, "admin-users-you", role = role_name(t, u.role)))
                                    } @else {
                                        form.inline method="post" action={ "/admin/users/" (u.id) "/role" } {
                                            (CsrfField(csrf))
                                            select name="role" aria-label=(tr!(t, "admin-users-role-of", user = &u.username)) {
                                                @for r in Role::ALL {
                                                    option value=(r.as_str()) selected[r == u.role] { (role_name(t, r)) }
                                                }
                                            }
                                            button.secondary type="submit" { (tr!(t, "admin-set")) }
                                        }
                                    }
                                }
                                td {
                                    @if u.disabled { (tr!(t, "admin-users-disabled")) " " } @else { (tr!(t, "admin-users-active")) " " }
                                    @if u.id != view.me {
                                        form.inline method="post" action={ "/admin/users/" (u.id) "/disabled" } {
                                            (CsrfField(csrf))
                                            input type="hidden" name="disabled" value=(if u.disabled { "no" } else { "yes" });
                                            button.secondary type="submit" { @if u.disabled { (tr!(t, "admin-users-enable")) } @else { (tr!(t, "admin-users-disable")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
                (Pager { base: &users_base, page: view.upage, per_page: PER_PAGE, total: self.total })
            }
        }
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<UsersSection>(state, admin, text).await
}

/// The role form.
#[derive(Debug, Deserialize)]
pub struct RoleInput {
    #[serde(default)]
    role: String,
}

/// POST /admin/users/{id}/role.
pub async fn set_role(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RoleInput>,
) -> Result<Response, PageError> {
    if id == admin.user.id {
        // An admin demoting themselves could leave nobody able to undo it.
        let why = tr!(super::tr_of(&admin), "admin-users-own-role");
        return refuse(&state, &admin, why).await;
    }
    let role = match Role::parse(&form.role) {
        Ok(r) => r,
        Err(e) => return refuse(&state, &admin, crate::web::failure::for_page(&e)).await,
    };
    state
        .db
        .write(move |tx| users::set_role(tx, id, role))
        .await?;
    Ok(see_other("/admin#users"))
}

/// The enable/disable form.
#[derive(Debug, Deserialize)]
pub struct DisabledInput {
    #[serde(default)]
    disabled: String,
}

/// POST /admin/users/{id}/disabled.
pub async fn set_disabled(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<DisabledInput>,
) -> Result<Response, PageError> {
    let disabled = form.disabled == "yes";
    match user_service::set_disabled(&state.db, UserRef::Id(id), disabled, Some(admin.user.id))
        .await
    {
        Ok(_) => Ok(see_other("/admin#users")),
        Err(e @ DisableError::Yourself) => {
            refuse(&state, &admin, crate::web::failure::for_page(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}
