//! The account page's browser phone (issue 16): per extension, add or remove a browser phone
//! (a WebRTC device of its own, `db::browser`), and the phone itself: register, dial pad,
//! call, answer, hang up, mute, DTMF, the call's state and an incoming-call notification.
//!
//! The phone is `static/phone.js` on JsSIP (`static/jssip.min.js`, vendored from npm by
//! `scripts/vendor-jssip`). It fetches its SIP credentials from `browser.json` of its
//! extension, same-origin behind the session (never in a URL, never logged; `no-store`), and
//! registers over `/ws` of this origin (`web::ws_proxy`), so the CSP stays `default-src
//! 'self'` with no inline script. Its words come from the page (`data-t-*` attributes,
//! `locales/*/phone.ftl`), so the script holds no text of its own.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::{html, Markup, Render};
use serde::Serialize;

use crate::db::browser;
use crate::db::extensions::{Extension, ExtensionKind};
use crate::service::browser as browser_service;
use crate::tr;
use crate::web::auth::{CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::i18n::{self, Tr};
use crate::web::pages::{no_store, see_other, Empty};
use crate::web::state::AppState;

use super::LiveHandle;

/// The phone's routes: the forms, the credentials and the scripts.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/ext/{number}/browser", post(add))
        .route("/account/ext/{number}/browser/delete", post(remove))
        .route("/account/ext/{number}/browser.json", get(credentials))
        .route("/static/phone.js", get(|| asset(PHONE_JS, JS)))
        .route("/static/phone.css", get(|| asset(PHONE_CSS, CSS)))
        .route("/static/jssip.min.js", get(|| asset(JSSIP, JS)))
        .route(
            "/static/jssip.LICENSE.txt",
            get(|| asset(JSSIP_LICENSE, TEXT)),
        )
}

const PHONE_JS: &str = include_str!("../../static/phone.js");
const PHONE_CSS: &str = include_str!("../../static/phone.css");
/// JsSIP 3.13.8, bundled by `scripts/vendor-jssip`; its checksum is checked below.
const JSSIP: &str = include_str!("../../static/jssip.min.js");
const JSSIP_LICENSE: &str = include_str!("../../static/jssip.LICENSE.txt");
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

async fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// One of the user's extensions that can have a browser phone, and whether it has one.
#[derive(Debug, Clone)]
pub(super) struct PhoneSlot {
    number: String,
    has_phone: bool,
}

/// What the section shows: loaded once per page, beside the rest of the account data.
#[derive(Debug, Clone, Default)]
pub(super) struct Phones {
    slots: Vec<PhoneSlot>,
    enabled: bool,
}

impl Phones {
    /// The user's extensions that may have a browser phone (groups and conference rooms have
    /// no devices).
    pub(super) async fn load(
        state: &AppState,
        extensions: Vec<Extension>,
    ) -> Result<Phones, PageError> {
        let numbers: Vec<String> = extensions
            .into_iter()
            .filter(|e| !matches!(e.kind, ExtensionKind::Group | ExtensionKind::Conference))
            .map(|e| e.number)
            .collect();
        let slots = state
            .db
            .read(move |c| {
                numbers
                    .into_iter()
                    .map(|number| {
                        let has_phone = browser::device_of(c, &number)?.is_some();
                        Ok(PhoneSlot { number, has_phone })
                    })
                    .collect()
            })
            .await?;
        Ok(Phones {
            slots,
            enabled: state.settings.webrtc.enabled,
        })
    }

    /// The section, with the forms carrying `csrf`.
    pub(super) fn section<'a>(&'a self, csrf: &'a str) -> PhoneSection<'a> {
        PhoneSection { phones: self, csrf }
    }
}

/// The "Browser phone" section of `/account`.
pub(super) struct PhoneSection<'a> {
    phones: &'a Phones,
    csrf: &'a str,
}

/// The words the script shows, as `data-t-<name>` attributes of the section.
const SCRIPT_TEXTS: &[(&str, &str)] = &[
    ("off", "phone-state-off"),
    ("connecting", "phone-state-connecting"),
    ("ready", "phone-state-ready"),
    ("failed", "phone-state-failed"),
    ("calling", "phone-state-calling"),
    ("ringing", "phone-state-ringing"),
    ("incoming", "phone-state-incoming"),
    ("in-call", "phone-state-in-call"),
    ("ended", "phone-state-ended"),
    ("no-media", "phone-no-media"),
    ("mute", "phone-mute"),
    ("unmute", "phone-unmute"),
    ("notify-title", "phone-notify-title"),
];

fn texts_attribute(t: Tr) -> String {
    // One JSON attribute, parsed by the script: keeps the element's attributes few and the
    // words escaped once, by maud.
    let map: serde_json::Map<String, serde_json::Value> = SCRIPT_TEXTS
        .iter()
        .map(|(key, id)| ((*key).to_string(), t.t(id).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

impl Render for PhoneSection<'_> {
    fn render(&self) -> Markup {
        let t = i18n::current();
        if !self.phones.enabled || self.phones.slots.is_empty() {
            return html! {};
        }
        let any_phone = self.phones.slots.iter().any(|s| s.has_phone);
        html! {
            section #phones aria-labelledby="phones-h" data-texts=(texts_attribute(t)) {
                h2 #phones-h { (tr!(t, "phone-heading")) }
                p.small { (tr!(t, "phone-intro")) }
                @for slot in &self.phones.slots {
                    @if slot.has_phone {
                        (PhoneWidget { number: &slot.number, t })
                        form.inline method="post" action={ "/account/ext/" (slot.number) "/browser/delete" } {
                            (CsrfField(self.csrf))
                            button.danger type="submit" { (tr!(t, "phone-remove", number = &slot.number)) }
                        }
                    } @else {
                        form.inline method="post" action={ "/account/ext/" (slot.number) "/browser" } {
                            (CsrfField(self.csrf))
                            button type="submit" { (tr!(t, "phone-add", number = &slot.number)) }
                        }
                    }
                }
                @if any_phone {
                    link rel="stylesheet" href="/static/phone.css";
                    script src="/static/jssip.min.js" defer {}
                    script src="/static/phone.js" defer {}
                    p.small { a href="/static/jssip.LICENSE.txt" { (tr!(t, "phone-licence")) } }
                }
            }
        }
    }
}

/// One extension's phone; the script brings it to life.
struct PhoneWidget<'a> {
    number: &'a str,
    t: Tr,
}

impl Render for PhoneWidget<'_> {
    fn render(&self) -> Markup {
        let (n, t) = (self.number, self.t);
        html! {
            div.phone id={ "phone-" (n) } data-number=(n) data-state="off"
                data-config={ "/account/ext/" (n) "/browser.json" } {
                h3 { (tr!(t, "phone-title", number = n)) }
                p.phone-status role="status" aria-live="polite" {
                    span.phone-state { (tr!(t, "phone-state-off")) }
                    " "
                    span.phone-detail {}
                }
                noscript { p { (tr!(t, "phone-needs-script")) } }
                div.phone-incoming role="alert" hidden {
                    p { (tr!(t, "phone-state-incoming")) " " strong.phone-caller {} }
                    button.phone-answer type="button" { (tr!(t, "phone-answer")) }
                    button.phone-decline.danger type="button" { (tr!(t, "phone-decline")) }
                }
                label for={ "phone-dial-" (n) } { (tr!(t, "phone-number-label")) }
                input.phone-dial id={ "phone-dial-" (n) } type="tel" inputmode="tel"
                    autocomplete="off" maxlength="32";
                div.phone-pad role="group" aria-label=(tr!(t, "phone-pad-label")) {
                    @for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"] {
                        button.phone-key type="button" data-key=(key) { (key) }
                    }
                }
                div.phone-actions {
                    button.phone-call type="button" disabled { (tr!(t, "phone-call")) }
                    button.phone-hangup.danger type="button" disabled { (tr!(t, "phone-hangup")) }
                    button.phone-mute.secondary type="button" aria-pressed="false" disabled { (tr!(t, "phone-mute")) }
                    button.phone-notify.secondary type="button" hidden { (tr!(t, "phone-notify-allow")) }
                }
                p.phone-media.small data-sent="0" data-received="0" {
                    (tr!(t, "phone-media-label")) " "
                    span.phone-sent { "0" } " / " span.phone-received { "0" }
                }
                audio.phone-audio autoplay {}
            }
        }
    }
}

/// POST /account/ext/{number}/browser: add a browser phone.
pub async fn add(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    if !state.settings.webrtc.enabled {
        return Err(PageError::NotFound);
    }
    match browser_service::add(
        &state.db,
        &state.settings,
        number.as_str(),
        super::own(&user),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/account#phone-{number}"))),
        Err(e) => super::refused(&state, &user, &live, e.into()).await,
    }
}

/// POST /account/ext/{number}/browser/delete: remove it (its registration ends).
pub async fn remove(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    match browser_service::remove(&state.db, number.as_str(), super::own(&user)).await {
        Ok(()) => Ok(see_other("/account#phones")),
        Err(e) => super::refused(&state, &user, &live, e.into()).await,
    }
}

/// What the phone registers with.
#[derive(Debug, Serialize)]
struct PhoneConfig {
    /// `sip:<username>@<domain>`.
    uri: String,
    username: String,
    password: String,
    /// The domain dialled numbers are sent to.
    domain: String,
    /// The extension's number, shown on the phone.
    number: String,
    /// The path of the websocket on this origin.
    websocket_path: &'static str,
}

/// GET /account/ext/{number}/browser.json: the credentials, for the owner's page only.
pub async fn credentials(
    State(state): State<AppState>,
    user: LoggedIn,
    NumberPath(number, _): NumberPath,
) -> Result<Response, PageError> {
    if !state.settings.webrtc.enabled {
        return Err(PageError::NotFound);
    }
    let phone = browser_service::get(&state.db, number.as_str(), super::own(&user))
        .await?
        .ok_or(PageError::NotFound)?;
    let domain = state.settings.sip.public_address.clone();
    let creds = phone.credentials;
    let config = PhoneConfig {
        uri: format!("sip:{}@{domain}", creds.username),
        username: creds.username,
        password: creds.password,
        domain,
        number: phone.number,
        websocket_path: "/ws",
    };
    Ok(no_store(Json(config).into_response()))
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn the_vendored_jssip_is_the_pinned_build() {
        let recorded = include_str!("../../static/jssip.min.js.sha256").trim();
        let actual = hex::encode(Sha256::digest(JSSIP.as_bytes()));
        assert_eq!(
            actual, recorded,
            "run scripts/vendor-jssip, never edit the file"
        );
        assert!(JSSIP_LICENSE.contains("==== jssip 3.13.8 ===="));
    }

    #[test]
    fn the_script_reads_every_word_it_shows_from_the_page() {
        for (key, _) in SCRIPT_TEXTS {
            assert!(
                PHONE_JS.contains(&format!("text(\"{key}\")"))
                    || PHONE_JS.contains(&format!("show(\"{key}\"")),
                "{key} is never used by phone.js"
            );
        }
        for lang in [crate::domain::lang::Lang::En, crate::domain::lang::Lang::De] {
            let attr = texts_attribute(Tr::new(lang));
            assert!(!attr.contains(crate::web::i18n::MISSING_OPEN), "{attr}");
        }
    }
}
