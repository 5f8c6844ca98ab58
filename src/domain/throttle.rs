//! How failed logins slow further tries down, as a pure rule over counts and times.
//!
//! - Per (account, client address): the first [`FREE_FAILURES`] failures cost nothing (people
//!   mistype); after that each try must wait 1 s, then 2 s, 4 s, ... up to [`MAX_DELAY`] after
//!   the last failure. Someone guessing at an account from elsewhere never slows down the
//!   owner's own address, so an outsider cannot lock the owner out this way.
//! - Per account, from all addresses together: at most [`ACCOUNT_CEILING`] failures per
//!   [`WINDOW`], so a guess spread over many addresses is still bounded. Reaching it does block
//!   the owner too; it is far above what people mistype, and an admin can always reset the
//!   password (and the counts) with `eventpbx user password NAME`.
//!
//! There is deliberately no limit per address alone: at an event a whole hall shares one NAT
//! address, and one attendee's guessing must not keep everyone else from logging in.

/// Failures are counted over this many seconds.
pub const WINDOW: i64 = 3600;
/// Failures of one account from one address before delays start.
pub const FREE_FAILURES: u32 = 5;
/// The longest delay between tries of one account from one address, in seconds.
pub const MAX_DELAY: i64 = 15 * 60;
/// Failures of one account from all addresses within [`WINDOW`] before it refuses tries.
pub const ACCOUNT_CEILING: u32 = 100;

/// What is known about earlier failures, within [`WINDOW`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Failures of this account from this address.
    pub pair_count: u32,
    /// When the last of them was.
    pub pair_last: Option<i64>,
    /// Failures of this account from anywhere.
    pub account_count: u32,
    /// When the oldest of them was.
    pub account_oldest: Option<i64>,
}

/// Why a try must wait, and for how many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Too many failures of this account from this address.
    Pair(i64),
    /// Too many failures of this account from all addresses.
    Account(i64),
}

impl Wait {
    /// Seconds to wait.
    pub fn seconds(self) -> i64 {
        match self {
            Wait::Pair(s) | Wait::Account(s) => s,
        }
    }

    /// What the person at the login form is told.
    pub fn message(self) -> String {
        match self {
            Wait::Pair(s) => format!(
                "Too many failed attempts for this account from your address: \
                 try again in {s} s."
            ),
            Wait::Account(s) => format!(
                "Too many failed attempts for this account from many addresses: \
                 try again in {s} s, or ask an admin to set a new password."
            ),
        }
    }
}

/// Delay after `count` failures of one account from one address, in seconds.
pub fn pair_delay(count: u32) -> i64 {
    if count < FREE_FAILURES {
        return 0;
    }
    let doublings = count - FREE_FAILURES;
    // 2^10 s already exceeds the cap; checked_shl keeps huge counts from overflowing.
    1i64.checked_shl(doublings.min(20))
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY)
}

/// Whether a try at `now` must wait, given the failures so far.
pub fn login_wait(f: &Failures, now: i64) -> Option<Wait> {
    if f.account_count >= ACCOUNT_CEILING {
        let until = f.account_oldest.unwrap_or(now) + WINDOW;
        return Some(Wait::Account((until - now).max(1)));
    }
    let delay = pair_delay(f.pair_count);
    let last = f.pair_last?;
    let left = last + delay - now;
    (delay > 0 && left > 0).then_some(Wait::Pair(left))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(count: u32, last: i64) -> Failures {
        Failures {
            pair_count: count,
            pair_last: Some(last),
            account_count: count,
            account_oldest: Some(last),
        }
    }

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_cap() {
        assert_eq!(pair_delay(0), 0);
        assert_eq!(pair_delay(FREE_FAILURES - 1), 0);
        assert_eq!(pair_delay(FREE_FAILURES), 1);
        assert_eq!(pair_delay(FREE_FAILURES + 1), 2);
        assert_eq!(pair_delay(FREE_FAILURES + 3), 8);
        assert_eq!(pair_delay(FREE_FAILURES + 10), MAX_DELAY);
        assert_eq!(pair_delay(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn a_pair_waits_from_its_last_failure() {
        assert_eq!(login_wait(&Failures::default(), 100), None);
        assert_eq!(login_wait(&pair(4, 100), 100), None);
        assert_eq!(login_wait(&pair(5, 100), 100), Some(Wait::Pair(1)));
        assert_eq!(login_wait(&pair(5, 100), 101), None);
        assert_eq!(login_wait(&pair(7, 100), 101), Some(Wait::Pair(3)));
    }

    #[test]
    fn the_account_ceiling_holds_whatever_the_address() {
        let f = Failures {
            pair_count: 0,
            pair_last: None,
            account_count: ACCOUNT_CEILING,
            account_oldest: Some(1000),
        };
        assert_eq!(login_wait(&f, 1100), Some(Wait::Account(WINDOW - 100)));
        let below = Failures {
            account_count: ACCOUNT_CEILING - 1,
            ..f
        };
        assert_eq!(login_wait(&below, 1100), None);
        assert!(Wait::Account(5).message().contains("try again in 5 s"));
        assert!(Wait::Pair(2).message().contains("try again in 2 s"));
    }
}
