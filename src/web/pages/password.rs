//! `/account/password`: change your own password. The current one is required (a session
//! left open on a shared machine must not be enough), guesses at it are throttled like logins,
//! and the other sessions of the user end, so whoever knew the old password is logged out.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::db::{self, sessions};
use crate::domain::accounts::MIN_PASSWORD;
use crate::service::users::{self, SetPasswordError};
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::client::ClientAddr;
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::pages::no_store;
use crate::web::state::AppState;

/// The form.
#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

fn page(user: &LoggedIn, notice: Option<Notice>, status: StatusCode) -> Response {
    let visitor = Visitor::of(user);
    let body: Markup = layout(
        "Change your password",
        &visitor,
        html! {
            @if let Some(n) = notice { (n) }
            form.stack method="post" action="/account/password" {
                (CsrfField(&user.csrf))
                // A hidden username lets password managers store the new password for it.
                input type="hidden" name="username" autocomplete="username"
                    value=(user.user.username);
                label for="current" { "Current password" }
                input id="current" name="current" type="password" required
                    autocomplete="current-password";
                label for="password" { "New password" }
                input id="password" name="password" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                small { "At least " (MIN_PASSWORD) " characters. Your other sessions end." }
                label for="password2" { "New password again" }
                input id="password2" name="password2" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                button type="submit" { "Change password" }
            }
            p { a href="/account" { "Back to my extensions" } }
        },
    );
    no_store((status, body).into_response())
}

/// GET: the form.
pub async fn show(user: LoggedIn) -> Response {
    page(&user, None, StatusCode::OK)
}

/// POST: check the current password, set the new one, end the other sessions.
pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    user: LoggedIn,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let refuse = |message: String| {
        Ok(page(
            &user,
            Some(Notice::error(message)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    if form.password != form.password2 {
        return refuse("The two new passwords differ. Type the same password twice.".into());
    }
    // The current password is a login in all but name: the same throttle applies, so a
    // session left open cannot be used to guess it.
    let (account, address, at) = (user.user.username.clone(), client.limit_key(), db::now());
    let attempt = state
        .db
        .write(move |tx| sessions::begin_attempt(tx, &account, &address, at))
        .await?;
    let attempt = match attempt {
        Ok(attempt) => attempt,
        Err(wait) => {
            let mut response = page(
                &user,
                Some(Notice::error(wait.message())),
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = wait.seconds().to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(response);
        }
    };
    let checked = users::check_password(&state.db, &user.user.username, form.current).await?;
    if checked.is_none() {
        return refuse("The current password is wrong.".into());
    }
    let account = user.user.username.clone();
    state
        .db
        .write(move |tx| sessions::attempt_succeeded(tx, &account, attempt))
        .await?;
    match users::set_password(
        &state.db,
        &user.user.username,
        &form.password,
        Some(user.id_hash.clone()),
    )
    .await
    {
        Ok(_) => {}
        Err(SetPasswordError::Invalid(e)) => return refuse(crate::web::failure::for_page(&e)),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(client = %client, user = ?user.user.username, "password changed");
    Ok(page(
        &user,
        Some(Notice::ok(
            "Your password is changed. Your other sessions have ended.",
        )),
        StatusCode::OK,
    ))
}
