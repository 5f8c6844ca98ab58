//! The parts of `/account`: one card per extension (credentials or token, its forms), its
//! registration status (which the status stream re-renders), and the claim form.

use maud::{html, Markup, Render};

use crate::config::Settings;
use crate::db;
use crate::db::extensions::{Extension, ExtensionKind};
use crate::db::pjsip::Contact;
use crate::web::components::{CopyField, CsrfField, TimeTag};
use crate::web::live_view::DeviceStatus;

use super::groups::{GroupPanel, GroupView};
use super::routing::{RouteTable, RouteView, RoutingForms};

/// One extension with what its card shows.
#[derive(Debug, Clone)]
pub struct ExtensionView {
    /// The extension.
    pub ext: Extension,
    /// The SIP password, for SIP extensions.
    pub password: Option<String>,
    /// Current registrations of its device.
    pub contacts: Vec<Contact>,
    /// Its compiled route with the phones' state now (None: it has no route yet).
    pub route: Option<RouteView>,
    /// For groups: the members and pending invitations.
    pub group: Option<GroupView>,
}

pub(super) struct ClaimForm<'a> {
    pub(super) csrf: &'a str,
    pub(super) suggestions: &'a [String],
    pub(super) ranges: &'a str,
    pub(super) number: &'a str,
    pub(super) handset: bool,
    pub(super) name: &'a str,
    pub(super) public: bool,
}

impl Render for ClaimForm<'_> {
    fn render(&self) -> Markup {
        html! {
            section.card #claim {
                h2 { "Claim a number" }
                form.stack method="post" action="/account/claim" {
                    (CsrfField(self.csrf))
                    label for="number" { "Number" }
                    input id="number" name="number" inputmode="numeric" pattern="[0-9]{1,15}"
                        autocomplete="off" list="suggested-numbers" value=(self.number);
                    small { "Free numbers are in " (self.ranges) "." }
                    datalist id="suggested-numbers" {
                        @for n in self.suggestions { option value=(n) {} }
                    }
                    fieldset {
                        legend { "Phone" }
                        label.choice {
                            input type="radio" name="kind" value="sip" checked[!self.handset];
                            " SIP phone or app (I enter username and password)"
                        }
                        label.choice {
                            input type="radio" name="kind" value="handset" checked[self.handset];
                            " Handset (I register it by dialling a token)"
                        }
                    }
                    label for="claim-name" { "Name in the phonebook" }
                    input id="claim-name" name="name" maxlength="60" value=(self.name);
                    label.choice {
                        input type="checkbox" name="public" value="on" checked[self.public];
                        " List me in the public phonebook"
                    }
                    // The first submit button is the one Enter presses: claim the typed number.
                    button type="submit" { "Claim this number" }
                    @if !self.suggestions.is_empty() {
                        p.small { "Or take a free one:" }
                        p.suggestions {
                            @for n in self.suggestions {
                                button.secondary type="submit" name="pick" value=(n) { (n) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Online or offline, with the registered phones' user agents and until when they are
/// registered, or since when the device is offline.
pub(super) struct RegistrationStatus<'a> {
    /// The device's stored registrations (Asterisk writes them on REGISTER).
    pub(super) contacts: &'a [Contact],
    /// What Asterisk reports right now, when eventpbx is connected to it.
    pub(super) live: Option<&'a DeviceStatus>,
    pub(super) offset: time::UtcOffset,
    pub(super) now: i64,
}

impl Render for RegistrationStatus<'_> {
    fn render(&self) -> Markup {
        let current: Vec<&Contact> = self
            .contacts
            .iter()
            .filter(|c| c.expiration_time > self.now)
            .collect();
        // Asterisk's word wins: a registered phone that stopped answering qualify is offline.
        let online = self.live.map_or(!current.is_empty(), |l| l.online);
        let offset = self.offset;
        html! {
            p.meta {
                @if online {
                    span.badge.online { "online" }
                } @else {
                    span.badge.offline { "offline" }
                    @if let Some(since) = self.live.and_then(|l| l.since) {
                        " " span.small { "since " (TimeTag { unix: since, offset }) }
                    }
                }
            }
            @if online {
                @for c in &current {
                    p.small {
                        "Registered"
                        @if !c.user_agent.is_empty() { " (" (c.user_agent) ")" }
                        " until " (TimeTag { unix: c.expiration_time, offset })
                    }
                }
                @if let Some(live) = self.live {
                    p.small {
                        @match live.rtt_usec {
                            // Qualify's round trip, rounded up so a fast phone never shows 0 ms.
                            Some(usec) => { "Answers in " (usec.div_ceil(1000)) " ms" }
                            None => { "Reachability not checked (qualify is off or has not answered yet)" }
                        }
                    }
                }
            }
        }
    }
}

pub(super) struct ExtensionCard<'a> {
    pub(super) view: &'a ExtensionView,
    pub(super) settings: &'a Settings,
    pub(super) csrf: &'a str,
    /// The visitor's extensions that are not groups (a group's owner adds them directly).
    pub(super) own: &'a [&'a Extension],
}

impl Render for ExtensionCard<'_> {
    fn render(&self) -> Markup {
        let ext = &self.view.ext;
        let n = &ext.number;
        let s = self.settings;
        let offset = s.utc_offset();
        let now = db::now();
        html! {
            section.card id={ "ext-" (n) } {
                h2 { (n) " " span.name { (ext.name) } }
                p.meta {
                    span.badge { @match ext.kind { ExtensionKind::Sip => "SIP phone", ExtensionKind::Handset => "Handset", ExtensionKind::Group => "Group", ExtensionKind::Conference => "Conference room" } }
                    " "
                    span.badge { @if ext.public { "in the phonebook" } @else { "unlisted" } }
                }
                @if let Some(until) = ext.held_until.filter(|t| *t > now) {
                    div.notice.held {
                        p { "Held for you from the last event until " (TimeTag { unix: until, offset }) ". "
                            "Take it back to keep it; otherwise it is released then." }
                        form.inline method="post" action={ "/account/ext/" (n) "/take-back" } {
                            (CsrfField(self.csrf))
                            button type="submit" { "Take " (n) " back" }
                        }
                    }
                }
                // Replaced in place by /account/stream when the registration changes; a group
                // has no phone of its own to be online (its members' state is in its table).
                @if ext.kind.has_device() {
                    div.status id={ "status-" (n) } {
                        (RegistrationStatus { contacts: &self.view.contacts, live: None, offset, now })
                    }
                }
                @match ext.kind {
                    ExtensionKind::Sip => {
                        div.creds {
                            (CopyField { label: "Registrar (server)", value: &format!("{}:{}", s.sip.public_address, s.sip.port), id: format!("reg-{n}") })
                            p.small { "Transport: UDP or TCP." }
                            (CopyField { label: "Username", value: ext.device_id.as_deref().unwrap_or(""), id: format!("user-{n}") })
                            (CopyField { label: "Password", value: self.view.password.as_deref().unwrap_or(""), id: format!("pw-{n}") })
                        }
                        details {
                            summary { "New password…" }
                            form method="post" action={ "/account/ext/" (n) "/password" } {
                                (CsrfField(self.csrf))
                                p.small { "Your phone stops working until you enter the new password." }
                                button type="submit" { "Make a new password" }
                            }
                        }
                    }
                    ExtensionKind::Conference => {
                        (super::conference::RoomLink { number: n })
                    }
                    ExtensionKind::Group => {
                        p { "A group: calls to it ring its members." }
                        @if let (Some(group), Some(route)) = (&self.view.group, &self.view.route) {
                            (GroupPanel { number: n, group, preferences: &route.plan.preferences, own: self.own, csrf: self.csrf })
                        }
                    }
                    ExtensionKind::Handset => {
                        @if let Some(bound) = ext.bound_at.filter(|_| ext.device_id.is_some()) {
                            p { "A handset is bound to this number since " (TimeTag { unix: bound, offset }) "." }
                            details {
                                summary { "Release handset…" }
                                form method="post" action={ "/account/ext/" (n) "/release" } {
                                    (CsrfField(self.csrf))
                                    p.small { "The handset gets a temporary number again; you get a new token." }
                                    button type="submit" { "Release the handset" }
                                }
                            }
                        } @else if let Some(token) = &ext.token {
                            p { "No handset yet. On the handset, dial:" }
                            (CopyField { label: "Digits to dial", value: &format!("{}{}", s.codes.register, token), id: format!("dial-{n}") })
                            p.small {
                                "Or dial " code { (s.codes.register) } ", wait for the prompt, "
                                "type the token and then #."
                            }
                            (CopyField { label: "Token", value: token, id: format!("token-{n}") })
                            form method="post" action={ "/account/ext/" (n) "/token" } {
                                (CsrfField(self.csrf))
                                button.secondary type="submit" { "New token" }
                            }
                        }
                    }
                }
                // A room has no routing of its own: nothing rings, nothing forwards.
                @if ext.kind != ExtensionKind::Conference {
                    @if let Some(route) = &self.view.route {
                        (RoutingForms { view: route, csrf: self.csrf })
                        (RouteTable(route))
                    }
                    p.small { a href={ "/ext/" (n) "/why" } { "Why didn't it ring? Check and test " (n) } }
                }
                details {
                    summary { "Name and phonebook…" }
                    form.stack method="post" action={ "/account/ext/" (n) "/edit" } {
                        (CsrfField(self.csrf))
                        label for={ "name-" (n) } { "Name" }
                        input id={ "name-" (n) } name="name" required maxlength="60" value=(ext.name);
                        label.choice {
                            input type="checkbox" name="public" value="on" checked[ext.public];
                            " List in the public phonebook"
                        }
                        button type="submit" { "Save" }
                    }
                }
                details {
                    summary { "Delete…" }
                    form.stack method="post" action={ "/account/ext/" (n) "/delete" } {
                        (CsrfField(self.csrf))
                        label.choice {
                            input type="checkbox" name="confirm" value="yes" required;
                            " Yes, delete " (n) " and its phone's access for good"
                        }
                        button.danger type="submit" { "Delete " (n) }
                    }
                }
            }
        }
    }
}
