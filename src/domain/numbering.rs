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
    /// Which kind of fixed number.
    pub kind: FixedKind,
}

/// What a fixed number is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedKind {
    /// A service code eventpbx answers (info, echo, registration).
    Code,
    /// An emergency number: a desk (an extension) must answer it.
    Emergency,
    /// A help-desk number: a desk must answer it.
    Helpdesk,
}

impl FixedKind {
    /// Emergency and help-desk numbers are answered by a desk someone claims.
    pub fn is_desk(self) -> bool {
        matches!(self, FixedKind::Emergency | FixedKind::Helpdesk)
    }

    /// For warnings: "emergency", "help desk".
    pub fn label(self) -> &'static str {
        match self {
            FixedKind::Code => "service code",
            FixedKind::Emergency => "emergency",
            FixedKind::Helpdesk => "help desk",
        }
    }
}

/// Who claims a number. Only admins may set up the desk behind an emergency or help-desk
/// number: whoever holds it answers every emergency call of the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Authority {
    /// An attendee (sign-up page, account page, a read-write API key).
    #[default]
    Attendee,
    /// An admin (admin page, an admin API key, the CLI).
    Admin,
}

/// Why an emergency or help-desk number reaches nobody yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskState {
    /// No extension has the number.
    NoDesk,
    /// A handset extension has it, but no handset is bound to it yet.
    HandsetNotBound,
    /// A group has it, but no member can ring (none, all paused, DND or without a device).
    GroupUnstaffed,
}

/// A warning for an emergency or help-desk number without a desk, for the admin and operator
/// pages and `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskWarning {
    /// The number.
    pub number: String,
    /// Emergency or help desk.
    pub kind: FixedKind,
    /// What is missing.
    pub state: DeskState,
}

impl fmt::Display for DeskWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let missing = match self.state {
            DeskState::NoDesk => "no desk is set up",
            DeskState::HandsetNotBound => "its desk handset is not bound yet",
            DeskState::GroupUnstaffed => "no member of its group can ring",
        };
        write!(
            f,
            "{} ({}): {missing} — calls hear 'please go to the help desk'",
            self.number,
            self.kind.label()
        )
    }
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
    /// Checks every rule except the per-user maximum for an attendee; returns the validated
    /// number.
    pub fn check(&self, text: &str) -> Result<Number, ClaimError> {
        self.check_as(text, Authority::Attendee)
    }

    /// The emergency or help-desk number `n` is exactly, if any.
    pub fn desk(&self, n: &str) -> Option<&FixedNumber> {
        self.fixed
            .iter()
            .find(|f| f.kind.is_desk() && f.number == n)
    }

    /// The emergency and help-desk numbers.
    pub fn desks(&self) -> impl Iterator<Item = &FixedNumber> {
        self.fixed.iter().filter(|f| f.kind.is_desk())
    }

    /// Whether `authority` may claim `text` as an extension: an admin may claim an emergency
    /// or help-desk number itself (not a number it is a prefix of, nor one starting with it),
    /// as long as no desk has it yet; such a number lies outside the claimable ranges and
    /// the reserved list does not apply to it. Everyone else gets [`ClaimError::Fixed`] for
    /// it, as for every service code. This is the one rule; the web pages, the API and the
    /// CLI all come through here.
    pub fn check_as(&self, text: &str, authority: Authority) -> Result<Number, ClaimError> {
        let number = Number::parse(text).map_err(|_| ClaimError::NotDigits(text.to_string()))?;
        let n = number.as_str();
        if authority == Authority::Admin && self.desk(n).is_some() {
            if self.taken.contains(n) {
                return Err(ClaimError::Taken(n.into()));
            }
            if let Some(other) = prefix_clash(&self.taken, n) {
                return Err(ClaimError::Prefix {
                    number: n.into(),
                    other: other.clone(),
                });
            }
            return Ok(number);
        }
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
        let mut p = crate::config::Settings::default().numbering_plan();
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
    fn only_admins_claim_emergency_and_help_desk_numbers() {
        let mut p = plan();
        for n in ["112", "1000"] {
            assert!(matches!(p.check(n), Err(ClaimError::Fixed { .. })), "{n}");
            assert!(matches!(
                p.check_as(n, Authority::Attendee),
                Err(ClaimError::Fixed { .. })
            ));
            assert_eq!(p.check_as(n, Authority::Admin).unwrap().as_str(), n);
        }
        // Not its prefixes or longer numbers, and never a service code.
        for n in ["11", "1121", "10000", "9955", "9950"] {
            assert!(
                matches!(
                    p.check_as(n, Authority::Admin),
                    Err(ClaimError::Fixed { .. })
                ),
                "{n}"
            );
        }
        // Reserved does not apply to a desk, but a second desk on the same number does.
        p.reserved.insert("112".into());
        assert!(p.check_as("112", Authority::Admin).is_ok());
        p.taken.insert("112".into());
        assert!(matches!(
            p.check_as("112", Authority::Admin),
            Err(ClaimError::Taken(_))
        ));
        assert_eq!(p.desks().count(), 2);
        assert!(p.desk("112").is_some() && p.desk("9955").is_none());
    }

    #[test]
    fn desk_warnings_say_what_callers_hear() {
        let w = DeskWarning {
            number: "112".into(),
            kind: FixedKind::Emergency,
            state: DeskState::NoDesk,
        };
        assert_eq!(
            w.to_string(),
            "112 (emergency): no desk is set up — calls hear 'please go to the help desk'"
        );
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
