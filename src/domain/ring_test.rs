//! "Ring me": a short test call to an extension, started from its "why didn't it ring?" page,
//! and what its outcome means. Pure: the call engine feeds it ARI's channel states and hangup
//! cause; the page shows [`RingState::words`].

use super::history::Cause;
use super::Number;

/// What a test call rings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RingTarget {
    /// The number through its route, as any caller reaches it (`Local/<n>@<route context>`):
    /// tests forwarding, do-not-disturb and the group's members too.
    Route(Number),
    /// One device directly (`PJSIP/<endpoint>`): tests the phone alone.
    Phone {
        /// The number the device belongs to (for the page and the caller id).
        number: Number,
        /// Its endpoint id, the device's SIP username.
        endpoint: String,
    },
}

impl RingTarget {
    /// The number the test is about.
    pub fn number(&self) -> &Number {
        match self {
            RingTarget::Route(n) | RingTarget::Phone { number: n, .. } => n,
        }
    }

    /// "through its route" or "the phone alone", for people.
    pub fn words(&self) -> &'static str {
        match self {
            RingTarget::Route(_) => "through its route",
            RingTarget::Phone { .. } => "the phone directly",
        }
    }
}

/// Where a test call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingState {
    /// Asterisk accepted the call and is setting it up.
    Calling,
    /// A phone is ringing.
    Ringing,
    /// Someone answered: the test plays a short message and hangs up.
    Answered,
    /// It ended without an answer, for this reason.
    Failed(Cause),
}

impl RingState {
    /// Whether the outcome is known (the page stops asking).
    pub fn is_final(self) -> bool {
        matches!(self, RingState::Answered | RingState::Failed(_))
    }

    /// The state after a ChannelStateChange to Asterisk's `state` ("Ringing", "Up", ...).
    /// An answer is only believed from the application's StasisStart ([`RingState::Answered`]
    /// is set there), since a Local channel reports "Up" only then too.
    pub fn on_channel_state(self, state: &str) -> RingState {
        match (self, state) {
            (RingState::Calling, "Ringing" | "Ring") => RingState::Ringing,
            (s, _) => s,
        }
    }

    /// The state after a Dial event about the test's channel (`RINGING`, `BUSY`, ...).
    pub fn on_dial(self, dialstatus: &str) -> RingState {
        match (self, dialstatus) {
            (RingState::Calling, "RINGING" | "PROGRESS") => RingState::Ringing,
            (s, _) => s,
        }
    }

    /// The state once the channel is gone with Q.850 `cause`, `rang_secs` after it started,
    /// for a test that rang at most `timeout_secs`; `dialled` is the last Dial status
    /// Asterisk reported for it. An outcome already known stays.
    ///
    /// A call through a Local channel often ends with cause 0 even when the far side was busy
    /// (the Local channel passes on the busy signal, not the cause): the Dial status says it.
    /// A 603 shows as CHANUNAVAIL there, like an absent phone, but keeps its cause 21.
    pub fn on_destroyed(
        self,
        cause: i64,
        dialled: Option<&str>,
        rang_secs: u64,
        timeout_secs: u32,
    ) -> RingState {
        if self.is_final() {
            return self;
        }
        let rang_out = rang_secs + 1 >= u64::from(timeout_secs);
        let c = match (cause, dialled.unwrap_or("")) {
            (21, _) => Cause::Rejected,
            (17, _) | (_, "BUSY") => Cause::Busy,
            (18 | 19, _) | (_, "NOANSWER") => Cause::NoAnswer,
            // Asterisk ends an originated call that rang its whole time with a plain
            // "normal clearing" (16) or no cause on some paths: the clock says what happened.
            (0 | 16, _) if rang_out && self == RingState::Ringing => Cause::NoAnswer,
            (_, "CHANUNAVAIL" | "CONGESTION") => Cause::NotRegistered,
            (c, _) => cause_of_q850(c),
        };
        RingState::Failed(c)
    }

    /// The state for people.
    pub fn words(self) -> &'static str {
        match self {
            RingState::Calling => "calling\u{2026}",
            RingState::Ringing => "ringing\u{2026}",
            RingState::Answered => "answered: the phone works",
            RingState::Failed(Cause::Busy) => "busy",
            RingState::Failed(Cause::NoAnswer) => "no answer",
            RingState::Failed(Cause::NotRegistered) => "not registered (no phone reachable)",
            RingState::Failed(Cause::Rejected) => "rejected by the phone",
            RingState::Failed(Cause::DoNotDisturb) => "do-not-disturb",
            RingState::Failed(Cause::UnknownNumber) => "unknown number",
            RingState::Failed(Cause::NotAllowed) => "not allowed",
            RingState::Failed(Cause::Answered | Cause::Cancelled) => "ended before anyone answered",
        }
    }

    /// A stable code for the page's script and the tests.
    pub fn code(self) -> &'static str {
        match self {
            RingState::Calling => "calling",
            RingState::Ringing => "ringing",
            RingState::Answered => "answered",
            RingState::Failed(c) => c.code(),
        }
    }
}

/// Q.850 cause (as ARI's ChannelDestroyed reports it) to the words of the call history.
pub fn cause_of_q850(cause: i64) -> Cause {
    match cause {
        17 => Cause::Busy,
        18 | 19 => Cause::NoAnswer,
        // Subscriber absent, no route, unallocated number, or unknown (no contact to dial).
        0 | 1 | 3 | 20 | 27 | 38 => Cause::NotRegistered,
        21 => Cause::Rejected,
        _ => Cause::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ringing_then_gone_with_busy_is_busy() {
        let s = RingState::Calling.on_channel_state("Ringing");
        assert_eq!(s, RingState::Ringing);
        assert_eq!(
            s.on_destroyed(17, None, 1, 20),
            RingState::Failed(Cause::Busy)
        );
    }

    #[test]
    fn the_whole_ring_time_with_normal_clearing_is_no_answer() {
        let s = RingState::Ringing.on_destroyed(16, None, 20, 20);
        assert_eq!(s, RingState::Failed(Cause::NoAnswer));
        assert_eq!(s.words(), "no answer");
    }

    #[test]
    fn an_early_normal_clearing_is_not_called_no_answer() {
        let s = RingState::Ringing.on_destroyed(16, None, 3, 20);
        assert_eq!(s, RingState::Failed(Cause::Cancelled));
    }

    #[test]
    fn a_local_channel_without_a_cause_takes_the_dial_status() {
        let s = RingState::Calling.on_dial("RINGING");
        assert_eq!(s, RingState::Ringing);
        assert_eq!(
            s.on_destroyed(0, Some("BUSY"), 1, 20),
            RingState::Failed(Cause::Busy)
        );
        assert_eq!(
            RingState::Calling.on_destroyed(0, Some("CHANUNAVAIL"), 0, 20),
            RingState::Failed(Cause::NotRegistered)
        );
        assert_eq!(
            RingState::Ringing.on_destroyed(0, Some("NOANSWER"), 20, 20),
            RingState::Failed(Cause::NoAnswer)
        );
    }

    #[test]
    fn absent_and_rejected_have_their_words() {
        assert_eq!(
            RingState::Calling.on_destroyed(20, None, 0, 20).code(),
            "not_registered"
        );
        assert_eq!(
            RingState::Ringing
                .on_destroyed(21, Some("CHANUNAVAIL"), 2, 20)
                .words(),
            "rejected by the phone"
        );
    }

    #[test]
    fn an_answered_test_stays_answered_however_it_ends() {
        assert_eq!(
            RingState::Answered.on_destroyed(16, None, 30, 20),
            RingState::Answered
        );
        assert_eq!(
            RingState::Answered.on_channel_state("Ring"),
            RingState::Answered
        );
    }

    #[test]
    fn answers_and_failures_are_final_states() {
        assert!(!RingState::Calling.is_final());
        assert!(!RingState::Ringing.is_final());
        assert!(RingState::Answered.is_final());
        assert!(RingState::Failed(Cause::Busy).is_final());
    }
}
