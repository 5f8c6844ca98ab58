//! Form fields typed by people, read the same way on every page: an empty field means "not
//! set", anything else must parse, and the error names the field and shows (escaped, cut short)
//! what was typed. Ranges are the service's to check, so the pages cannot disagree on them.
//! The messages are in the language of the translator given; the label comes translated.

use serde::Deserialize;

use crate::domain::Number;
use crate::service::routing::RoutingChange;
use crate::tr;
use crate::web::i18n::{self, Tr};

/// What a person typed, cut short for an error message (it is escaped when shown).
fn shown(text: &str) -> String {
    text.chars().take(20).collect()
}

/// A typed number, or `None` for an empty field; the error names the field by `label`, which
/// comes translated, and is in the request's language.
pub(crate) fn number_field(label: &str, text: &str) -> Result<Option<String>, String> {
    number_field_in(i18n::current(), label, text)
}

/// Typed seconds, or `None` for an empty field; the error as for [`number_field`].
pub(crate) fn seconds_field(label: &str, text: &str) -> Result<Option<u32>, String> {
    seconds_field_in(i18n::current(), label, text)
}

/// [`number_field`] with its error in the language of `t`.
fn number_field_in(t: Tr, label: &str, text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Number::parse(text)
        .map(|n| Some(n.to_string()))
        .map_err(|_| {
            tr!(
                t,
                "err-field-not-a-number",
                label = label,
                text = shown(text)
            )
        })
}

/// [`seconds_field`] with its error in the language of `t`.
fn seconds_field_in(t: Tr, label: &str, text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        tr!(
            t,
            "err-field-not-seconds",
            label = label,
            text = shown(text)
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
    /// The change to make, or what is wrong with the form (in the request's language).
    pub(crate) fn change(&self) -> Result<RoutingChange, String> {
        let t = i18n::current();
        let (timeout, fallback) = (
            tr!(t, "err-field-ring-timeout"),
            tr!(t, "err-field-fallback"),
        );
        Ok(RoutingChange {
            ring_timeout: seconds_field_in(t, &timeout, &self.ring_timeout)?,
            fallback: Some(number_field_in(t, &fallback, &self.fallback)?),
            ..RoutingChange::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_fields_are_named_and_empty_ones_are_unset() {
        let en = Tr::default();
        let bad = number_field_in(en, "When busy to", "20x1").unwrap_err();
        assert_eq!(bad, "When busy to: \u{201c}20x1\u{201d} is not a number.");
        assert!(seconds_field_in(en, "After", "-3").is_err());
        assert_eq!(seconds_field_in(en, "After", " "), Ok(None));
        let de = Tr::new(crate::domain::lang::Lang::De);
        assert_eq!(
            seconds_field_in(de, "Nach", "-3").unwrap_err(),
            "Nach: \u{201e}-3\u{201c} ist keine Sekundenzahl."
        );
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
