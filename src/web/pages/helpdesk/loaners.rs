//! `/helpdesk/loaners`: the box of loaner handsets. Mint a box (the answer is its printable
//! sheet, shown once and never cached), reprint the sheet of every waiting loaner, release
//! one that came back.
//!
//! The sheet has one card per handset: temporary number, registrar, SIP username and
//! password in print, and a QR code of the same. The QR carries the handset's SIP
//! credentials as plain text, not a URL: a loaner is bound the other way round (the
//! attendee dials the registration code and their token *from* the handset), so there is no
//! web page a scan could claim it on, and what a person at the desk has to get into a
//! handset or softphone is exactly these credentials, whose long random password is where
//! typing goes wrong. Any phone camera shows the text to copy. The QR holds nothing the
//! printed card does not show beside it, so it adds no exposure: the sheet is as secret as
//! the credentials on it either way. It is rendered as inline SVG by the `qrcode` crate, so
//! the page needs no image route and the CSP stays `'self'`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped};
use qrcode::render::svg;
use qrcode::QrCode;
use serde::Deserialize;

use super::{helper, page};
use crate::config::Settings;
use crate::db::handsets::{self, TemporaryHandset};
use crate::service::handsets::{MintError, MINT_MAX};
use crate::service::helpdesk as helpdesk_service;
use crate::tr;
use crate::web::auth::{CsrfForm, Helpdesk, LoggedIn, Visitor};
use crate::web::components::{CsrfField, Notice, TimeTag};
use crate::web::error::PageError;
use crate::web::i18n::Tr;
use crate::web::pages::no_store;
use crate::web::state::AppState;

/// Waiting loaners listed on the page (the sheet holds up to a mint's worth).
const LISTED: u32 = 200;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/helpdesk/loaners", get(show).post(mint))
        .route("/helpdesk/loaners/sheet", get(sheet))
}

/// GET /helpdesk/loaners.
pub async fn show(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
) -> Result<Response, PageError> {
    list_page(&state, &user, None).await
}

/// The loaners page: the mint form and the waiting loaners (no passwords: those are on the
/// sheet, whose opening is logged).
pub(super) async fn list_page(
    state: &AppState,
    user: &LoggedIn,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let (waiting, total) = state
        .db
        .read(|c| {
            Ok((
                handsets::list_temporary(c, LISTED, 0)?,
                handsets::count_temporary(c)?,
            ))
        })
        .await?;
    let status = match &notice {
        Some(n) if n.is_error() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let offset = state.settings.utc_offset();
    let csrf = &user.csrf;
    let t = Visitor::of(user).tr();
    let body = html! {
        @if let Some(n) = notice { (n) }
        p { a href="/helpdesk" { (tr!(t, "helpdesk-back")) } }
        section.card #mint {
            h2 { (tr!(t, "helpdesk-mint")) }
            p { (tr!(t, "helpdesk-mint-intro")) }
            form.inline method="post" action="/helpdesk/loaners" {
                (CsrfField(csrf))
                label for="count" { (tr!(t, "helpdesk-mint-count")) }
                input id="count" name="count" type="number" min="1" max=(MINT_MAX) value="10" required;
                button type="submit" { (tr!(t, "helpdesk-mint-submit")) }
            }
        }
        section #waiting {
            h2 { (tr!(t, "helpdesk-waiting", count = total)) }
            p { a href="/helpdesk/loaners/sheet" { (tr!(t, "helpdesk-reprint")) } }
            table.list {
                thead { tr { th scope="col" { (tr!(t, "helpdesk-temporary-number")) } th scope="col" { (tr!(t, "helpdesk-sip-username")) } th scope="col" { (tr!(t, "helpdesk-minted")) } th scope="col" { (tr!(t, "helpdesk-released-when")) } } }
                tbody {
                    @for h in &waiting {
                        tr {
                            td { (h.temporary_number.as_deref().unwrap_or("")) }
                            td { code { (h.sip_username) } }
                            td { (TimeTag { unix: h.created_at, offset }) }
                            td {
                                form.inline method="post" action={ "/helpdesk/handsets/" (h.sip_username) "/release" } {
                                    (CsrfField(csrf))
                                    label.choice { input type="checkbox" name="confirm" value="yes" required; " " (tr!(t, "helpdesk-sure")) }
                                    button.secondary type="submit" { (tr!(t, "helpdesk-release")) }
                                }
                            }
                        }
                    }
                    @if waiting.is_empty() { tr { td colspan="4" { (tr!(t, "helpdesk-none-waiting")) } } }
                }
            }
        }
    };
    Ok(page(user, &tr!(t, "helpdesk-loaners-title"), body, status))
}

/// The mint form.
#[derive(Debug, Deserialize)]
pub struct MintInput {
    #[serde(default)]
    count: String,
}

/// POST /helpdesk/loaners: mints a box and answers with its sheet.
pub async fn mint(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
    CsrfForm(form): CsrfForm<MintInput>,
) -> Result<Response, PageError> {
    // Text that is no count at all is refused like a count out of range.
    let count = form.count.trim().parse().unwrap_or(0);
    match helpdesk_service::mint(&state.db, &state.settings, helper(&user), count).await {
        Ok(minted) => {
            let title = tr!(Visitor::of(&user).tr(), "helpdesk-sheet-new");
            Ok(sheet_page(&state.settings, &user, &minted, &title))
        }
        Err(e @ (MintError::Count | MintError::RangeFull { .. })) => {
            list_page(
                &state,
                &user,
                Some(Notice::error(crate::web::failure::for_page(&e))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /helpdesk/loaners/sheet: the sheet of every waiting loaner (the first 200).
pub async fn sheet(
    State(state): State<AppState>,
    Helpdesk(user): Helpdesk,
) -> Result<Response, PageError> {
    let loaners = helpdesk_service::loaner_sheet(&state.db, helper(&user)).await?;
    let title = tr!(Visitor::of(&user).tr(), "helpdesk-sheet-waiting");
    Ok(sheet_page(&state.settings, &user, &loaners, &title))
}

/// What the QR code of a loaner says: the same lines its card prints.
fn qr_text(registrar: &str, h: &TemporaryHandset) -> String {
    format!(
        "eventpbx loaner {}\nregistrar: {registrar}\nusername: {}\npassword: {}\n",
        h.number, h.credentials.username, h.credentials.password
    )
}

/// The QR code as inline SVG markup, without the XML declaration (it is part of an HTML
/// page, not a file). The markup is the crate's own rectangles: none of the text it encodes
/// appears in it, so there is nothing to escape.
fn qr_svg(text: &str) -> Option<PreEscaped<String>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(144, 144)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg")?;
    Some(PreEscaped(image[start..].to_string()))
}

fn sheet_page(
    settings: &Settings,
    user: &LoggedIn,
    loaners: &[TemporaryHandset],
    title: &str,
) -> Response {
    let registrar = format!("{}:{}", settings.sip.public_address, settings.sip.port);
    let t = Visitor::of(user).tr();
    let body = html! {
        div.no-print {
            p { a href="/helpdesk/loaners" { (tr!(t, "helpdesk-sheet-back")) } }
            p { (tr!(t, "helpdesk-sheet-print")) }
        }
        @if loaners.is_empty() { p { (tr!(t, "helpdesk-sheet-empty")) } }
        div.loaners {
            @for h in loaners {
                (card(t, &registrar, &settings.codes.register, h))
            }
        }
    };
    no_store(page(user, title, body, StatusCode::OK))
}

fn card(t: Tr, registrar: &str, register_code: &str, h: &TemporaryHandset) -> Markup {
    let number = h.number.as_str();
    html! {
        article.loaner {
            h2 { (tr!(t, "helpdesk-card-title", number = number)) }
            dl {
                dt { (tr!(t, "helpdesk-card-registrar")) } dd { code { (registrar) } }
                dt { (tr!(t, "helpdesk-username")) } dd { code { (h.credentials.username) } }
                dt { (tr!(t, "helpdesk-password")) } dd { code { (h.credentials.password) } }
            }
            @match qr_svg(&qr_text(registrar, h)) {
                Some(svg) => { figure.qr role="img" aria-label=(tr!(t, "helpdesk-card-qr", number = number)) { (svg) } }
                None => { p.small { (tr!(t, "helpdesk-card-no-qr")) } }
            }
            p.small { (tr!(t, "helpdesk-card-bind", code = register_code)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::devices::Credentials;

    #[test]
    fn the_qr_code_is_inline_svg_of_the_printed_credentials() {
        let h = TemporaryHandset {
            number: "99560001".into(),
            credentials: Credentials {
                username: "tmp-abc".into(),
                password: "s3cret<&>".into(),
            },
        };
        let text = qr_text("10.0.0.5:5060", &h);
        assert!(text.contains("username: tmp-abc\n") && text.contains("password: s3cret<&>\n"));
        let svg = qr_svg(&text).unwrap().0;
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(
            !svg.contains("s3cret"),
            "the SVG draws the code, it does not quote it"
        );
        let html = card(Tr::default(), "10.0.0.5:5060", "9955", &h).into_string();
        assert!(
            html.contains("s3cret&lt;&amp;&gt;"),
            "the printed text is escaped"
        );
    }

    #[test]
    fn a_scanner_reads_back_exactly_the_printed_credentials() {
        let h = TemporaryHandset {
            number: "99560001".into(),
            credentials: Credentials {
                username: "h2rrs3uzvkb".into(),
                password: "eU3pBCO2Oo21x4B8dGU9".into(),
            },
        };
        let text = qr_text("pbx.example.org:5060", &h);
        // The same modules the SVG draws, with a quiet zone, read by an independent decoder.
        let code = QrCode::new(text.as_bytes()).unwrap();
        let (width, colors) = (code.width(), code.to_colors());
        let (scale, quiet) = (4, 4);
        let side = (width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_bitmap(side, side, |x, y| {
            let (mx, my) = (
                (x / scale).wrapping_sub(quiet),
                (y / scale).wrapping_sub(quiet),
            );
            mx < width && my < width && colors[my * width + mx] == qrcode::Color::Dark
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, text);
        assert!(content.contains("password: eU3pBCO2Oo21x4B8dGU9\n"));
        let html = card(Tr::default(), "pbx.example.org:5060", "9955", &h).into_string();
        assert!(html.contains("dial 9955 and your token"), "{html}");
    }
}
