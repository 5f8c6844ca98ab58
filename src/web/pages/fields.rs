//! Form fields typed by people, read the same way on every page: an empty field means "not
//! set", anything else must parse, and the error names the field and shows (escaped, cut short)
//! what was typed. Ranges are the service's to check, so the pages cannot disagree on them.

use serde::Deserialize;

use crate::domain::Number;
use crate::service::routing::RoutingChange;

/// What a person typed, cut short for an error message (it is escaped when shown).
fn shown(text: &str) -> String {
    text.chars().take(20).collect()
}

/// A typed number, or `None` for an empty field; the error names the field.
pub(crate) fn number_field(label: &str, text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Number::parse(text)
        .map(|n| Some(n.to_string()))
        .map_err(|_| format!("{label}: \u{201c}{}\u{201d} is not a number.", shown(text)))
}

/// Typed seconds, or `None` for an empty field.
pub(crate) fn seconds_field(label: &str, text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        format!(
            "{label}: \u{201c}{}\u{201d} is not a number of seconds.",
            shown(text)
        )
    })
}

/// A group's ring timeout and fallback form (the account page's for owners, /admin's for
/// staff): an empty timeout keeps the current one, an empty fallback means busy.
#[derive(Debug, Deserialize)]
pub struct GroupSettingsInput {
    #[serde(default)]
    ring_timeout: String,
    #[serde(default)]
    fallback: String,
}

impl GroupSettingsInput {
    /// The change to make, or what is wrong with the form.
    pub(crate) fn change(&self) -> Result<RoutingChange, String> {
        Ok(RoutingChange {
            ring_timeout: seconds_field("Ring timeout", &self.ring_timeout)?,
            fallback: Some(number_field("Fallback", &self.fallback)?),
            ..RoutingChange::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_fields_are_named_and_empty_ones_are_unset() {
        let bad = number_field("When busy to", "20x1").unwrap_err();
        assert!(
            bad.contains("When busy to") && bad.contains("20x1"),
            "{bad}"
        );
        assert!(seconds_field("After", "-3").is_err());
        assert_eq!(seconds_field("After", " "), Ok(None));
        let form = GroupSettingsInput {
            ring_timeout: "45".into(),
            fallback: String::new(),
        };
        let change = form.change().unwrap();
        assert_eq!(change.ring_timeout, Some(45));
        assert_eq!(change.fallback, Some(None), "an empty fallback means busy");
        let form = GroupSettingsInput {
            ring_timeout: "${SHELL(id)}".into(),
            fallback: String::new(),
        };
        assert!(form.change().unwrap_err().contains("Ring timeout"));
    }
}
