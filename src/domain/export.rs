//! The export file (`eventpbx export`, `eventpbx import --next-event`): a versioned JSON
//! document, and the checks a file must pass before anything of it is written. The file comes
//! from outside (a year on a USB stick, or from anyone), so every value is checked here and a
//! refusal names the first problem by its place, e.g. `users[3].username: ...`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::accounts::{self, Role, Username};
use super::conference::RoomSettings;
use super::routing::{self, Forwarding, Member, Preferences};
use super::{ExtensionKind, Number};

/// The `format` of every export.
pub const FORMAT: &str = "eventpbx-export";
/// The version this binary writes and reads.
pub const VERSION: u32 = 1;
/// The largest file import reads: 5,000 people take about 3 MB; this leaves room and keeps
/// a hostile file from filling memory.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for this binary.
    pub version: u32,
    /// When it was written, unix seconds.
    pub exported_at: i64,
    /// The event it was taken from, if one was set: for the record only.
    pub event: Option<String>,
    /// Web accounts, with their argon2id password hashes.
    pub users: Vec<User>,
    /// Extensions of every kind (groups included).
    pub extensions: Vec<Extension>,
    /// Group memberships.
    pub groups: Vec<Group>,
    /// Forwarding, do-not-disturb and group settings, for the numbers that have any.
    pub forwarding: Vec<Settings>,
    /// Admin-defined phonebook entries (extensions list themselves).
    pub phonebook: Vec<PhonebookEntry>,
    /// Devices: SIP phones and handsets, with their SIP identity and password.
    pub devices: Vec<Device>,
}

/// A web account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    /// The web pages' language the user chose (`en`, `de`); absent when not chosen, and in
    /// files from before the choice existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// An extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub number: String,
    pub name: String,
    /// `sip`, `handset`, `group` or `conference`.
    pub kind: String,
    /// The owner's username.
    pub owner: Option<String>,
    pub public: bool,
    /// The SIP username of the device: a SIP extension's phone, a handset extension's bound
    /// handset.
    pub device: Option<String>,
    /// It has a browser phone (issue 16). Only its existence carries over: the import gives
    /// it a fresh random SIP identity, since the account page hands the browser its
    /// credentials and nobody has configured them by hand. Absent in older files: none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub browser_phone: bool,
    /// A conference room's PIN and maximum (none in files from before rooms had them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<Room>,
}

/// A conference room's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Room {
    pub pin: Option<String>,
    pub max_participants: Option<u32>,
}

/// A group's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub number: String,
    pub members: Vec<GroupMember>,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMember {
    pub number: String,
    pub delay: u32,
    pub active: bool,
}

/// The routing settings of one number (see docs/routing.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub number: String,
    pub dnd: bool,
    pub call_waiting: bool,
    pub always: Option<String>,
    pub always_after: Option<u32>,
    pub busy: Option<String>,
    pub no_answer: Option<String>,
    pub no_answer_after: u32,
    pub unavailable: Option<String>,
    pub ring_timeout: u32,
    pub fallback: Option<String>,
}

/// A phonebook entry of the admin's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhonebookEntry {
    pub name: String,
    pub number: String,
}

/// A device's SIP identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Endpoint = auth = AOR id.
    pub sip_username: String,
    /// `sip` or `handset`.
    pub kind: String,
    /// The digest password, in the clear (Asterisk needs it so).
    pub password: String,
    /// The DECT handset the OMM reported for it: remembered, so it gets this device back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dect: Option<Dect>,
}

/// What identifies a DECT handset to the OMM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dect {
    /// The handset's IPEI.
    pub ipei: String,
    /// Its DECT authentication key, a secret like the SIP password, when the OMM gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uak: Option<String>,
}

/// Why a file was refused: where, and what. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {problem}")]
pub struct Invalid {
    /// `users[3].username`, or `file` for the document as a whole.
    pub place: String,
    /// What is wrong there.
    pub problem: String,
}

fn bad(place: impl Into<String>, problem: impl Into<String>) -> Invalid {
    Invalid {
        place: place.into(),
        problem: problem.into(),
    }
}

impl From<&Settings> for Preferences {
    fn from(s: &Settings) -> Preferences {
        Preferences {
            dnd: s.dnd,
            call_waiting: s.call_waiting,
            forward: Forwarding {
                always: s.always.clone(),
                always_after: s.always_after,
                busy: s.busy.clone(),
                no_answer: s.no_answer.clone(),
                no_answer_after: s.no_answer_after,
                unavailable: s.unavailable.clone(),
            },
            ring_timeout: s.ring_timeout,
            fallback: s.fallback.clone(),
        }
    }
}

impl Settings {
    /// The export form of a number's stored settings.
    pub fn of(number: &str, p: &Preferences) -> Settings {
        Settings {
            number: number.to_string(),
            dnd: p.dnd,
            call_waiting: p.call_waiting,
            always: p.forward.always.clone(),
            always_after: p.forward.always_after,
            busy: p.forward.busy.clone(),
            no_answer: p.forward.no_answer.clone(),
            no_answer_after: p.forward.no_answer_after,
            unavailable: p.forward.unavailable.clone(),
            ring_timeout: p.ring_timeout,
            fallback: p.fallback.clone(),
        }
    }
}

/// Only the header, read first: a file of another format or version is refused as such,
/// not for the fields this version does not know.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// Parses and checks a whole file. The first problem found is the answer.
pub fn parse(text: &str) -> Result<Export, Invalid> {
    if text.len() as u64 > MAX_BYTES {
        return Err(bad("file", format!("larger than {MAX_BYTES} bytes")));
    }
    // serde would read a struct from an array too; an export is an object.
    if !text.trim_start().starts_with('{') {
        return Err(bad("file", "not a JSON object"));
    }
    let header: Header =
        serde_json::from_str(text).map_err(|e| bad("file", format!("not a JSON object: {e}")))?;
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(bad("format", format!("not an {FORMAT} file")));
    }
    match header.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(bad(
                "version",
                format!("{v} is not supported (this eventpbx reads version {VERSION})"),
            ))
        }
        None => return Err(bad("version", "missing or not a number")),
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let export: Export = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let place = e.path().to_string();
        bad(
            if place == "." { "file".into() } else { place },
            e.into_inner().to_string(),
        )
    })?;
    de.end().map_err(|e| bad("file", e.to_string()))?;
    check(&export)?;
    Ok(export)
}

/// A SIP username as eventpbx makes them: a kind letter and 6 to 31 lower-case letters or
/// digits. It becomes a PJSIP id and realtime key, so nothing else is let in.
fn sip_username_ok(s: &str) -> bool {
    (7..=32).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A SIP password: 16 to 64 letters and digits (eventpbx makes 20); Asterisk reads it from
/// realtime, so no separators or quotes.
fn sip_password_ok(s: &str) -> bool {
    (16..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Checks every value and every reference between the parts.
pub fn check(e: &Export) -> Result<(), Invalid> {
    let mut usernames = BTreeSet::new();
    for (i, u) in e.users.iter().enumerate() {
        let at = |f: &str| format!("users[{i}].{f}");
        let name = Username::parse(&u.username).map_err(|x| bad(at("username"), x.to_string()))?;
        if name.as_str() != u.username {
            return Err(bad(at("username"), "has spaces around it"));
        }
        if !usernames.insert(u.username.to_lowercase()) {
            return Err(bad(
                at("username"),
                format!("{:?} appears twice", u.username),
            ));
        }
        accounts::display_name(&u.display_name)
            .map_err(|x| bad(at("display_name"), x.to_string()))?;
        if !u.password_hash.starts_with("$argon2id$")
            || u.password_hash.len() > 256
            || u.password_hash.chars().any(|c| c.is_control() || c == ' ')
        {
            return Err(bad(at("password_hash"), "not an argon2id hash"));
        }
        Role::parse(&u.role).map_err(|x| bad(at("role"), x.to_string()))?;
    }
    let mut devices = BTreeMap::new();
    let mut ipeis = std::collections::BTreeSet::new();
    for (i, d) in e.devices.iter().enumerate() {
        let at = |f: &str| format!("devices[{i}].{f}");
        if !sip_username_ok(&d.sip_username) {
            return Err(bad(
                at("sip_username"),
                "7 to 32 lower-case letters or digits, a letter first",
            ));
        }
        if !matches!(d.kind.as_str(), "sip" | "handset") {
            return Err(bad(
                at("kind"),
                format!("{:?} is not sip or handset", d.kind),
            ));
        }
        if !sip_password_ok(&d.password) {
            return Err(bad(at("password"), "16 to 64 letters or digits"));
        }
        if let Some(dect) = &d.dect {
            if d.kind != "handset" {
                return Err(bad(at("dect"), "only a handset has a DECT identity"));
            }
            if !super::dect::ipei_ok(&dect.ipei) {
                return Err(bad(at("dect.ipei"), "digits and spaces, at most 20"));
            }
            if dect.uak.as_deref().is_some_and(|u| !super::dect::uak_ok(u)) {
                return Err(bad(at("dect.uak"), "hex, at most 64 characters"));
            }
            if !ipeis.insert(dect.ipei.as_str()) {
                return Err(bad(
                    at("dect.ipei"),
                    format!("{:?} appears twice", dect.ipei),
                ));
            }
        }
        if devices
            .insert(d.sip_username.as_str(), (d.kind.as_str(), false))
            .is_some()
        {
            return Err(bad(
                at("sip_username"),
                format!("{:?} appears twice", d.sip_username),
            ));
        }
    }
    let mut kinds = BTreeMap::new();
    for (i, x) in e.extensions.iter().enumerate() {
        let at = |f: &str| format!("extensions[{i}].{f}");
        let number = Number::parse(&x.number).map_err(|err| bad(at("number"), err.to_string()))?;
        if number.as_str() != x.number {
            return Err(bad(at("number"), "has spaces around it"));
        }
        accounts::display_name(&x.name).map_err(|err| bad(at("name"), err.to_string()))?;
        let kind = ExtensionKind::parse(&x.kind).ok_or_else(|| {
            bad(
                at("kind"),
                format!("{:?} is not sip, handset, group or conference", x.kind),
            )
        })?;
        if let Some(owner) = &x.owner {
            if !usernames.contains(&owner.to_lowercase()) {
                return Err(bad(at("owner"), format!("no user {owner:?} in users")));
            }
        }
        if let Some(room) = &x.room {
            if kind != ExtensionKind::Conference {
                return Err(bad(at("room"), "only a conference room has room settings"));
            }
            let parsed = RoomSettings::parse(room.pin.as_deref(), room.max_participants)
                .map_err(|err| bad(at("room"), err.to_string()))?;
            if parsed.pin != room.pin || parsed.max_participants != room.max_participants {
                return Err(bad(
                    at("room"),
                    "an empty PIN or a maximum of 0: leave it out",
                ));
            }
        }
        let wanted = match kind {
            ExtensionKind::Sip => Some("sip"),
            ExtensionKind::Handset => Some("handset"),
            ExtensionKind::Group | ExtensionKind::Conference => None,
        };
        match (&x.device, wanted) {
            (None, Some("sip")) => {
                return Err(bad(at("device"), "a SIP extension needs its device"))
            }
            (None, _) => {}
            (Some(_), None) => return Err(bad(at("device"), "a group has no device")),
            (Some(d), Some(wanted)) => match devices.get_mut(d.as_str()) {
                None => return Err(bad(at("device"), format!("no device {d:?} in devices"))),
                Some((kind, _)) if *kind != wanted => {
                    return Err(bad(at("device"), format!("{d:?} is a {kind} device")))
                }
                Some((_, used)) if *used => {
                    return Err(bad(
                        at("device"),
                        format!("{d:?} belongs to another extension"),
                    ))
                }
                Some((_, used)) => *used = true,
            },
        }
        if x.browser_phone && kind == ExtensionKind::Group {
            return Err(bad(at("browser_phone"), "a group has no browser phone"));
        }
        if x.browser_phone && kind == ExtensionKind::Conference {
            return Err(bad(
                at("browser_phone"),
                "a conference room has no browser phone",
            ));
        }
        if kinds.insert(x.number.as_str(), kind).is_some() {
            return Err(bad(at("number"), format!("{} appears twice", x.number)));
        }
    }
    let mut groups = BTreeSet::new();
    for (i, g) in e.groups.iter().enumerate() {
        let at = format!("groups[{i}]");
        if kinds.get(g.number.as_str()) != Some(&ExtensionKind::Group) {
            return Err(bad(
                format!("{at}.number"),
                format!("{:?} is no group in extensions", g.number),
            ));
        }
        if !groups.insert(g.number.as_str()) {
            return Err(bad(
                format!("{at}.number"),
                format!("{} appears twice", g.number),
            ));
        }
        for (j, m) in g.members.iter().enumerate() {
            if !kinds.contains_key(m.number.as_str()) {
                return Err(bad(
                    format!("{at}.members[{j}].number"),
                    format!("{:?} is not in extensions", m.number),
                ));
            }
        }
        let members: Vec<Member> = g
            .members
            .iter()
            .map(|m| Member {
                number: m.number.clone(),
                delay: m.delay,
                active: m.active,
            })
            .collect();
        routing::check_members(&g.number, &members)
            .map_err(|x| bad(format!("{at}.members"), x.to_string()))?;
    }
    let mut with_settings = BTreeSet::new();
    for (i, s) in e.forwarding.iter().enumerate() {
        let at = format!("forwarding[{i}]");
        let Some(kind) = kinds.get(s.number.as_str()) else {
            return Err(bad(
                format!("{at}.number"),
                format!("{:?} is not in extensions", s.number),
            ));
        };
        if !with_settings.insert(s.number.as_str()) {
            return Err(bad(
                format!("{at}.number"),
                format!("{} appears twice", s.number),
            ));
        }
        let known = |n: &str| kinds.contains_key(n);
        routing::check_preferences(&s.number, *kind == ExtensionKind::Group, &s.into(), &known)
            .map_err(|x| bad(at, x.to_string()))?;
    }
    let mut entries = BTreeSet::new();
    for (i, p) in e.phonebook.iter().enumerate() {
        let at = |f: &str| format!("phonebook[{i}].{f}");
        if p.name.trim().is_empty()
            || p.name.chars().count() > 80
            || p.name.chars().any(char::is_control)
        {
            return Err(bad(at("name"), "1 to 80 characters, no control characters"));
        }
        if p.number.is_empty()
            || p.number.len() > 32
            || !p
                .number
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | '+'))
        {
            return Err(bad(at("number"), "1 to 32 of 0-9, *, # and +"));
        }
        if !entries.insert(p.number.as_str()) {
            return Err(bad(at("number"), format!("{} appears twice", p.number)));
        }
    }
    Ok(())
}
