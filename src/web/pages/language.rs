//! The footer's language switch: `POST /language` for a logged-in user (stored with the
//! account and mirrored in a cookie), `GET /language/{code}` for anyone else (the cookie only:
//! it changes nothing on the server, so it needs no form token).

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Response;
use serde::Deserialize;

use crate::domain::lang::Lang;
use crate::service;
use crate::tr;
use crate::web::auth::{cookie, CsrfForm, LoggedIn, Visitor};
use crate::web::error::PageError;
use crate::web::i18n::LANG_COOKIE;
use crate::web::pages::see_other;
use crate::web::state::AppState;

/// How long the browser remembers the choice: past the event, to the next one.
const COOKIE_SECONDS: i64 = 365 * 24 * 3600;

/// The switch's form.
#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// `?back=` of the anonymous link.
#[derive(Debug, Deserialize)]
pub struct Back {
    #[serde(default)]
    back: String,
}

/// Where to go after switching: a path on this site, else the start page. `//host` and
/// `/\host` would leave the site (browsers read both as another host), so they do not count.
pub fn safe_back(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && !back.chars().any(char::is_control);
    if local {
        back
    } else {
        "/"
    }
}

fn parse(code: &str, visitor: &Visitor) -> Result<Lang, PageError> {
    // Exactly a code we speak: "de-AT" or "DE" from a hand-made link are refused like "fr".
    Lang::ALL
        .into_iter()
        .find(|l| l.code() == code)
        .ok_or_else(|| PageError::BadRequest(tr!(visitor.tr(), "language-unknown")))
}

fn switched(state: &AppState, lang: Lang, back: &str) -> Response {
    let mut response = see_other(safe_back(back));
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state.settings, LANG_COOKIE, lang.code(), COOKIE_SECONDS),
    );
    response
}

/// POST /language: a logged-in user's choice, kept with the account.
pub async fn submit(
    State(state): State<AppState>,
    user: LoggedIn,
    visitor: Visitor,
    CsrfForm(form): CsrfForm<SwitchForm>,
) -> Result<Response, PageError> {
    let lang = parse(&form.lang, &visitor)?;
    service::users::set_language(&state.db, user.user.id, Some(lang)).await?;
    Ok(switched(&state, lang, &form.back))
}

/// GET /language/{code}: anyone's choice, in a cookie of their own browser.
pub async fn link(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
    Query(back): Query<Back>,
) -> Result<Response, PageError> {
    let lang = parse(&code, &visitor)?;
    Ok(switched(&state, lang, &back.back))
}

/// The cookie that carries a user's stored choice into the browser at login.
pub fn login_cookie(state: &AppState, lang: Lang) -> header::HeaderValue {
    cookie(&state.settings, LANG_COOKIE, lang.code(), COOKIE_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_come_back() {
        assert_eq!(safe_back("/account?x=1"), "/account?x=1");
        assert_eq!(safe_back("//evil.example/"), "/");
        assert_eq!(safe_back("/\\evil.example"), "/");
        assert_eq!(safe_back("https://evil.example/"), "/");
        assert_eq!(safe_back(""), "/");
        assert_eq!(safe_back("/a\r\nSet-Cookie: x=y"), "/");
    }
}
