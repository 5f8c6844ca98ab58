//! `/signup`: create an account and log in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::app::AppState;
use crate::db::users::{self, AddUserError};
use crate::domain::accounts::{Role, MIN_PASSWORD};
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::AppError;
use crate::web::pages::{login, see_other};

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
    layout(
        "Sign up",
        visitor,
        html! {
            @if let Some(n) = notice { (n) }
            form.stack method="post" action="/signup" {
                (CsrfField(&visitor.csrf))
                label for="username" { "Username" }
                input id="username" name="username" required minlength="3" maxlength="32"
                    autocomplete="username" autocapitalize="none" value=(form.username);
                small { "Letters, digits, '.', '-' or '_'. You log in with it." }
                label for="display_name" { "Your name" }
                input id="display_name" name="display_name" required maxlength="60"
                    autocomplete="name" value=(form.display_name);
                small { "Shown in the phonebook and on the phones you call." }
                label for="password" { "Password" }
                input id="password" name="password" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                small { "At least " (MIN_PASSWORD) " characters." }
                label for="password2" { "Password again" }
                input id="password2" name="password2" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                button type="submit" { "Create account" }
            }
            p { "Have an account? " a href="/login" { "Log in" } }
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

/// POST: create the account, log in, go to the extensions page.
pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Result<Response, AppError> {
    let refuse = |message: String| {
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&visitor, &form, Some(Notice::error(message))),
        )
            .into_response())
    };
    if form.password != form.password2 {
        return refuse("The two passwords differ. Type the same password twice.".into());
    }
    let user = match users::add_user(
        &state.db,
        &form.username,
        &form.display_name,
        &form.password,
        Role::Attendee,
    )
    .await
    {
        Ok(user) => user,
        Err(AddUserError::Db(e)) => return Err(e.into()),
        Err(e) => return refuse(e.to_string()),
    };
    login::start_session(&state, visitor.user.as_ref(), &user.username, user.id, None).await
}
