//! Which numbers a person may claim: the numbering plan and its rules.
//!
//! A [`Plan`] is a snapshot of everything that decides whether a number is free: the claimable
//! ranges, reserved numbers, numbers already in use, the fixed numbers from the settings file
//! (service codes, emergency and help-desk numbers) and the temporary handset range. The db
//! layer loads it inside the claiming transaction, so the check and the insert see the same
//! data. The plan must stay prefix-free: phones dial en bloc or digit by digit, and if 47 and
//! 4711 both existed, 4711 could never be reached by a phone that dials as soon as it has a match.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Bound;

use crate::config::Settings;
use crate::domain::Number;

/// One claimable range, inclusive, both ends of the same length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// First number of the range.
    pub first: String,
    /// Last number of the range.
    pub last: String,
}

impl Range {
    /// Checks an admin's input: digits, same length, first <= last.
    pub fn parse(first: &str, last: &str) -> Result<Range, String> {
        let (first, last) = (first.trim(), last.trim());
        for n in [first, last] {
            if Number::parse(n).is_err() {
                return Err(format!("{n:?} is not a number: use digits only."));
            }
        }
        if first.len() != last.len() {
            return Err("Both ends of a range need the same number of digits.".into());
        }
        if first > last {
            return Err(format!(
                "{first} comes after {last}: put the smaller number first."
            ));
        }
        Ok(Range {
            first: first.into(),
            last: last.into(),
        })
    }

    /// Whether `n` lies inside the range.
    pub fn contains(&self, n: &str) -> bool {
        n.len() == self.first.len() && self.first.as_str() <= n && n <= self.last.as_str()
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.first, self.last)
    }
}

/// A number fixed by the settings file, with what it is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedNumber {
    /// The digits.
    pub number: String,
    /// What it is, e.g. "the registration code".
    pub what: String,
}

/// Why a number cannot be claimed. The message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// Not 1 to 15 digits.
    #[error("{0:?} is not a number: use digits only, like 4711.")]
    NotDigits(String),
    /// Already an extension or a device's number.
    #[error("{0} is already taken. Pick another one.")]
    Taken(String),
    /// On the reserved list.
    #[error("{0} is reserved and cannot be claimed.")]
    Reserved(String),
    /// Outside every claimable range.
    #[error("{number} is outside the numbers you can claim ({ranges}).")]
    OutOfRange {
        /// The number asked for.
        number: String,
        /// The ranges, for people.
        ranges: String,
    },
    /// Equal to, a prefix of, or prefixed by a number from the settings file.
    #[error(
        "{number} clashes with {what} {fixed}: a phone could not tell them apart while dialling."
    )]
    Fixed {
        /// The number asked for.
        number: String,
        /// The fixed number.
        fixed: String,
        /// What the fixed number is.
        what: String,
    },
    /// Clashes with the temporary handset range.
    #[error("{number} clashes with the temporary handset numbers ({range}).")]
    Temporary {
        /// The number asked for.
        number: String,
        /// The temporary range, for people.
        range: String,
    },
    /// A number in use starts with it, or it starts with a number in use.
    #[error("{number} clashes with the existing number {other}: one is the start of the other, so a phone could not tell them apart while dialling.")]
    Prefix {
        /// The number asked for.
        number: String,
        /// The number it clashes with.
        other: String,
    },
    /// The person already has as many extensions as allowed.
    #[error(
        "You already have {max} extension(s), the most one person may have. Delete one first."
    )]
    Limit {
        /// The per-user maximum.
        max: u32,
    },
}

/// Everything that decides whether a number is free, loaded in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Claimable ranges (from the database, admin-editable).
    pub ranges: Vec<Range>,
    /// Reserved numbers (admin-editable).
    pub reserved: BTreeSet<String>,
    /// Numbers in use: the `numbers` table and every extension.
    pub taken: BTreeSet<String>,
    /// Service codes, emergency and help-desk numbers from the settings file.
    pub fixed: Vec<FixedNumber>,
    /// The temporary handset range from the settings file.
    pub temporary: Option<Range>,
    /// Extensions one person may own.
    pub max_per_user: u32,
}

/// How many candidates `suggest_free` looks at per range, so a huge range stays cheap.
const SCAN_LIMIT: u64 = 50_000;

impl Plan {
    /// The fixed numbers and temporary range of the settings file; the caller adds the rest.
    pub fn from_settings(settings: &Settings) -> Plan {
        let mut fixed = vec![
            FixedNumber {
                number: settings.codes.info.clone(),
                what: "the info code".into(),
            },
            FixedNumber {
                number: settings.codes.echo.clone(),
                what: "the echo test code".into(),
            },
            FixedNumber {
                number: settings.codes.register.clone(),
                what: "the registration code".into(),
            },
        ];
        for n in &settings.numbering.emergency {
            fixed.push(FixedNumber {
                number: n.clone(),
                what: "the emergency number".into(),
            });
        }
        for n in &settings.numbering.helpdesk {
            fixed.push(FixedNumber {
                number: n.clone(),
                what: "the help desk number".into(),
            });
        }
        Plan {
            fixed,
            temporary: Range::parse(
                &settings.numbering.temporary_first,
                &settings.numbering.temporary_last,
            )
            .ok(),
            ..Plan::default()
        }
    }

    /// Checks every rule except the per-user maximum; returns the validated number.
    pub fn check(&self, text: &str) -> Result<Number, ClaimError> {
        let number = Number::parse(text).map_err(|_| ClaimError::NotDigits(text.to_string()))?;
        let n = number.as_str();
        for f in &self.fixed {
            if f.number.starts_with(n) || n.starts_with(f.number.as_str()) {
                return Err(ClaimError::Fixed {
                    number: n.into(),
                    fixed: f.number.clone(),
                    what: f.what.clone(),
                });
            }
        }
        if let Some(t) = &self.temporary {
            if clashes_with_range(n, t) {
                return Err(ClaimError::Temporary {
                    number: n.into(),
                    range: t.to_string(),
                });
            }
        }
        if self.taken.contains(n) {
            return Err(ClaimError::Taken(n.into()));
        }
        if self.reserved.contains(n) {
            return Err(ClaimError::Reserved(n.into()));
        }
        if !self.ranges.iter().any(|r| r.contains(n)) {
            return Err(ClaimError::OutOfRange {
                number: n.into(),
                ranges: self.describe_ranges(),
            });
        }
        if let Some(other) = prefix_clash(&self.taken, n) {
            return Err(ClaimError::Prefix {
                number: n.into(),
                other: other.clone(),
            });
        }
        Ok(number)
    }

    /// Refuses one more extension for someone who owns `owned` already.
    pub fn check_limit(&self, owned: u32) -> Result<(), ClaimError> {
        if owned >= self.max_per_user {
            return Err(ClaimError::Limit {
                max: self.max_per_user,
            });
        }
        Ok(())
    }

    /// Up to `n` numbers that pass [`Plan::check`], starting at a random place in the ranges so
    /// people signing up together are not all offered the same numbers.
    pub fn suggest_free(&self, n: usize) -> Vec<String> {
        let offset = crate::domain::secrets::digits(6)
            .parse::<u64>()
            .unwrap_or(0);
        self.suggest_from(n, offset)
    }

    /// Like [`Plan::suggest_free`], starting `offset` numbers into each range (wrapping).
    pub fn suggest_from(&self, n: usize, offset: u64) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.ranges {
            let (Ok(first), Ok(last)) = (r.first.parse::<u64>(), r.last.parse::<u64>()) else {
                continue;
            };
            let width = r.first.len();
            let size = last - first + 1;
            let start = offset % size;
            for i in 0..size.min(SCAN_LIMIT) {
                if out.len() >= n {
                    return out;
                }
                let candidate = format!("{:0width$}", first + (start + i) % size);
                if self.check(&candidate).is_ok() {
                    out.push(candidate);
                }
            }
        }
        out
    }

    /// The claimable ranges for people, e.g. "2000–8999".
    pub fn describe_ranges(&self) -> String {
        if self.ranges.is_empty() {
            return "none are open right now".into();
        }
        self.ranges
            .iter()
            .map(Range::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether `n` equals, starts with, or is the start of any number in `r`.
fn clashes_with_range(n: &str, r: &Range) -> bool {
    let len = r.first.len();
    if n.len() >= len {
        // Some number of the range is a prefix of n (or equals it).
        return r.contains(&n[..len]);
    }
    // n is the start of some number in the range iff [n000.., n999..] meets the range.
    let pad = len - n.len();
    let lo = format!("{n}{}", "0".repeat(pad));
    let hi = format!("{n}{}", "9".repeat(pad));
    lo.as_str() <= r.last.as_str() && hi.as_str() >= r.first.as_str()
}

/// A number in `set` that is a proper prefix of `n`, or that `n` is a proper prefix of.
fn prefix_clash<'a>(set: &'a BTreeSet<String>, n: &str) -> Option<&'a String> {
    for i in 1..n.len() {
        if let Some(e) = set.get(&n[..i]) {
            return Some(e);
        }
    }
    set.range::<str, _>((Bound::Excluded(n), Bound::Unbounded))
        .next()
        .filter(|e| e.starts_with(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let mut p = Plan::from_settings(&Settings::default());
        p.ranges = vec![Range::parse("2000", "8999").unwrap()];
        p.max_per_user = 2;
        p.taken.insert("4711".into());
        p.taken.insert("99560001".into());
        p.reserved.insert("2222".into());
        p
    }

    #[test]
    fn each_rule_says_which() {
        let p = plan();
        assert_eq!(p.check("4712").unwrap().as_str(), "4712");
        assert!(matches!(p.check("47a"), Err(ClaimError::NotDigits(_))));
        assert!(matches!(p.check("4711"), Err(ClaimError::Taken(_))));
        assert!(matches!(p.check("2222"), Err(ClaimError::Reserved(_))));
        assert!(matches!(
            p.check("1999"),
            Err(ClaimError::OutOfRange { .. })
        ));
        assert!(matches!(p.check("99551"), Err(ClaimError::Fixed { .. })));
        assert!(matches!(p.check("995"), Err(ClaimError::Fixed { .. })));
        assert!(matches!(p.check("11"), Err(ClaimError::Fixed { .. })));
        assert!(matches!(p.check("9956"), Err(ClaimError::Temporary { .. })));
        assert!(matches!(
            p.check("995600001"),
            Err(ClaimError::Temporary { .. })
        ));
        let err = p.check("1999").unwrap_err().to_string();
        assert!(err.contains("2000–8999"), "{err}");
        assert!(p.check_limit(1).is_ok());
        assert!(matches!(
            p.check_limit(2),
            Err(ClaimError::Limit { max: 2 })
        ));
    }

    #[test]
    fn prefix_clashes_both_ways() {
        let mut p = plan();
        p.ranges.push(Range::parse("200", "899").unwrap());
        p.ranges.push(Range::parse("20000", "89999").unwrap());
        // 471 is the start of 4711; 47111 starts with 4711.
        assert!(matches!(p.check("471"), Err(ClaimError::Prefix { other, .. }) if other == "4711"));
        assert!(
            matches!(p.check("47111"), Err(ClaimError::Prefix { other, .. }) if other == "4711")
        );
        assert!(p.check("472").is_ok());
    }

    #[test]
    fn suggestions_are_free_and_distinct() {
        let p = plan();
        let s = p.suggest_from(5, 2710);
        assert_eq!(s.len(), 5);
        assert_eq!(s[0], "4710");
        assert!(!s.contains(&"4711".to_string()));
        for n in &s {
            assert!(p.check(n).is_ok());
        }
        let empty = Plan::default();
        assert!(empty.suggest_free(3).is_empty());
    }

    #[test]
    fn ranges_are_validated() {
        assert!(Range::parse("100", "99").is_err());
        assert!(Range::parse("200", "100").is_err());
        assert!(Range::parse("2x", "30").is_err());
        assert!(Range::parse("0100", "0199").unwrap().contains("0150"));
    }
}
