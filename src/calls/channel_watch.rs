//! Who needs every channel on the Asterisk right now. Following all channels costs eventpbx
//! a wake-up for nearly every event of every call, including the ordinary calls Asterisk
//! routes alone; only the operator view and the JSON API's channel and endpoint listings read
//! them. So each reader holds a [`ChannelWatch`] while it reads, and the engine subscribes
//! to all channels only while at least one is held (and for a while after the last is
//! dropped, so a client polling the API does not make it subscribe and unsubscribe each
//! time).

use std::sync::Arc;

use tokio::sync::watch;

/// A reader's claim on the channel list; dropping it gives the claim back.
pub struct ChannelWatch {
    watchers: Option<Arc<watch::Sender<usize>>>,
}

impl ChannelWatch {
    /// Counts one more reader of `watchers`.
    pub(super) fn new(watchers: Arc<watch::Sender<usize>>) -> ChannelWatch {
        watchers.send_modify(|n| *n = n.saturating_add(1));
        ChannelWatch {
            watchers: Some(watchers),
        }
    }

    /// A claim on nothing, for sources without channels (no engine).
    pub fn none() -> ChannelWatch {
        ChannelWatch { watchers: None }
    }
}

impl Drop for ChannelWatch {
    fn drop(&mut self) {
        if let Some(w) = &self.watchers {
            w.send_modify(|n| *n = n.saturating_sub(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_are_counted_while_their_claims_live() {
        let counter = Arc::new(watch::channel(0).0);
        let rx = counter.subscribe();
        let a = ChannelWatch::new(counter.clone());
        let b = ChannelWatch::new(counter.clone());
        assert_eq!(*rx.borrow(), 2);
        drop(a);
        assert_eq!(*rx.borrow(), 1);
        drop(b);
        assert_eq!(*rx.borrow(), 0);
        drop(ChannelWatch::none());
        assert_eq!(*rx.borrow(), 0);
    }
}
