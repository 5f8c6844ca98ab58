//! The rules against token guessing, without the database: when one handset is locked out,
//! and when failures across all handsets are an alarm. `db::attempts` applies them to the
//! attempt log.

/// Failures within this window count towards the lockout.
pub const LOCKOUT_WINDOW_SECS: i64 = 10 * 60;
/// Failures within the window that lock a handset out.
pub const LOCKOUT_FAILURES: usize = 5;

/// How far back [`locked_until`] needs failure times: a lock runs a window past the failure
/// that set it, and that failure counted the window before it.
pub const LOCKOUT_LOOKBACK_SECS: i64 = 2 * LOCKOUT_WINDOW_SECS;

/// Until when a handset with failures at `times` (ascending, Unix seconds) is locked out, if
/// it is at `now`: [`LOCKOUT_FAILURES`] failures within [`LOCKOUT_WINDOW_SECS`] lock it for a
/// window from the last of them.
pub fn locked_until(times: &[i64], now: i64) -> Option<i64> {
    times
        .windows(LOCKOUT_FAILURES)
        .filter(|w| w[LOCKOUT_FAILURES - 1] - w[0] <= LOCKOUT_WINDOW_SECS)
        .map(|w| w[LOCKOUT_FAILURES - 1] + LOCKOUT_WINDOW_SECS)
        .max()
        .filter(|&until| now < until)
}

/// The global guard against token guessing: more than `failures` failed tokens across all
/// handsets within `window_secs` is an alarm. Per-handset lockouts do not stop an attacker
/// with many handsets (or many temporary accounts); this tells the operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    /// Failures within the window that are still fine.
    pub failures: i64,
    /// The window, in seconds.
    pub window_secs: i64,
}

impl Guard {
    /// How long attempt rows are kept: the lockout's look-back or the guard's own window,
    /// whichever is longer. Older rows decide nothing and are pruned.
    pub fn retention_secs(&self) -> i64 {
        LOCKOUT_LOOKBACK_SECS.max(self.window_secs)
    }

    /// What the guard says of `failures` within its window.
    pub fn status(self, failures: i64) -> GuardStatus {
        GuardStatus {
            alarm: failures > self.failures,
            failures,
            guard: self,
        }
    }
}

/// What the guard says at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardStatus {
    /// The alarm is raised.
    pub alarm: bool,
    /// Failed tokens across all handsets within the window.
    pub failures: i64,
    /// The guard it was measured against.
    pub guard: Guard,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_within_the_window_lock_for_a_window_from_the_fifth() {
        let t = [100, 110, 120, 130, 140];
        assert_eq!(locked_until(&t, 141), Some(140 + LOCKOUT_WINDOW_SECS));
        assert_eq!(locked_until(&t, 140 + LOCKOUT_WINDOW_SECS), None);
        assert_eq!(locked_until(&t[..4], 141), None);
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let spread = [0, 1, 2, 3, LOCKOUT_WINDOW_SECS + 1];
        assert_eq!(locked_until(&spread, LOCKOUT_WINDOW_SECS + 2), None);
    }

    #[test]
    fn the_guard_raises_only_above_its_threshold() {
        let guard = Guard {
            failures: 3,
            window_secs: 60,
        };
        assert!(!guard.status(3).alarm);
        assert!(guard.status(4).alarm);
        assert_eq!(guard.retention_secs(), LOCKOUT_LOOKBACK_SECS);
    }
}
