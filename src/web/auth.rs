//! Who is asking: session cookies, role guards and CSRF checks.
//!
//! - Logged-in visitors carry `epbx_session`, a random 256-bit id; the server keeps only its
//!   SHA-256 (see [`crate::db::sessions`]). Each session has its own CSRF token.
//! - Forms used before logging in (login, sign-up) use a double-submit token: a random
//!   `epbx_csrf` cookie whose value must come back in the form. SameSite=Lax already stops most
//!   cross-site posts; the token also covers old browsers and login CSRF.
//! - Every POST form is read through [`CsrfForm`], which compares the hidden `csrf` field in
//!   constant time before the handler runs, so a forged request changes nothing.

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::config::Settings;
use crate::db::sessions;
use crate::db::users::User;
use crate::domain::accounts::Role;
use crate::domain::lang::Lang;
use crate::domain::secrets;
use crate::web::error::PageError;
use crate::web::i18n::{self, RequestLang, Tr};
use crate::web::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "epbx_session";
/// The pre-login CSRF cookie's name.
pub const PRE_COOKIE: &str = "epbx_csrf";

/// Largest form body accepted; the biggest real form is a few hundred bytes.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// The value of one cookie from the request headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value with the flags every eventpbx cookie gets. `max_age` 0 deletes it.
pub fn cookie(settings: &Settings, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if settings.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    // Names and values are hex or fixed ASCII, so this cannot fail; an empty cookie is harmless.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether a cookie value looks like one of ours (64 hex digits); anything else is ignored
/// without a database lookup.
fn well_formed(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The pre-login CSRF token of this request, put there by [`pre_session_token`].
#[derive(Debug, Clone)]
struct PreToken(String);

/// Middleware for the anonymous form routes: makes sure the browser has an `epbx_csrf` cookie
/// and hands its value to the handlers.
pub async fn pre_session_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let existing = cookie_value(request.headers(), PRE_COOKIE).filter(|v| well_formed(v));
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (secrets::hex256(), true),
    };
    request.extensions_mut().insert(PreToken(token.clone()));
    let mut response = next.run(request).await;
    if fresh {
        // A day is plenty to fill in a login form; a stale one just gets a fresh cookie.
        response.headers_mut().append(
            header::SET_COOKIE,
            cookie(&state.settings, PRE_COOKIE, &token, 24 * 3600),
        );
    }
    response
}

/// A logged-in user and their session.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The user (role read fresh from the database on every request).
    pub user: User,
    /// SHA-256 of the session id (for logout).
    pub id_hash: String,
    /// The session's CSRF token, for forms.
    pub csrf: String,
}

/// Whoever is asking: maybe a user, the CSRF token their forms must carry, and the language
/// pages are rendered in.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The logged-in user, if any.
    pub user: Option<LoggedIn>,
    /// The CSRF token forms on this page must carry (empty if no form may be posted).
    pub csrf: String,
    /// The user's chosen language, else the request's ([`i18n::negotiate`]).
    pub lang: Lang,
    /// Path and query of the page asked for (where the language switch comes back to).
    pub path: String,
}

impl Visitor {
    /// Nobody, with no token (error pages), in the request's language.
    pub fn anonymous() -> Visitor {
        Visitor {
            user: None,
            csrf: String::new(),
            lang: i18n::current().lang(),
            path: i18n::current_path(),
        }
    }

    /// A logged-in user, in their language (else the request's), on the request's page.
    pub fn of(user: &LoggedIn) -> Visitor {
        Visitor {
            csrf: user.csrf.clone(),
            lang: user.user.language.unwrap_or(i18n::current().lang()),
            path: i18n::current_path(),
            user: Some(user.clone()),
        }
    }

    /// The translator for this visitor's pages.
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    /// The user's role, if logged in.
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.user.role)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        // Several extractors of one request ask; look the session up once.
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        let session = match cookie_value(&parts.headers, SESSION_COOKIE) {
            Some(id) if well_formed(&id) => {
                state.db.read(move |c| sessions::lookup(c, &id)).await?
            }
            _ => None,
        };
        let request_lang = parts
            .extensions
            .get::<RequestLang>()
            .map_or_else(|| i18n::default_lang(state), |l| l.0);
        let path = i18n::back_path(&parts.uri);
        let visitor = match session {
            Some(s) => Visitor {
                csrf: s.csrf.clone(),
                lang: s.user.language.unwrap_or(request_lang),
                path,
                user: Some(LoggedIn {
                    user: s.user,
                    id_hash: s.id_hash,
                    csrf: s.csrf,
                }),
            },
            None => Visitor {
                user: None,
                lang: request_lang,
                path,
                csrf: parts
                    .extensions
                    .get::<PreToken>()
                    .map(|t| t.0.clone())
                    .unwrap_or_default(),
            },
        };
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        Visitor::from_request_parts(parts, state)
            .await?
            .user
            .ok_or(PageError::LoginRequired)
    }
}

/// A logged-in user who may help others: the help desk, operators and admins
/// ([`Role::can_help_others`]). Everyone else gets 403 (and a visitor who is not logged in
/// the login page), as for [`Operator`] and [`Admin`].
#[derive(Debug, Clone)]
pub struct Helpdesk(pub LoggedIn);

impl FromRequestParts<AppState> for Helpdesk {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let user = LoggedIn::from_request_parts(parts, state).await?;
        if !user.user.role.can_help_others() {
            return Err(PageError::Forbidden);
        }
        Ok(Helpdesk(user))
    }
}

/// A logged-in operator or admin.
#[derive(Debug, Clone)]
pub struct Operator(pub LoggedIn);

impl FromRequestParts<AppState> for Operator {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let user = LoggedIn::from_request_parts(parts, state).await?;
        if user.user.role < Role::Operator {
            return Err(PageError::Forbidden);
        }
        Ok(Operator(user))
    }
}

/// A logged-in admin.
#[derive(Debug, Clone)]
pub struct Admin(pub LoggedIn);

impl FromRequestParts<AppState> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let user = LoggedIn::from_request_parts(parts, state).await?;
        if user.user.role < Role::Admin {
            return Err(PageError::Forbidden);
        }
        Ok(Admin(user))
    }
}

/// A urlencoded form whose `csrf` field matched the visitor's token. Extract it last.
#[derive(Debug, Clone)]
pub struct CsrfForm<T>(pub T);

/// Just the token of a posted form, read before the form itself.
#[derive(Deserialize)]
struct PostedToken {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let visitor = Visitor::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                PageError::BadRequest(crate::tr!(i18n::current(), "error-form-too-large"))
            })?;
        let field: PostedToken =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::Csrf)?;
        let matches: bool = field.csrf.as_bytes().ct_eq(visitor.csrf.as_bytes()).into();
        if visitor.csrf.is_empty() || !matches {
            return Err(PageError::Csrf);
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            PageError::BadRequest(crate::tr!(visitor.tr(), "error-form-incomplete"))
        })?;
        Ok(CsrfForm(form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_parse_and_carry_flags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; epbx_session=abc ; b=2"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie_value(&h, "c"), None);
        let mut s = Settings::default();
        let c = cookie(&s, "x", "y", 10);
        assert_eq!(
            c.to_str().unwrap(),
            "x=y; Path=/; HttpOnly; SameSite=Lax; Max-Age=10"
        );
        s.web.secure_cookies = true;
        assert!(cookie(&s, "x", "y", 10)
            .to_str()
            .unwrap()
            .ends_with("; Secure"));
    }
}
