//! `/login` and `/logout`: sessions, with failed logins throttled per account and address.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::db::{self, sessions};
use crate::domain::throttle::Wait;
use crate::service;
use crate::service::users::User;
use crate::tr;
use crate::web::auth::{cookie, CsrfForm, LoggedIn, Visitor, PRE_COOKIE, SESSION_COOKIE};
use crate::web::client::ClientAddr;
use crate::web::components::{layout, CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::pages::{see_other, Empty};
use crate::web::state::AppState;

/// The login form.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// What someone who must wait before trying a password again is told.
pub(super) fn wait_message(t: Tr, wait: Wait) -> String {
    match wait {
        Wait::Pair(s) => tr!(t, "login-throttled-here", seconds = s),
        Wait::Account(s) => tr!(t, "login-throttled-everywhere", seconds = s),
    }
}

fn render(visitor: &Visitor, username: &str, notice: Option<Notice>) -> Markup {
    let t = visitor.tr();
    layout(
        &tr!(t, "login-title"),
        visitor,
        html! {
            @if let Some(n) = notice { (n) }
            form.stack method="post" action="/login" {
                (CsrfField(&visitor.csrf))
                label for="username" { (tr!(t, "login-username")) }
                input id="username" name="username" required autocomplete="username"
                    autocapitalize="none" value=(username);
                label for="password" { (tr!(t, "login-password")) }
                input id="password" name="password" type="password" required
                    autocomplete="current-password";
                button type="submit" { (tr!(t, "login-submit")) }
            }
            p { (super::home::linked(&tr!(t, "login-no-account", signup = super::home::slot(0)), &[html! { a href="/signup" { (tr!(t, "login-sign-up-link")) } }])) }
        },
    )
}

/// GET: the form.
pub async fn show(visitor: Visitor) -> Response {
    if visitor.user.is_some() {
        return see_other("/account");
    }
    render(&visitor, "", None).into_response()
}

/// POST: check the password (unless throttled) and start a session.
pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    visitor: Visitor,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let username = form.username.trim().to_string();
    let at = db::now();
    let (account, addr) = (username.clone(), client.limit_key());
    let attempt = state
        .db
        .write(move |tx| sessions::begin_attempt(tx, &account, &addr, at))
        .await?;
    let attempt = match attempt {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::info!(client = %client, account = ?username, "login throttled");
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.seconds().to_string())],
                render(
                    &visitor,
                    &username,
                    Some(Notice::error(wait_message(visitor.tr(), wait))),
                ),
            )
                .into_response());
        }
    };
    // Unknown names cost the same hash as known ones (the service sees to it).
    let user = service::users::check_password(&state.db, &username, form.password).await?;
    let ok = user.is_some();
    match user {
        Some(user) if ok && !user.disabled => {
            start_session(&state, visitor.user.as_ref(), &user, Some(attempt)).await
        }
        Some(user) if ok => Ok((
            StatusCode::FORBIDDEN,
            render(
                &visitor,
                &user.username,
                Some(Notice::error(tr!(visitor.tr(), "login-disabled"))),
            ),
        )
            .into_response()),
        // The failure was counted before the password was checked.
        _ => {
            // Debug formatting escapes control characters a visitor may have typed.
            tracing::info!(client = %client, account = ?username, "login failed");
            Ok((
                StatusCode::UNAUTHORIZED,
                render(
                    &visitor,
                    &username,
                    Some(Notice::error(tr!(visitor.tr(), "login-wrong"))),
                ),
            )
                .into_response())
        }
    }
}

/// Starts a fresh session (a new id every login, so a planted id is worthless), ends the old
/// one, and sends the browser to its extensions.
pub async fn start_session(
    state: &AppState,
    old: Option<&LoggedIn>,
    user: &User,
    attempt: Option<sessions::Attempt>,
) -> Result<Response, PageError> {
    let old = old.map(|o| o.id_hash.clone());
    let account = user.username.clone();
    let user_id = user.id;
    let session = state
        .db
        .write(move |tx| {
            if let Some(old) = &old {
                sessions::delete(tx, old)?;
            }
            match attempt {
                Some(a) => sessions::attempt_succeeded(tx, &account, a)?,
                None => sessions::clear_failures(tx, &account)?,
            }
            sessions::create(tx, user_id)
        })
        .await?;
    let mut response = see_other("/account");
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookie(
            &state.settings,
            SESSION_COOKIE,
            &session.id,
            sessions::SESSION_SECONDS,
        ),
    );
    // A language chosen on another browser follows the user here.
    if let Some(lang) = user.language {
        headers.append(
            header::SET_COOKIE,
            super::language::login_cookie(state, lang),
        );
    }
    // The pre-login token has done its job; the session has its own.
    headers.append(
        header::SET_COOKIE,
        cookie(&state.settings, PRE_COOKIE, "", 0),
    );
    Ok(response)
}

/// POST /logout: deletes the session and the cookie.
pub async fn logout(
    State(state): State<AppState>,
    user: LoggedIn,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id_hash = user.id_hash;
    state
        .db
        .write(move |tx| sessions::delete(tx, &id_hash))
        .await?;
    let mut response = see_other("/");
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state.settings, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}
