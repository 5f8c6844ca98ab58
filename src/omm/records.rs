//! The typed views of the AXI records and messages this client uses. Attributes we do not
//! read are ignored (each OMM release adds some, and reading them would make an update break
//! us); the ones we read are checked, and a record whose checked values do not parse is
//! refused whole.

use super::message::Element;

/// Why a record or response did not read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A required attribute is missing.
    #[error("{element}: attribute {attribute} missing")]
    Missing {
        /// The element.
        element: String,
        /// The attribute.
        attribute: &'static str,
    },
    /// An attribute we read has a value outside its type.
    #[error("{element}: attribute {attribute} has an invalid value")]
    Invalid {
        /// The element.
        element: String,
        /// The attribute.
        attribute: &'static str,
    },
}

fn invalid(e: &Element, attribute: &'static str) -> RecordError {
    RecordError::Invalid {
        element: e.name.clone(),
        attribute,
    }
}

fn required<'a>(e: &'a Element, attribute: &'static str) -> Result<&'a str, RecordError> {
    e.get(attribute).ok_or_else(|| RecordError::Missing {
        element: e.name.clone(),
        attribute,
    })
}

/// A non-negative AXI integer (ppn, uid, seq); a sign, spaces or more than 9 digits are not.
pub fn id_value(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn optional_id(e: &Element, attribute: &'static str) -> Result<Option<u32>, RecordError> {
    e.get(attribute)
        .map(|v| id_value(v).ok_or_else(|| invalid(e, attribute)))
        .transpose()
}

fn boolean(e: &Element, attribute: &'static str) -> Result<bool, RecordError> {
    match e.get(attribute) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(invalid(e, attribute)),
    }
}

/// How a device and a user are tied (AXI `PPRelTypeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelType {
    /// No user: a handset that subscribed and waits for one.
    Unbound,
    /// Tied until a logout (what a sync client sets).
    Dynamic,
    /// Tied for good by an administrator.
    Fixed,
}

impl RelType {
    /// The AXI value.
    pub fn as_str(self) -> &'static str {
        match self {
            RelType::Unbound => "Unbound",
            RelType::Dynamic => "Dynamic",
            RelType::Fixed => "Fixed",
        }
    }

    fn parse(text: &str) -> Option<RelType> {
        match text {
            "Unbound" => Some(RelType::Unbound),
            "Dynamic" => Some(RelType::Dynamic),
            "Fixed" => Some(RelType::Fixed),
            _ => None,
        }
    }
}

/// A DECT handset (AXI `pp` of `PPDevType`), only the attributes the sync reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PpDev {
    /// The OMM's id of the device.
    pub ppn: u32,
    /// Its user, if tied to one.
    pub uid: Option<u32>,
    /// The relation to that user; absent in partial event records.
    pub rel_type: Option<RelType>,
    /// The handset's IPEI (digits, maybe spaced).
    pub ipei: Option<String>,
    /// Its DECT authentication key (a secret), if the OMM gives it.
    pub uak: Option<String>,
    /// Created by the OMM's device auto-create (a new subscription).
    pub auto_create: bool,
}

impl PpDev {
    /// Reads a `pp` element.
    pub fn from_element(e: &Element) -> Result<PpDev, RecordError> {
        let ppn = id_value(required(e, "ppn")?).ok_or_else(|| invalid(e, "ppn"))?;
        let rel_type = e
            .get("relType")
            .map(|v| RelType::parse(v).ok_or_else(|| invalid(e, "relType")))
            .transpose()?;
        let ipei = match e.get("ipei") {
            None | Some("") => None,
            Some(v) => {
                if !crate::domain::dect::ipei_ok(v) {
                    return Err(invalid(e, "ipei"));
                }
                Some(v.to_string())
            }
        };
        let uak = match e.get("uak") {
            None | Some("") => None,
            Some(v) if crate::domain::dect::uak_ok(v) => Some(v.to_string()),
            Some(_) => return Err(invalid(e, "uak")),
        };
        Ok(PpDev {
            ppn,
            uid: optional_id(e, "uid")?.filter(|uid| *uid != 0),
            rel_type,
            ipei,
            uak,
            auto_create: boolean(e, "autoCreate")?,
        })
    }

    /// A handset waiting for a user.
    pub fn is_unbound(&self) -> bool {
        self.rel_type == Some(RelType::Unbound) || (self.rel_type.is_none() && self.uid.is_none())
    }
}

/// A DECT user (AXI `user` of `PPUserType`), only the attributes the sync reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PpUser {
    /// The OMM's id of the user.
    pub uid: u32,
    /// The device it is tied to.
    pub ppn: Option<u32>,
    /// Its number: the SIP user the OMM registers with.
    pub num: Option<String>,
    /// The name the handset shows.
    pub name: Option<String>,
    /// The SIP authentication user.
    pub sip_auth_id: Option<String>,
}

impl PpUser {
    /// Reads a `user` element.
    pub fn from_element(e: &Element) -> Result<PpUser, RecordError> {
        let uid = id_value(required(e, "uid")?).ok_or_else(|| invalid(e, "uid"))?;
        Ok(PpUser {
            uid,
            ppn: optional_id(e, "ppn")?.filter(|ppn| *ppn != 0),
            num: e.get("num").map(str::to_string),
            name: e.get("name").map(str::to_string),
            sip_auth_id: e.get("sipAuthId").map(str::to_string),
        })
    }
}

/// The OMM's DECT subscription mode (AXI `DECTSubscriptionModeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionMode {
    /// No new handsets subscribe.
    Off,
    /// Any handset may subscribe (with any access code), for a limited time.
    Wildcard,
    /// Handsets configured in the OMM may subscribe.
    Configured,
}

impl SubscriptionMode {
    /// The AXI value.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionMode::Off => "Off",
            SubscriptionMode::Wildcard => "Wildcard",
            SubscriptionMode::Configured => "Configured",
        }
    }

    /// Reads the AXI value.
    pub fn parse(text: &str) -> Option<SubscriptionMode> {
        match text {
            "Off" => Some(SubscriptionMode::Off),
            "Wildcard" => Some(SubscriptionMode::Wildcard),
            "Configured" => Some(SubscriptionMode::Configured),
            _ => None,
        }
    }
}

/// An event the OMM pushed (only those this client subscribes to are typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OmmEvent {
    /// A device was created or changed (`EventPPDevCnf`); `deleted` when it went.
    PpDevCnf {
        /// The changed attributes.
        pp: PpDev,
        /// The record was deleted.
        deleted: bool,
    },
    /// A device and/or user changed together (`EventPPCnf`).
    PpCnf {
        /// The device part.
        pp: Option<PpDev>,
        /// The user part.
        user: Option<PpUser>,
    },
    /// A user was created or changed (`EventPPUserCnf`).
    PpUserCnf {
        /// The changed attributes.
        user: PpUser,
        /// The record was deleted.
        deleted: bool,
    },
    /// The subscription mode changed (`EventDECTSubscriptionMode`).
    SubscriptionMode(SubscriptionMode),
    /// Any other event; its name only.
    Other(String),
}

impl OmmEvent {
    /// Reads an `Event...` message.
    pub fn from_element(e: &Element) -> Result<OmmEvent, RecordError> {
        let pp = e.child("pp").map(PpDev::from_element).transpose()?;
        let user = e.child("user").map(PpUser::from_element).transpose()?;
        Ok(match e.name.as_str() {
            "EventPPDevCnf" => OmmEvent::PpDevCnf {
                pp: pp.ok_or(RecordError::Missing {
                    element: e.name.clone(),
                    attribute: "pp",
                })?,
                deleted: boolean(e, "deleted")?,
            },
            "EventPPCnf" => OmmEvent::PpCnf { pp, user },
            "EventPPUserCnf" => OmmEvent::PpUserCnf {
                user: user.ok_or(RecordError::Missing {
                    element: e.name.clone(),
                    attribute: "user",
                })?,
                deleted: boolean(e, "deleted")?,
            },
            "EventDECTSubscriptionMode" => OmmEvent::SubscriptionMode(
                SubscriptionMode::parse(required(e, "mode")?).ok_or_else(|| invalid(e, "mode"))?,
            ),
            other => OmmEvent::Other(other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omm::message::parse;

    fn pp(xml: &str) -> Result<PpDev, RecordError> {
        PpDev::from_element(&parse(xml.as_bytes()).unwrap())
    }

    #[test]
    fn reads_a_device_and_ignores_attributes_it_does_not_know() {
        let d = pp(r#"<pp ppn="12" relType="Unbound" ipei="03103 0024641 3" uak="00112233445566778899AABBCCDDEEFF" autoCreate="true" futureThing="x"/>"#).unwrap();
        assert_eq!(d.ppn, 12);
        assert!(d.is_unbound());
        assert_eq!(d.ipei.as_deref(), Some("03103 0024641 3"));
        assert!(d.uak.is_some());
        assert!(d.auto_create);
    }

    #[test]
    fn refuses_values_outside_their_type() {
        for bad in [
            r#"<pp/>"#,
            r#"<pp ppn="-1"/>"#,
            r#"<pp ppn="1e3"/>"#,
            r#"<pp ppn="99999999999"/>"#,
            r#"<pp ppn="1" relType="Sometimes"/>"#,
            r#"<pp ppn="1" ipei="'; DROP TABLE devices"/>"#,
            r#"<pp ppn="1" ipei="123456789012345678901"/>"#,
            r#"<pp ppn="1" uak="not hex"/>"#,
            r#"<pp ppn="1" autoCreate="yes"/>"#,
        ] {
            assert!(pp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_events() {
        let e = parse(br#"<EventPPDevCnf><pp ppn="3" relType="Unbound" ipei="1234567890123"/></EventPPDevCnf>"#).unwrap();
        match OmmEvent::from_element(&e).unwrap() {
            OmmEvent::PpDevCnf { pp, deleted } => {
                assert_eq!(pp.ppn, 3);
                assert!(!deleted);
            }
            other => panic!("{other:?}"),
        }
        let e = parse(br#"<EventDECTSubscriptionMode mode="Wildcard"/>"#).unwrap();
        assert_eq!(
            OmmEvent::from_element(&e).unwrap(),
            OmmEvent::SubscriptionMode(SubscriptionMode::Wildcard)
        );
        let e = parse(br#"<EventDECTSubscriptionMode mode="Always"/>"#).unwrap();
        assert!(OmmEvent::from_element(&e).is_err());
        let e = parse(br#"<EventRFPState rfpId="1"/>"#).unwrap();
        assert_eq!(
            OmmEvent::from_element(&e).unwrap(),
            OmmEvent::Other("EventRFPState".into())
        );
    }
}
