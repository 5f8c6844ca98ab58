//! What kind of phone an extension reaches: the one spelling shared by the CLI (clap), the
//! API (serde, OpenAPI), the pages (form values) and the database (`extensions.kind`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How an extension reaches a phone.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
// The API documented this type as `Kind` before it moved here; clients generated from the
// OpenAPI document keep their type name.
#[schema(as = Kind)]
pub enum ExtensionKind {
    /// A SIP phone its owner configures with the credentials.
    Sip,
    /// An unconfigurable handset that binds by dialling the registration code and token.
    Handset,
    /// A number that rings its members (extensions or other groups); it has no device and
    /// no token, so nothing binds to it (docs/routing.md).
    Group,
    /// A conference room: callers who dial it talk together (an ARI mixing bridge run by
    /// eventpbx); no device and no token, like a group.
    Conference,
}

/// A kind name that is not `sip`, `handset`, `group` or `conference`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind {0:?}: use \"handset\", \"sip\", \"group\" or \"conference\"")]
pub struct UnknownKind(pub String);

impl ExtensionKind {
    /// The value stored in `extensions.kind` and used in forms, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionKind::Sip => "sip",
            ExtensionKind::Handset => "handset",
            ExtensionKind::Group => "group",
            ExtensionKind::Conference => "conference",
        }
    }

    /// Whether a device can serve this kind (a group or a conference room never has one).
    pub fn has_device(self) -> bool {
        !matches!(self, ExtensionKind::Group | ExtensionKind::Conference)
    }

    /// Parses `sip`, `handset`, `group` or `conference` (exactly: these are machine values, not prose).
    pub fn parse(text: &str) -> Option<ExtensionKind> {
        text.parse().ok()
    }
}

impl FromStr for ExtensionKind {
    type Err = UnknownKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "sip" => Ok(ExtensionKind::Sip),
            "handset" => Ok(ExtensionKind::Handset),
            "group" => Ok(ExtensionKind::Group),
            "conference" => Ok(ExtensionKind::Conference),
            other => Err(UnknownKind(other.to_string())),
        }
    }
}

impl fmt::Display for ExtensionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_spelling_agrees() {
        for kind in ExtensionKind::value_variants() {
            let text = kind.as_str();
            assert_eq!(text.parse::<ExtensionKind>(), Ok(*kind));
            assert_eq!(kind.to_string(), text);
            assert_eq!(serde_json::to_string(kind).unwrap(), format!("\"{text}\""));
            let back: ExtensionKind = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(back, *kind);
            let clap_name = kind.to_possible_value().unwrap();
            assert_eq!(clap_name.get_name(), text);
        }
    }

    #[test]
    fn unknown_and_differently_cased_kinds_are_refused() {
        assert_eq!(
            "SIP".parse::<ExtensionKind>(),
            Err(UnknownKind("SIP".into()))
        );
        assert_eq!(ExtensionKind::parse("phone"), None);
        assert_eq!(ExtensionKind::parse("Group"), None);
        assert_eq!(ExtensionKind::parse("group"), Some(ExtensionKind::Group));
        assert!(!ExtensionKind::Group.has_device() && ExtensionKind::Sip.has_device());
        assert!(!ExtensionKind::Conference.has_device());
        assert_eq!(ExtensionKind::parse("Conference"), None);
        assert!(serde_json::from_str::<ExtensionKind>("\"Handset\"").is_err());
    }
}
