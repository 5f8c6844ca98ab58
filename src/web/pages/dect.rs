//! The DECT sync on the operator page: the OMM connection, its subscription mode and the
//! handsets eventpbx knows from it (IPEI, number, bound). Shown only when `[omm] enabled`.

use maud::{html, Markup};

use crate::db::dect;
use crate::service::dect::{OmmLink, OmmStatus};
use crate::web::error::PageError;
use crate::web::state::AppState;

/// The words for the connection state.
pub fn link_text(status: &OmmStatus) -> String {
    match &status.link {
        OmmLink::Connecting => "connecting".into(),
        OmmLink::Connected => "connected".into(),
        OmmLink::Down(why) => format!("down: {why}"),
    }
}

/// The mode the OMM reported, or "unknown".
pub fn mode_text(status: &OmmStatus) -> &'static str {
    status.subscription.map_or("unknown", |m| m.as_str())
}

/// The operator page's DECT panel, if the sync runs.
pub async fn operator_panel(state: &AppState) -> Result<Option<Markup>, PageError> {
    let Some(control) = &state.dect else {
        return Ok(None);
    };
    let status = control.status.borrow().clone();
    let handsets = state.db.read(dect::list).await?;
    Ok(Some(html! {
        section #dect {
            h2 { "DECT (OMM)" }
            p {
                "OMM: " strong.omm-link { (link_text(&status)) }
                " · subscription mode: " strong { (mode_text(&status)) }
            }
            table.list {
                thead { tr { th scope="col" { "IPEI" } th scope="col" { "Number" } th scope="col" { "Bound" } th scope="col" { "OMM user" } } }
                tbody {
                    @for h in &handsets {
                        tr {
                            td { code { (h.ipei) } }
                            td { (h.number.as_deref().unwrap_or("")) }
                            td { @if h.is_bound() { "yes" } @else { "no" } }
                            td { @if let Some(uid) = h.omm_uid { (uid) } @else { "not yet" } }
                        }
                    }
                    @if handsets.is_empty() { tr { td colspan="4" { "No DECT handsets yet." } } }
                }
            }
        }
    }))
}
