//! Whether a device can take calls right now, as eventpbx reports it: Asterisk's endpoint
//! state, except that a registration nobody qualifies counts as online (`calls::live`).

use std::fmt;

/// An endpoint's presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presence {
    /// Registered (and reachable, where qualify checks it).
    Online,
    /// Not registered, or registered but not answering qualify.
    Offline,
    /// Asterisk has not said (yet).
    #[default]
    Unknown,
}

impl Presence {
    /// From ARI's endpoint `state` (`online`, `offline`, `unknown`); anything else is unknown.
    pub fn from_ari(state: &str) -> Presence {
        match state {
            "online" => Presence::Online,
            "offline" => Presence::Offline,
            _ => Presence::Unknown,
        }
    }

    /// The name used in the API, the events stream and the pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Offline => "offline",
            Presence::Unknown => "unknown",
        }
    }

    pub fn is_online(self) -> bool {
        self == Presence::Online
    }
}

impl fmt::Display for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_names_round_trip_and_others_are_unknown() {
        for p in [Presence::Online, Presence::Offline, Presence::Unknown] {
            assert_eq!(Presence::from_ari(p.as_str()), p);
        }
        assert_eq!(Presence::from_ari("Online"), Presence::Unknown);
        assert_eq!(Presence::from_ari(""), Presence::Unknown);
    }
}
