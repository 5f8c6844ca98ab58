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
use crate::domain::ring_test::RingTarget;
use crate::domain::Number;
use crate::web::auth::{CsrfForm, LoggedIn};
use crate::web::components::{CsrfField, Notice};
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::live_view::{LiveError, LiveSource, RingTest};
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
                    let why =
                        format!("That phone does not belong to {number}: nothing was called.");
                    return refused(&state, &user, &live, ext, StatusCode::BAD_REQUEST, why).await;
                }
            }
        }
    };
    match live.0.ring_test(target, user.user.id).await {
        Ok(id) => Ok(see_other(&format!("/ext/{number}/why?test={id}#ring-test"))),
        Err(e) => {
            let (status, why) = match &e {
                LiveError::NotNow(_) | LiveError::NoParticipant => {
                    (StatusCode::CONFLICT, e.to_string())
                }
                LiveError::NotConnected => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "eventpbx is not connected to Asterisk now, so it cannot call: try again in a minute."
                        .to_string(),
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
    Ok(no_store(
        Outcome(&test, &ext.number).render().into_response(),
    ))
}

/// The ring panel: the buttons, and the test the page follows.
pub(super) struct RingPanel<'a> {
    pub(super) ext: &'a Extension,
    pub(super) phones: &'a [PhoneView],
    pub(super) csrf: &'a str,
    pub(super) test: Option<&'a RingTest>,
}

impl Render for RingPanel<'_> {
    fn render(&self) -> Markup {
        let n = &self.ext.number;
        html! {
            section #ring {
                h2 { "Ring me" }
                p.small { "A test call rings for " (RING_SECS) " seconds; answered, it says so and hangs up. The phone shows \u{201c}Ring test\u{201d}." }
                form.inline method="post" action={ "/ext/" (n) "/why/ring" } {
                    (CsrfField(self.csrf))
                    button type="submit" name="target" value="route" { "Call " (n) " as anyone would" }
                    @for p in self.phones {
                        " "
                        button.secondary type="submit" name="target" value=(p.endpoint) {
                            "Ring only the phone of " (p.number)
                        }
                    }
                }
                @if let Some(test) = self.test { (Outcome(test, n)) }
            }
        }
    }
}

/// One test's outcome; it carries where to ask again until the outcome is known.
struct Outcome<'a>(&'a RingTest, &'a str);

impl Render for Outcome<'_> {
    fn render(&self) -> Markup {
        let (t, n) = (self.0, self.1);
        let done = t.state.is_final();
        html! {
            div.ring-test #ring-test role="status" data-state=(t.state.code())
                data-ring-test=[(!done).then(|| format!("/ext/{n}/why/ring/{}", t.id))] {
                "Test call to " (n) ", " (t.target.words()) ": " strong { (t.state.words()) }
            }
        }
    }
}
