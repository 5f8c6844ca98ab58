//! The API keys section: create a key (shown once), list, revoke.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use rusqlite::Connection;
use serde::Deserialize;

use super::{Section, View};
use crate::db::{api_keys, DbError};
use crate::tr;
use crate::web::auth::{Admin, CsrfForm, LoggedIn};
use crate::web::components::{CsrfField, TimeTag};
use crate::web::error::PageError;
use crate::web::pages::see_other;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/keys", post(create_key))
        .route("/admin/keys/revoke", post(revoke_key))
}

/// Every API key, live or revoked (never the key itself: only its hash is stored).
pub(super) struct KeysSection {
    keys: Vec<api_keys::KeyInfo>,
}

impl Section for KeysSection {
    fn load(c: &Connection, _view: &View) -> Result<Self, DbError> {
        Ok(KeysSection {
            keys: api_keys::list(c)?,
        })
    }

    fn render(&self, view: &View) -> Markup {
        let (csrf, offset, t) = (view.csrf(), view.offset, view.t);
        html! {
            section #keys {
                h2 { (tr!(t, "admin-keys")) }
                form.inline method="post" action="/admin/keys" {
                    (CsrfField(csrf))
                    label for="kname" { (tr!(t, "admin-name")) } input id="kname" name="name" required maxlength="64";
                    label for="kscope" { (tr!(t, "admin-keys-scope")) }
                    select id="kscope" name="scope" {
                        option value="read" { (tr!(t, "admin-keys-scope-read")) }
                        option value="read-write" { (tr!(t, "admin-keys-scope-read-write")) }
                        option value="admin" { (tr!(t, "admin-keys-scope-admin")) }
                    }
                    button type="submit" { (tr!(t, "admin-keys-create")) }
                }
                table.list {
                    thead { tr { th scope="col" { (tr!(t, "admin-name")) } th scope="col" { (tr!(t, "admin-keys-scope")) } th scope="col" { (tr!(t, "admin-created")) } th scope="col" { (tr!(t, "admin-state")) } th scope="col" { span.sr { (tr!(t, "admin-actions")) } } } }
                    tbody {
                        @for k in &self.keys {
                            tr {
                                td { (k.name) } td { (scope_name(t, k.scope)) }
                                td { (TimeTag { unix: k.created_at, offset }) }
                                td { @if k.revoked_at.is_some() { (tr!(t, "admin-keys-revoked")) } @else { (tr!(t, "admin-keys-live")) } }
                                td {
                                    @if k.revoked_at.is_none() {
                                        form.inline method="post" action={ "/admin/keys/revoke" } {
                                            (CsrfField(csrf))
                                            input type="hidden" name="name" value=(k.name);
                                            button.secondary type="submit" { (tr!(t, "admin-keys-revoke")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A scope in words (the stored value stays as it is).
fn scope_name(t: crate::web::i18n::Tr, scope: api_keys::Scope) -> String {
    match scope {
        api_keys::Scope::Read => tr!(t, "admin-keys-scope-read"),
        api_keys::Scope::ReadWrite => tr!(t, "admin-keys-scope-read-write"),
        api_keys::Scope::Admin => tr!(t, "admin-keys-scope-admin-short"),
    }
}

async fn refuse(state: &AppState, admin: &LoggedIn, text: String) -> Result<Response, PageError> {
    super::refuse::<KeysSection>(state, admin, text).await
}

/// The key forms.
#[derive(Debug, Deserialize)]
pub struct KeyInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

/// POST /admin/keys: creates a key and shows it once.
pub async fn create_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    CsrfForm(form): CsrfForm<KeyInput>,
) -> Result<Response, PageError> {
    let Some(scope) = api_keys::Scope::parse(&form.scope) else {
        let why = tr!(super::tr_of(&admin), "admin-keys-scope-refused");
        return refuse(&state, &admin, why).await;
    };
    let name = form.name.trim().to_string();
    let n = name.clone();
    let key = match state
        .db
        .write(move |tx| api_keys::create(tx, &n, scope))
        .await
    {
        Ok(k) => k,
        Err(crate::db::DbError::Refused(refusal)) => {
            return refuse(&state, &admin, refusal.to_string()).await
        }
        Err(e) => return Err(e.into()),
    };
    let t = super::tr_of(&admin);
    let shown = html! {
        section.notice.ok role="status" {
            h2 { (tr!(t, "admin-keys-shown", name = &name)) }
            p { (tr!(t, "admin-keys-how")) " " code { "Authorization: Bearer <key>" } }
            p { code { (key) } }
        }
    };
    super::shown_once::<KeysSection>(&state, &admin, shown).await
}

/// POST /admin/keys/revoke.
pub async fn revoke_key(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    CsrfForm(form): CsrfForm<KeyInput>,
) -> Result<Response, PageError> {
    let name = form.name;
    state
        .db
        .write(move |tx| api_keys::revoke(tx, &name))
        .await?;
    Ok(see_other("/admin#keys"))
}
