//! Our client of the Mitel SIP-DECT OMM's Application XML Interface (AXI), beside the ARI
//! client and like it using nothing of ours: the wire format ([`message`]: NUL-terminated XML,
//! parsed defensively), the records the sync reads ([`records`]), the encryption of secrets
//! sent to the OMM ([`crypto`]) and one logged-in session ([`client`]). What to create or
//! change in the OMM is the service layer's decision (`service::dect`).
//!
//! The formats follow Mitel's "OM Application XML Interface" as the independent clients
//! implement it: the Python `mitel-ommclient2` 0.0.1 (login, paging, records, encryption) and
//! Eventphone's .NET `mitel-api` (subscriptions, events, public key in `OpenResp`). None of it
//! has been tried against a real OMM, TLS included.

pub mod client;
pub mod crypto;
pub mod message;
pub mod records;

use std::time::Duration;

pub use client::{OmmConfig, OmmError, OmmSession, Transport};
pub use records::{OmmEvent, PpDev, PpUser, RelType, SubscriptionMode};

/// Reconnect delays: doubled per failure from one second up to a minute, with ±20 % jitter
/// so several eventpbx instances do not knock in step; a session that lasted resets it.
#[derive(Debug, Clone)]
pub struct Backoff {
    current: Duration,
}

impl Backoff {
    const START: Duration = Duration::from_secs(1);
    const CAP: Duration = Duration::from_secs(60);

    /// A fresh backoff.
    pub fn new() -> Backoff {
        Backoff {
            current: Backoff::START,
        }
    }

    /// The delay before the next attempt; the one after is longer.
    pub fn next_delay(&mut self) -> Duration {
        use rand::Rng;
        let delay = self
            .current
            .mul_f64(rand::thread_rng().gen_range(0.8..=1.2));
        self.current = (self.current * 2).min(Backoff::CAP);
        delay
    }

    /// After a session that worked.
    pub fn reset(&mut self) {
        self.current = Backoff::START;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_and_resets() {
        let mut b = Backoff::new();
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
        let mut last = first;
        for _ in 0..10 {
            last = b.next_delay();
        }
        assert!(
            last >= Duration::from_secs(48) && last <= Duration::from_secs(72),
            "{last:?}"
        );
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(1200));
    }
}
