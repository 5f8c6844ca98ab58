//! The parts of `/account`: one card per extension (credentials or token, its forms), its
//! registration status (which the status stream re-renders), and the claim form.

use maud::{html, Markup, Render};

use crate::config::Settings;
use crate::db;
use crate::db::extensions::{Extension, ExtensionKind};
use crate::db::pjsip::Contact;
use crate::tr;
use crate::web::components::{CopyField, CsrfField, TimeTag};
use crate::web::i18n::Tr;
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
    pub(super) t: Tr,
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
        let t = self.t;
        html! {
            section.card #claim {
                h2 { (tr!(t, "account-claim-title")) }
                form.stack method="post" action="/account/claim" {
                    (CsrfField(self.csrf))
                    label for="number" { (tr!(t, "account-claim-number")) }
                    input id="number" name="number" inputmode="numeric" pattern="[0-9]{1,15}"
                        autocomplete="off" list="suggested-numbers" value=(self.number);
                    small { (tr!(t, "account-claim-ranges", ranges = self.ranges)) }
                    datalist id="suggested-numbers" {
                        @for n in self.suggestions { option value=(n) {} }
                    }
                    fieldset {
                        legend { (tr!(t, "account-claim-phone")) }
                        label.choice {
                            input type="radio" name="kind" value="sip" checked[!self.handset];
                            " " (tr!(t, "account-claim-sip"))
                        }
                        label.choice {
                            input type="radio" name="kind" value="handset" checked[self.handset];
                            " " (tr!(t, "account-claim-handset"))
                        }
                    }
                    label for="claim-name" { (tr!(t, "account-claim-name")) }
                    input id="claim-name" name="name" maxlength="60" value=(self.name);
                    label.choice {
                        input type="checkbox" name="public" value="on" checked[self.public];
                        " " (tr!(t, "account-claim-public"))
                    }
                    // The first submit button is the one Enter presses: claim the typed number.
                    button type="submit" { (tr!(t, "account-claim-submit")) }
                    @if !self.suggestions.is_empty() {
                        p.small { (tr!(t, "account-claim-or-pick")) }
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
    pub(super) t: Tr,
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
        let (offset, t) = (self.offset, self.t);
        html! {
            p.meta {
                @if online {
                    span.badge.online { (tr!(t, "account-online")) }
                } @else {
                    span.badge.offline { (tr!(t, "account-offline")) }
                    @if let Some(since) = self.live.and_then(|l| l.since) {
                        " " span.small { (crate::web::pages::home::linked(&tr!(t, "account-offline-since", time = crate::web::pages::home::slot(0)), &[html! { (TimeTag { unix: since, offset }) }])) }
                    }
                }
            }
            @if online {
                @for c in &current {
                    @let until = [html! { (TimeTag { unix: c.expiration_time, offset }) }];
                    @let slot = crate::web::pages::home::slot(0);
                    p.small {
                        @if c.user_agent.is_empty() {
                            (crate::web::pages::home::linked(&tr!(t, "account-registered-until", time = slot), &until))
                        } @else {
                            (crate::web::pages::home::linked(&tr!(t, "account-registered-agent-until", agent = &c.user_agent, time = slot), &until))
                        }
                    }
                }
                @if let Some(live) = self.live {
                    p.small {
                        @match live.rtt_usec {
                            // Qualify's round trip, rounded up so a fast phone never shows 0 ms.
                            Some(usec) => { (tr!(t, "account-answers-in", ms = usec.div_ceil(1000))) }
                            None => { (tr!(t, "account-not-qualified")) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) struct ExtensionCard<'a> {
    pub(super) t: Tr,
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
        let t = self.t;
        let home = |text: String, parts: &[Markup]| crate::web::pages::home::linked(&text, parts);
        let slot = crate::web::pages::home::slot;
        html! {
            section.card id={ "ext-" (n) } {
                h2 { (n) " " span.name { (ext.name) } }
                p.meta {
                    span.badge { @match ext.kind { ExtensionKind::Sip => (tr!(t, "account-kind-sip")), ExtensionKind::Handset => (tr!(t, "account-kind-handset")), ExtensionKind::Group => (tr!(t, "account-kind-group")), ExtensionKind::Conference => (tr!(t, "account-kind-conference")) } }
                    " "
                    span.badge { @if ext.public { (tr!(t, "account-listed")) } @else { (tr!(t, "account-unlisted")) } }
                }
                @if let Some(until) = ext.held_until.filter(|t| *t > now) {
                    div.notice.held {
                        p { (home(tr!(t, "account-held", time = slot(0)), &[html! { (TimeTag { unix: until, offset }) }])) }
                        form.inline method="post" action={ "/account/ext/" (n) "/take-back" } {
                            (CsrfField(self.csrf))
                            button type="submit" { (tr!(t, "account-take-back", number = n)) }
                        }
                    }
                }
                // Replaced in place by /account/stream when the registration changes; a group
                // has no phone of its own to be online (its members' state is in its table).
                @if ext.kind.has_device() {
                    div.status id={ "status-" (n) } {
                        (RegistrationStatus { t, contacts: &self.view.contacts, live: None, offset, now })
                    }
                }
                @match ext.kind {
                    ExtensionKind::Sip => {
                        div.creds {
                            (CopyField { label: &tr!(t, "account-registrar"), value: &format!("{}:{}", s.sip.public_address, s.sip.port), id: format!("reg-{n}") })
                            p.small { (tr!(t, "account-transport")) }
                            (CopyField { label: &tr!(t, "account-username"), value: ext.device_id.as_deref().unwrap_or(""), id: format!("user-{n}") })
                            (CopyField { label: &tr!(t, "account-password"), value: self.view.password.as_deref().unwrap_or(""), id: format!("pw-{n}") })
                        }
                        details {
                            summary { (tr!(t, "account-new-password-open")) }
                            form method="post" action={ "/account/ext/" (n) "/password" } {
                                (CsrfField(self.csrf))
                                p.small { (tr!(t, "account-new-password-warning")) }
                                button type="submit" { (tr!(t, "account-new-password")) }
                            }
                        }
                    }
                    ExtensionKind::Conference => {
                        (super::conference::RoomLink { number: n })
                    }
                    ExtensionKind::Group => {
                        p { (tr!(t, "account-group-about")) }
                        @if let (Some(group), Some(route)) = (&self.view.group, &self.view.route) {
                            (GroupPanel { t, number: n, group, preferences: &route.plan.preferences, own: self.own, csrf: self.csrf })
                        }
                    }
                    ExtensionKind::Handset => {
                        @if let Some(bound) = ext.bound_at.filter(|_| ext.device_id.is_some()) {
                            p { (home(tr!(t, "account-handset-bound", time = slot(0)), &[html! { (TimeTag { unix: bound, offset }) }])) }
                            details {
                                summary { (tr!(t, "account-release-open")) }
                                form method="post" action={ "/account/ext/" (n) "/release" } {
                                    (CsrfField(self.csrf))
                                    p.small { (tr!(t, "account-release-about")) }
                                    button type="submit" { (tr!(t, "account-release")) }
                                }
                            }
                        } @else if let Some(token) = &ext.token {
                            p { (tr!(t, "account-no-handset")) }
                            (CopyField { label: &tr!(t, "account-digits"), value: &format!("{}{}", s.codes.register, token), id: format!("dial-{n}") })
                            p.small { (home(tr!(t, "account-dial-slowly", code = slot(0)), &[html! { code { (s.codes.register) } }])) }
                            (CopyField { label: &tr!(t, "account-token"), value: token, id: format!("token-{n}") })
                            form method="post" action={ "/account/ext/" (n) "/token" } {
                                (CsrfField(self.csrf))
                                button.secondary type="submit" { (tr!(t, "account-new-token")) }
                            }
                        }
                    }
                }
                // A room has no routing of its own: nothing rings, nothing forwards.
                @if ext.kind != ExtensionKind::Conference {
                    @if let Some(route) = &self.view.route {
                        (RoutingForms { t, view: route, csrf: self.csrf })
                        (RouteTable(t, route))
                    }
                    p.small { a href={ "/ext/" (n) "/why" } { (tr!(t, "account-why-link", number = n)) } }
                }
                details {
                    summary { (tr!(t, "account-edit-open")) }
                    form.stack method="post" action={ "/account/ext/" (n) "/edit" } {
                        (CsrfField(self.csrf))
                        label for={ "name-" (n) } { (tr!(t, "account-edit-name")) }
                        input id={ "name-" (n) } name="name" required maxlength="60" value=(ext.name);
                        label.choice {
                            input type="checkbox" name="public" value="on" checked[ext.public];
                            " " (tr!(t, "account-edit-public"))
                        }
                        button type="submit" { (tr!(t, "account-save")) }
                    }
                }
                details {
                    summary { (tr!(t, "account-delete-open")) }
                    form.stack method="post" action={ "/account/ext/" (n) "/delete" } {
                        (CsrfField(self.csrf))
                        label.choice {
                            input type="checkbox" name="confirm" value="yes" required;
                            " " (tr!(t, "account-delete-confirm", number = n))
                        }
                        button.danger type="submit" { (tr!(t, "account-delete", number = n)) }
                    }
                }
            }
        }
    }
}
