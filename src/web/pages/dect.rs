//! The DECT sync on the operator page: the OMM connection, its subscription mode and the
//! handsets eventpbx knows from it (IPEI, number, bound). Shown only when `[omm] enabled`.

use maud::{html, Markup};

use crate::db::dect;
use crate::omm::SubscriptionMode;
use crate::service::dect::{OmmLink, OmmStatus};
use crate::tr;
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::state::AppState;

/// The words for the connection state (why it is down is the OMM's or the network's own).
pub fn link_text(t: Tr, status: &OmmStatus) -> String {
    match &status.link {
        OmmLink::Connecting => tr!(t, "operator-dect-connecting"),
        OmmLink::Connected => tr!(t, "operator-dect-connected"),
        OmmLink::Down(why) => tr!(t, "operator-dect-down", why = why),
    }
}

/// The mode the OMM reported, or "unknown".
pub fn mode_text(t: Tr, status: &OmmStatus) -> String {
    match status.subscription {
        None => tr!(t, "operator-dect-mode-unknown"),
        Some(SubscriptionMode::Off) => tr!(t, "operator-dect-mode-off"),
        Some(SubscriptionMode::Wildcard) => tr!(t, "operator-dect-mode-wildcard"),
        Some(SubscriptionMode::Configured) => tr!(t, "operator-dect-mode-configured"),
    }
}

/// The operator page's DECT panel, if the sync runs.
pub async fn operator_panel(state: &AppState, t: Tr) -> Result<Option<Markup>, PageError> {
    let Some(control) = &state.dect else {
        return Ok(None);
    };
    let status = control.status.borrow().clone();
    let handsets = state.db.read(dect::list).await?;
    Ok(Some(html! {
        section #dect {
            h2 { (tr!(t, "operator-dect")) }
            p {
                "OMM: " strong.omm-link { (link_text(t, &status)) }
                " · " (tr!(t, "operator-dect-mode")) " " strong { (mode_text(t, &status)) }
            }
            table.list {
                thead { tr { th scope="col" { "IPEI" } th scope="col" { (tr!(t, "operator-dect-number")) } th scope="col" { (tr!(t, "operator-dect-bound")) } th scope="col" { (tr!(t, "operator-dect-omm-user")) } } }
                tbody {
                    @for h in &handsets {
                        tr {
                            td { code { (h.ipei) } }
                            td { (h.number.as_deref().unwrap_or("")) }
                            td { @if h.is_bound() { (tr!(t, "operator-dect-yes")) } @else { (tr!(t, "operator-dect-no")) } }
                            td { @if let Some(uid) = h.omm_uid { (uid) } @else { (tr!(t, "operator-dect-not-yet")) } }
                        }
                    }
                    @if handsets.is_empty() { tr { td colspan="4" { (tr!(t, "operator-dect-none")) } } }
                }
            }
        }
    }))
}
