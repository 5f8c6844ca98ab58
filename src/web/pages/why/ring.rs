//! The "ring me" button of `/ext/{number}/why`: a short test call through the number's route
//! or to one of its phones, whose outcome the page follows (app.js asks
//! `/ext/{number}/why/ring/{id}` every second; without script a reload shows it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::{diagnosable, render, PhoneView};
use crate::calls::ring_test::{CHANNEL_PREFIX, RING_SECS};
use crate::db::extensions::Extension;
use crate::domain::history::Cause;
use crate::domain::ring_test::{RingState, RingTarget};
use crate::domain::Number;
use crate::tr;
use crate::web::auth::{CsrfForm, LoggedIn, Visitor};
use crate::web::components::{CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::i18n::Tr;
use crate::web::live_view::{LiveError, LiveSource, NotNow, RingTest};
use crate::web::pages::account::LiveHandle;
use crate::web::pages::{no_store, see_other};
use crate::web::state::AppState;

/// The longest test id accepted from a URL (ours are the prefix and 24 hex digits).
const MAX_ID: usize = 64;

/// The test `id` if it exists and is about `ext` (anything else is treated as no test).
pub(super) fn visible_test(live: &dyn LiveSource, ext: &Extension, id: &str) -> Option<RingTest> {
    if id.len() > MAX_ID || !id.starts_with(CHANNEL_PREFIX) {
        return None;
    }
    live.ring_test_state(id)
        .filter(|t| t.target.number().as_str() == ext.number)
}

/// The button form: `target` is `route` or the endpoint id of one of the number's phones.
#[derive(Debug, Deserialize)]
pub struct RingInput {
    #[serde(default)]
    target: String,
}

/// POST /ext/{number}/why/ring: starts the test, then shows the page following it.
pub async fn start(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<RingInput>,
) -> Result<Response, PageError> {
    let ext = diagnosable(&state, &user, &number).await?;
    let t = Visitor::of(&user).tr();
    let target = match form.target.as_str() {
        "route" => RingTarget::Route(number.clone()),
        endpoint => {
            // Only a phone this number rings may be called directly: the endpoint comes from
            // the form, so it is looked up, never passed on as it came.
            let data = super::load(&state, ext.clone(), live.0.as_ref()).await?;
            match data.phones.iter().find(|p| p.endpoint == endpoint) {
                Some(p) => RingTarget::Phone {
                    number: number.clone(),
                    endpoint: p.endpoint.clone(),
                },
                None => {
                    let why = tr!(t, "why-ring-not-this-phone", number = number.as_str());
                    return refused(&state, &user, &live, ext, StatusCode::BAD_REQUEST, why).await;
                }
            }
        }
    };
    match live.0.ring_test(target, user.user.id).await {
        Ok(id) => Ok(see_other(&format!("/ext/{number}/why?test={id}#ring-test"))),
        Err(e) => {
            let (status, why) = match &e {
                LiveError::NotNow(NotNow::RingTestRunning(n)) => {
                    (StatusCode::CONFLICT, tr!(t, "why-ring-running", number = n))
                }
                LiveError::NotNow(NotNow::RingTestsFull(max)) => {
                    (StatusCode::CONFLICT, tr!(t, "why-ring-full", count = *max))
                }
                LiveError::NoParticipant => (StatusCode::CONFLICT, e.to_string()),
                LiveError::NotConnected => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    tr!(t, "why-ring-no-asterisk"),
                ),
                LiveError::Asterisk(_) => {
                    tracing::warn!(error = %e, %number, "ring test refused by Asterisk");
                    (StatusCode::BAD_GATEWAY, e.to_string())
                }
            };
            refused(&state, &user, &live, ext, status, why).await
        }
    }
}

async fn refused(
    state: &AppState,
    user: &LoggedIn,
    live: &LiveHandle,
    ext: Extension,
    status: StatusCode,
    why: String,
) -> Result<Response, PageError> {
    let mut response = render(state, user, live, ext, None, Some(Notice::error(why))).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// GET /ext/{number}/why/ring/{id}: the outcome block alone, for the page's script.
pub async fn outcome(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let number = Number::parse(&number).map_err(|_| PageError::NotFound)?;
    let ext = diagnosable(&state, &user, &number).await?;
    let test = visible_test(live.0.as_ref(), &ext, &id).ok_or(PageError::NotFound)?;
    let t = Visitor::of(&user).tr();
    Ok(no_store(
        Outcome(t, &test, &ext.number).render().into_response(),
    ))
}

/// The ring panel: the buttons, and the test the page follows.
pub(super) struct RingPanel<'a> {
    pub(super) t: Tr,
    pub(super) ext: &'a Extension,
    pub(super) phones: &'a [PhoneView],
    pub(super) csrf: &'a str,
    pub(super) test: Option<&'a RingTest>,
}

impl Render for RingPanel<'_> {
    fn render(&self) -> Markup {
        let (n, t) = (&self.ext.number, self.t);
        html! {
            section #ring {
                h2 { (tr!(t, "why-ring")) }
                p.small { (tr!(t, "why-ring-about", seconds = RING_SECS)) }
                form.inline method="post" action={ "/ext/" (n) "/why/ring" } {
                    (CsrfField(self.csrf))
                    button type="submit" name="target" value="route" { (tr!(t, "why-ring-route", number = n)) }
                    @for p in self.phones {
                        " "
                        button.secondary type="submit" name="target" value=(p.endpoint) {
                            (tr!(t, "why-ring-phone", number = &p.number))
                        }
                    }
                }
                @if let Some(test) = self.test { (Outcome(t, test, n)) }
            }
        }
    }
}

/// One test's outcome; it carries where to ask again until the outcome is known.
/// The outcome is rendered here in the visitor's language, so the script that swaps it in
/// has no words of its own.
struct Outcome<'a>(Tr, &'a RingTest, &'a str);

/// Where a test call stands, for people.
fn state_words(t: Tr, state: RingState) -> String {
    match state {
        RingState::Calling => tr!(t, "why-test-calling"),
        RingState::Ringing => tr!(t, "why-test-ringing"),
        RingState::Answered => tr!(t, "why-test-answered"),
        RingState::Failed(Cause::Busy) => tr!(t, "why-test-busy"),
        RingState::Failed(Cause::NoAnswer) => tr!(t, "why-test-no-answer"),
        RingState::Failed(Cause::NotRegistered) => tr!(t, "why-test-not-registered"),
        RingState::Failed(Cause::Rejected) => tr!(t, "why-test-rejected"),
        RingState::Failed(Cause::DoNotDisturb) => tr!(t, "why-test-dnd"),
        RingState::Failed(Cause::UnknownNumber) => tr!(t, "why-test-unknown-number"),
        RingState::Failed(Cause::NotAllowed) => tr!(t, "why-test-not-allowed"),
        RingState::Failed(Cause::Answered | Cause::Cancelled) => tr!(t, "why-test-ended"),
    }
}

impl Render for Outcome<'_> {
    fn render(&self) -> Markup {
        let (t, test, n) = (self.0, self.1, self.2);
        let done = test.state.is_final();
        let slot = crate::web::pages::home::slot;
        let state = [html! { strong { (state_words(t, test.state)) } }];
        let sentence = match test.target {
            RingTarget::Route(_) => tr!(t, "why-test-route", number = n, state = slot(0)),
            RingTarget::Phone { .. } => tr!(t, "why-test-phone", number = n, state = slot(0)),
        };
        html! {
            div.ring-test #ring-test role="status" data-state=(test.state.code())
                data-ring-test=[(!done).then(|| format!("/ext/{n}/why/ring/{}", test.id))] {
                (crate::web::pages::home::linked(&sentence, &state))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn every_test_state_has_words_in_both_languages() {
        let states = [RingState::Calling, RingState::Ringing, RingState::Answered]
            .into_iter()
            .chain(Cause::ALL.into_iter().map(RingState::Failed));
        for state in states {
            let en = state_words(Tr::new(Lang::En), state);
            let de = state_words(Tr::new(Lang::De), state);
            assert!(!en.contains('⟦') && !de.contains('⟦'), "{state:?}");
            assert_ne!(en, de, "{state:?} is translated");
        }
        assert_eq!(
            state_words(Tr::new(Lang::En), RingState::Answered),
            RingState::Answered.words(),
            "the English words stay those of the domain"
        );
    }
}
