//! Routing on `/account`: per extension the forwarding form, do-not-disturb and call waiting
//! (each one `service::routing` call), and the route table, "why did it ring there?", read
//! from the compiled plan Asterisk executes with each phone's registration state now.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use maud::{html, Markup, Render};
use serde::Deserialize;

use super::{own, refused, LiveHandle};
use crate::domain::Number;
use crate::service::routing::{self as routing_service, ForwardingChange, RoutePlan};
use crate::tr;
use crate::web::api::{live_of, Status};
use crate::web::auth::{CsrfForm, LoggedIn};
use crate::web::components::CsrfField;
use crate::web::error::PageError;
use crate::web::extract::NumberPath;
use crate::web::i18n::Tr;
use crate::web::live_view::EndpointsLive;
use crate::web::pages::fields::{number_field, seconds_field};
use crate::web::pages::see_other;
use crate::web::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/ext/{number}/forwarding", post(forwarding))
        .route("/account/ext/{number}/dnd", post(dnd))
        .route("/account/ext/{number}/call-waiting", post(call_waiting))
}

/// The compiled plan of one number with the registration state of each phone it rings
/// (`states[i]` belongs to `plan.rings[i]`).
#[derive(Debug, Clone)]
pub struct RouteView {
    /// The plan.
    pub plan: RoutePlan,
    /// Each ring's phone now, as the API's route reports it.
    pub states: Vec<Status>,
    /// Whether eventpbx is connected to Asterisk (without it every state is unknown).
    pub ari_connected: bool,
}

impl RouteView {
    /// The plan with the live state of its phones.
    pub fn new(plan: RoutePlan, live: &EndpointsLive) -> RouteView {
        let states = plan
            .rings
            .iter()
            .map(|r| live_of(live, &r.endpoint).status)
            .collect();
        RouteView {
            plan,
            states,
            ari_connected: live.ari_connected,
        }
    }
}

/// A registration state as a badge.
pub(in crate::web::pages) fn state_badge(t: Tr, status: Status) -> Markup {
    html! {
        @match status {
            Status::Online => span.badge.online { (tr!(t, "account-online")) },
            Status::Offline => span.badge.offline { (tr!(t, "account-offline")) },
            Status::Unknown => span.badge { (tr!(t, "account-unknown")) },
        }
    }
}

/// One outcome line: "Busy: goes to 2001", or what happens without a target.
fn outcome(t: Tr, case: String, target: Option<&String>, otherwise: String) -> Markup {
    let slot = crate::web::pages::home::slot;
    match target {
        Some(n) => crate::web::pages::home::linked(
            &tr!(t, "account-route-goes-to", case = case, number = slot(0)),
            &[html! { strong { (n) } }],
        ),
        None => html! { (tr!(t, "account-route-otherwise", case = case, outcome = otherwise)) },
    }
}

/// The route table of one number.
pub(in crate::web::pages) struct RouteTable<'a>(
    pub(in crate::web::pages) Tr,
    pub(in crate::web::pages) &'a RouteView,
);

impl Render for RouteTable<'_> {
    fn render(&self) -> Markup {
        let (t, view) = (self.0, self.1);
        let p = &view.plan;
        let is_group = p.via.is_some();
        html! {
            details.route open[!p.rings.is_empty() && is_group] {
                summary { (tr!(t, "account-route-why")) }
                // The account stream replaces this block when a phone's state changes.
                div.scroll id={ "route-" (p.number) } { (RouteRows(t, view)) }
                ul.small.outcomes {
                    li { (outcome(t,
                        if p.busy_now { tr!(t, "account-route-busy-dnd") } else { tr!(t, "account-route-busy") },
                        p.on_busy.as_ref(), tr!(t, "account-route-hears-busy"))) }
                    li { (outcome(t, tr!(t, "account-route-no-answer", seconds = p.timeout), p.on_noanswer.as_ref(),
                        if is_group { tr!(t, "account-route-hears-busy") } else { tr!(t, "account-route-call-ends") })) }
                    li { (outcome(t, tr!(t, "account-route-nobody"), p.on_unavailable.as_ref(), tr!(t, "account-route-hears-unreachable"))) }
                }
            }
        }
    }
}

/// The table of one number's route: who rings when, with each phone's state now.
pub(super) struct RouteRows<'a>(pub(super) Tr, pub(super) &'a RouteView);

impl Render for RouteRows<'_> {
    fn render(&self) -> Markup {
        let (t, view) = (self.0, self.1);
        let p = &view.plan;
        let slot = crate::web::pages::home::slot;
        html! {
            table.list.route-table {
                    caption { (tr!(t, "account-route-caption", number = &p.number)) }
                    thead { tr {
                        th { (tr!(t, "account-route-rings")) } th { (tr!(t, "account-route-when")) }
                        th { (tr!(t, "account-route-phone-now")) }
                    } }
                    tbody {
                        @if let Some(n) = &p.forward {
                            tr { td colspan="3" { (crate::web::pages::home::linked(
                                &tr!(t, "account-route-forwarded", number = slot(0)),
                                &[html! { strong { (n) } }],
                            )) } }
                        } @else if p.busy_now {
                            tr { td colspan="3" { (tr!(t, "account-route-dnd")) } }
                        } @else if p.rings.is_empty() {
                            tr { td colspan="3" { (tr!(t, "account-route-nothing")) } }
                        }
                        @for (ring, state) in p.rings.iter().zip(&view.states) {
                            tr {
                                td { (ring.number) " " span.name { (ring.name) } }
                                td {
                                    @if ring.delay == 0 {
                                        (tr!(t, "account-route-at-once", seconds = ring.rings_for))
                                    } @else {
                                        (tr!(t, "account-route-after", delay = ring.delay, seconds = ring.rings_for))
                                    }
                                    @if !ring.call_waiting { " " (tr!(t, "account-route-no-call-waiting")) }
                                }
                                td { (state_badge(t, *state)) }
                            }
                        }
                    }
            }
            @if !view.ari_connected {
                p.small { (tr!(t, "account-route-no-asterisk")) }
            }
        }
    }
}

/// The forwarding, do-not-disturb and call-waiting forms of an extension (a group has no call
/// waiting, and do-not-disturb closes it).
pub(super) struct RoutingForms<'a> {
    pub(super) t: Tr,
    pub(super) view: &'a RouteView,
    pub(super) csrf: &'a str,
}

impl Render for RoutingForms<'_> {
    fn render(&self) -> Markup {
        let p = &self.view.plan;
        let n = &p.number;
        let prefs = &p.preferences;
        let f = &prefs.forward;
        let is_group = p.via.is_some();
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let secs = |v: Option<u32>| v.map(|s| s.to_string()).unwrap_or_default();
        let t = self.t;
        html! {
            div.toggles {
                form.inline method="post" action={ "/account/ext/" (n) "/dnd" } {
                    (CsrfField(self.csrf))
                    input type="hidden" name="on" value=(if prefs.dnd { "0" } else { "1" });
                    @if prefs.dnd {
                        span.badge.offline { (tr!(t, "account-dnd-is-on")) } " "
                        button.secondary type="submit" { (tr!(t, "account-dnd-off")) }
                    } @else {
                        button.secondary type="submit" { (tr!(t, "account-dnd-on")) }
                    }
                }
                @if !is_group {
                    form.inline method="post" action={ "/account/ext/" (n) "/call-waiting" } {
                        (CsrfField(self.csrf))
                        input type="hidden" name="on" value=(if prefs.call_waiting { "0" } else { "1" });
                        @if prefs.call_waiting {
                            button.secondary type="submit" { (tr!(t, "account-call-waiting-off")) }
                        } @else {
                            span.badge { (tr!(t, "account-call-waiting-is-off")) } " "
                            button.secondary type="submit" { (tr!(t, "account-call-waiting-on")) }
                        }
                    }
                }
            }
            details.forwarding-settings {
                summary { (tr!(t, "account-forwarding-open")) }
                form.stack.forwarding method="post" action={ "/account/ext/" (n) "/forwarding" } {
                    (CsrfField(self.csrf))
                    p.small { (tr!(t, "account-forwarding-about")) }
                    label for={ "fwd-always-" (n) } { (tr!(t, "account-forward-always")) }
                    input id={ "fwd-always-" (n) } name="always" inputmode="numeric" value=(text(&f.always));
                    // A group rings for its ring timeout and then goes to its fallback: it has
                    // no delayed "always" and no no-answer forwarding of its own.
                    @if !is_group {
                        label for={ "fwd-always-after-" (n) } { (tr!(t, "account-forward-always-after")) }
                        input id={ "fwd-always-after-" (n) } name="always_after" inputmode="numeric" value=(secs(f.always_after));
                    }
                    label for={ "fwd-busy-" (n) } { (tr!(t, "account-forward-busy")) }
                    input id={ "fwd-busy-" (n) } name="busy" inputmode="numeric" value=(text(&f.busy));
                    @if !is_group {
                        label for={ "fwd-no-answer-" (n) } { (tr!(t, "account-forward-no-answer")) }
                        input id={ "fwd-no-answer-" (n) } name="no_answer" inputmode="numeric" value=(text(&f.no_answer));
                        label for={ "fwd-no-answer-after-" (n) } { (tr!(t, "account-forward-no-answer-after")) }
                        input id={ "fwd-no-answer-after-" (n) } name="no_answer_after" inputmode="numeric" value=(f.no_answer_after);
                    }
                    label for={ "fwd-unavailable-" (n) } { @if is_group { (tr!(t, "account-forward-unavailable-group")) } @else { (tr!(t, "account-forward-unavailable")) } }
                    input id={ "fwd-unavailable-" (n) } name="unavailable" inputmode="numeric" value=(text(&f.unavailable));
                    button type="submit" { (tr!(t, "account-forwarding-save")) }
                }
            }
        }
    }
}

/// The forwarding form: an empty or missing field clears its setting (a group's form has no
/// delayed or no-answer fields, which groups do not have).
#[derive(Debug, Deserialize)]
pub struct ForwardingInput {
    #[serde(default)]
    always: String,
    #[serde(default)]
    always_after: String,
    #[serde(default)]
    busy: String,
    #[serde(default)]
    no_answer: String,
    #[serde(default)]
    no_answer_after: String,
    #[serde(default)]
    unavailable: String,
}

impl ForwardingInput {
    fn change(&self) -> Result<ForwardingChange, String> {
        let t = crate::web::i18n::current();
        Ok(ForwardingChange {
            always: Some(number_field(
                &crate::tr!(t, "err-field-always-to"),
                &self.always,
            )?),
            always_after: Some(seconds_field(
                &crate::tr!(t, "err-field-always-after"),
                &self.always_after,
            )?),
            busy: Some(number_field(
                &crate::tr!(t, "err-field-busy-to"),
                &self.busy,
            )?),
            no_answer: Some(number_field(
                &crate::tr!(t, "err-field-no-answer-to"),
                &self.no_answer,
            )?),
            no_answer_after: Some(seconds_field(
                &crate::tr!(t, "err-field-no-answer-after"),
                &self.no_answer_after,
            )?),
            unavailable: Some(number_field(
                &crate::tr!(t, "err-field-unavailable-to"),
                &self.unavailable,
            )?),
        })
    }
}

fn saved(number: &Number) -> Response {
    see_other(&format!("/account?done=routing&n={number}#ext-{number}"))
}

/// POST /account/ext/{number}/forwarding.
pub async fn forwarding(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<ForwardingInput>,
) -> Result<Response, PageError> {
    let change = match form.change() {
        Ok(c) => c,
        Err(problem) => return refused(&state, &user, &live, PageError::BadRequest(problem)).await,
    };
    match routing_service::set_forwarding(&state.db, number.as_str(), change, own(&user)).await {
        Ok(_) => Ok(saved(&number)),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

/// The do-not-disturb and call-waiting toggles: the state wanted ("1" on, else off), so a
/// double submit does not flip it back.
#[derive(Debug, Deserialize)]
pub struct ToggleInput {
    #[serde(default)]
    on: String,
}

/// POST /account/ext/{number}/dnd.
pub async fn dnd(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<ToggleInput>,
) -> Result<Response, PageError> {
    let on = form.on == "1";
    match routing_service::set_dnd(&state.db, number.as_str(), on, own(&user)).await {
        Ok(_) => Ok(saved(&number)),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

/// POST /account/ext/{number}/call-waiting.
pub async fn call_waiting(
    State(state): State<AppState>,
    user: LoggedIn,
    live: LiveHandle,
    NumberPath(number, _): NumberPath,
    CsrfForm(form): CsrfForm<ToggleInput>,
) -> Result<Response, PageError> {
    let on = form.on == "1";
    match routing_service::set_call_waiting(&state.db, number.as_str(), on, own(&user)).await {
        Ok(_) => Ok(saved(&number)),
        Err(e) => refused(&state, &user, &live, e.into()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_clear_and_bad_ones_are_named() {
        let form = ForwardingInput {
            always: " 2001 ".into(),
            always_after: String::new(),
            busy: String::new(),
            no_answer: "2002".into(),
            no_answer_after: "15".into(),
            unavailable: String::new(),
        };
        let change = form.change().unwrap();
        assert_eq!(change.always, Some(Some("2001".into())));
        assert_eq!(change.busy, Some(None), "an empty field clears");
        assert_eq!(change.no_answer_after, Some(Some(15)));
        assert!(ForwardingInput {
            busy: "20x1".into(),
            ..form
        }
        .change()
        .unwrap_err()
        .contains("When busy to"));
    }
}
