//! `/signup`: create an account and log in.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::db::signups::{self, Limited};
use crate::domain::accounts::MIN_PASSWORD;
use crate::service::users::{self, AddUserError};
use crate::tr;
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::client::ClientAddr;
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::pages::{login, see_other};
use crate::web::state::AppState;

/// The sign-up form.
#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

fn render(visitor: &Visitor, form: &SignupForm, notice: Option<Notice>) -> Markup {
    let t = visitor.tr();
    layout(
        &tr!(t, "signup-title"),
        visitor,
        html! {
            @if let Some(n) = notice { (n) }
            form.stack method="post" action="/signup" {
                (CsrfField(&visitor.csrf))
                label for="username" { (tr!(t, "signup-username")) }
                input id="username" name="username" required minlength="3" maxlength="32"
                    autocomplete="username" autocapitalize="none" value=(form.username);
                small { (tr!(t, "signup-username-help")) }
                label for="display_name" { (tr!(t, "signup-display-name")) }
                input id="display_name" name="display_name" required maxlength="60"
                    autocomplete="name" value=(form.display_name);
                small { (tr!(t, "signup-display-name-help")) }
                label for="password" { (tr!(t, "signup-password")) }
                input id="password" name="password" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                small { (tr!(t, "signup-password-help", count = MIN_PASSWORD)) }
                label for="password2" { (tr!(t, "signup-password-again")) }
                input id="password2" name="password2" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                button type="submit" { (tr!(t, "signup-submit")) }
            }
            p { (super::home::linked(&tr!(t, "signup-have-account", login = super::home::slot(0)), &[html! { a href="/login" { (tr!(t, "signup-log-in-link")) } }])) }
        },
    )
}

/// GET: the form (logged-in visitors go to their extensions).
pub async fn show(visitor: Visitor) -> Response {
    if visitor.user.is_some() {
        return see_other("/account");
    }
    render(&visitor, &SignupForm::default(), None).into_response()
}

/// What a refused sign-up is told; `seconds` until a slot frees up.
fn limited_message(t: Tr, limited: Limited) -> (i64, String) {
    match limited {
        Limited::Address(s) => (s, tr!(t, "signup-limited-address", minutes = (s + 59) / 60)),
        Limited::Global(s) => (s, tr!(t, "signup-limited-global", minutes = (s + 59) / 60)),
    }
}

/// POST: create the account, log in, go to the extensions page. Each account takes a slot of
/// the sign-up limits (`web.signups_per_address_per_hour`, `web.signups_per_hour`); a refused
/// form gives its slot back.
pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    visitor: Visitor,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Result<Response, PageError> {
    let refuse = |message: String| {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&visitor, &form, Some(Notice::error(message))),
        )
            .into_response())
    };
    if form.password != form.password2 {
        return refuse(tr!(visitor.tr(), "signup-passwords-differ"));
    }
    let (address, at) = (client.limit_key(), crate::db::now());
    let (per_address, global) = (
        state.settings.web.signups_per_address_per_hour,
        state.settings.web.signups_per_hour,
    );
    let slot = state
        .db
        .write(move |tx| signups::reserve(tx, &address, at, per_address, global))
        .await?;
    let slot = match slot {
        Ok(slot) => slot,
        Err(limited) => {
            tracing::info!(client = %client, ?limited, "sign-up refused by the limits");
            let (seconds, message) = limited_message(visitor.tr(), limited);
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, seconds.to_string())],
                render(&visitor, &form, Some(Notice::error(message))),
            )
                .into_response());
        }
    };
    let added = users::sign_up(
        &state.db,
        &form.username,
        &form.display_name,
        &form.password,
    )
    .await;
    let user = match added {
        Ok(user) => user,
        Err(e) => {
            // Nothing was created, so the slot goes back.
            state.db.write(move |tx| signups::release(tx, slot)).await?;
            return match e {
                AddUserError::Db(e) => Err(e.into()),
                e => refuse(crate::web::failure::for_page(&e)),
            };
        }
    };
    tracing::info!(client = %client, user = ?user.username, "account created");
    login::start_session(&state, visitor.user.as_ref(), &user, None).await
}
