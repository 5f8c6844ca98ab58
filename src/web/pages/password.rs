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
use crate::tr;
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
        &tr!(visitor.tr(), "password-title"),
        &visitor,
        html! {
            @let t = visitor.tr();
            @if let Some(n) = notice { (n) }
            form.stack method="post" action="/account/password" {
                (CsrfField(&user.csrf))
                // A hidden username lets password managers store the new password for it.
                input type="hidden" name="username" autocomplete="username"
                    value=(user.user.username);
                label for="current" { (tr!(t, "password-current")) }
                input id="current" name="current" type="password" required
                    autocomplete="current-password";
                label for="password" { (tr!(t, "password-new")) }
                input id="password" name="password" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                small { (tr!(t, "password-new-help", count = MIN_PASSWORD)) }
                label for="password2" { (tr!(t, "password-new-again")) }
                input id="password2" name="password2" type="password" required
                    minlength=(MIN_PASSWORD) autocomplete="new-password";
                button type="submit" { (tr!(t, "password-submit")) }
            }
            p { a href="/account" { (tr!(t, "password-back")) } }
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
    let t = Visitor::of(&user).tr();
    let refuse = |message: String| {
        Ok(page(
            &user,
            Some(Notice::error(message)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    if form.password != form.password2 {
        return refuse(tr!(t, "password-differ"));
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
                Some(Notice::error(super::login::wait_message(t, wait))),
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
        return refuse(tr!(t, "password-current-wrong"));
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
        Some(Notice::ok(tr!(t, "password-changed"))),
        StatusCode::OK,
    ))
}
