//! `/`: what this is and how to start.

use axum::extract::State;
use maud::{html, Markup};

use crate::web::auth::Visitor;
use crate::web::components::layout;
use crate::web::state::AppState;

/// The start page.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> Markup {
    let s = &state.settings;
    layout(
        "Telephony for this event",
        &visitor,
        html! {
            p.lead {
                "Get your own phone number for the event. Use a SIP phone or app you configure "
                "yourself, or a handset from the help desk that you register by dialling a code."
            }
            h2 { "How to start" }
            ol.steps {
                li {
                    @if visitor.user.is_some() {
                        "You are logged in. "
                    } @else {
                        a href="/signup" { "Sign up" } " (or " a href="/login" { "log in" } "). "
                    }
                }
                li { "On " a href="/account" { "My extensions" } ", claim a free number." }
                li {
                    strong { "SIP phone or app: " }
                    "enter the registrar, username and password shown there."
                }
                li {
                    strong { "Handset: " }
                    "dial " code { (s.codes.register) } " followed by your token, "
                    "and the handset becomes your number."
                }
            }
            h2 { "Useful numbers" }
            dl.codes {
                dt { code { (s.codes.info) } } dd { "tells you your own number" }
                dt { code { (s.codes.echo) } } dd { "echo test" }
                dt { code { (s.codes.register) } } dd { "register a handset with your token" }
                @for n in &s.numbering.helpdesk { dt { code { (n) } } dd { "help desk" } }
                @for n in &s.numbering.emergency { dt { code { (n) } } dd { "emergency" } }
            }
            p { "Everyone's listed numbers are in the " a href="/phonebook" { "phonebook" } "." }
        },
    )
}
