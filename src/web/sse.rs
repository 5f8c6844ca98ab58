//! The one Server-Sent-Events engine behind every live view: the operator page, the account
//! page's registration status and the API's `/events`.
//!
//! A [`Feed`] says what to send; this module decides when. The first turn runs at once; after
//! that the stream waits until one of its wake-ups fires (the live registry's change counter,
//! the database's write counter) or, for feeds that must also see other processes' writes,
//! until a fallback period passes. It then lets a burst settle for the feed's debounce window,
//! so a REGISTER's several events or 500 busy channels cost one turn, not hundreds. Every
//! wake-up is marked seen *before* the turn runs, so a change during it wakes the stream again.
//!
//! Each stream ends with the daemon (so an open page does not hold up a graceful shutdown) and
//! within seconds of its holder losing the right to it (`sse_access`).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::db::Db;
use crate::web::sse_access::{self, Holder};

/// Comment lines this often keep proxies and clients from timing out an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What one turn of a feed produced.
#[derive(Debug)]
pub enum Turn {
    /// Send these (possibly none: nothing this client needs changed), then wait for a wake-up.
    Wait(Vec<Event>),
    /// Send these and run again at once: more is ready (a catch-up read in batches).
    Again(Vec<Event>),
    /// Send nothing more: end the stream.
    End,
}

/// The source of a stream's events.
pub trait Feed: Send + 'static {
    /// Runs one turn: reads what changed and renders it.
    fn turn(&mut self) -> impl Future<Output = Turn> + Send;
}

/// When a stream runs its feed again.
#[derive(Debug)]
pub struct Wakes {
    /// Counters whose change means "look again". A counter whose sender is gone is dropped;
    /// a stream with none left and no fallback ends after its last turn.
    pub on: Vec<watch::Receiver<u64>>,
    /// How long a burst may take before the turn runs (zero: at once).
    pub settle: Duration,
    /// Run at least this often even without a wake-up: for changes no counter reports
    /// (writes by other processes).
    pub fallback: Option<Duration>,
}

/// Who holds the stream open and what ends it.
#[derive(Clone)]
pub struct Lifetime {
    /// The database the holder's right is checked in.
    pub db: Db,
    /// The session or key whose loss ends the stream.
    pub holder: Holder,
    /// Cancelled when the daemon stops.
    pub stopping: CancellationToken,
}

/// The response for a stream of `feed` woken by `wakes`, ended by `lifetime`.
pub fn respond<F: Feed>(feed: F, wakes: Wakes, lifetime: Lifetime) -> Response {
    let ended = sse_access::ended(
        lifetime.db.clone(),
        lifetime.holder,
        lifetime.stopping.clone(),
    );
    let state = Driver {
        feed,
        wakes,
        stopping: lifetime.stopping,
        queue: VecDeque::new(),
        ready: true,
        last: false,
        _open: OpenStream::new(),
    };
    let stream = futures_util::stream::unfold(state, Driver::next).take_until(ended);
    (
        // Proxies such as nginx would otherwise hold events back in their buffers.
        [(
            HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        )],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")),
    )
        .into_response()
}

/// One stream's state between events.
struct Driver<F> {
    feed: F,
    wakes: Wakes,
    stopping: CancellationToken,
    /// Rendered events not yet sent.
    queue: VecDeque<Event>,
    /// Run the feed without waiting (at the start, and after [`Turn::Again`]).
    ready: bool,
    /// The feed ended: send what is queued, then stop.
    last: bool,
    /// Counts the stream in `GET /metrics` while it lives.
    _open: OpenStream,
}

/// One open stream in the `eventpbx_sse_clients` gauge, from creation to drop (whether the
/// client left, the right ended or the daemon stops).
struct OpenStream;

impl OpenStream {
    fn new() -> OpenStream {
        metrics::gauge!(crate::domain::metrics::SSE_CLIENTS).increment(1.0);
        OpenStream
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!(crate::domain::metrics::SSE_CLIENTS).decrement(1.0);
    }
}

/// Why waiting stopped.
enum Woken {
    /// Something changed, or the fallback period passed: run a turn.
    Run,
    /// Nothing can wake the stream any more, or the daemon stops.
    Never,
}

impl<F: Feed> Driver<F> {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some((Ok(event), self));
            }
            if self.last || self.stopping.is_cancelled() {
                return None;
            }
            if !self.ready {
                match self.wait().await {
                    Woken::Run => {}
                    Woken::Never => return None,
                }
                if !self.wakes.settle.is_zero() {
                    tokio::time::sleep(self.wakes.settle).await;
                }
            }
            for rx in &mut self.wakes.on {
                rx.borrow_and_update();
            }
            match self.feed.turn().await {
                Turn::Wait(events) => {
                    self.queue.extend(events);
                    self.ready = false;
                }
                Turn::Again(events) => {
                    self.queue.extend(events);
                    self.ready = true;
                }
                Turn::End => self.last = true,
            }
        }
    }

    /// Waits for a change of any counter, the fallback period or the daemon's stop.
    async fn wait(&mut self) -> Woken {
        loop {
            if self.wakes.on.is_empty() && self.wakes.fallback.is_none() {
                return Woken::Never;
            }
            let fallback = self.wakes.fallback;
            let timer = async move {
                match fallback {
                    Some(period) => tokio::time::sleep(period).await,
                    None => std::future::pending().await,
                }
            };
            let changed = async {
                if self.wakes.on.is_empty() {
                    return std::future::pending().await;
                }
                let waits = self.wakes.on.iter_mut().map(|rx| Box::pin(rx.changed()));
                let (result, index, _) = futures_util::future::select_all(waits).await;
                (result.is_ok(), index)
            };
            let outcome = tokio::select! {
                _ = self.stopping.cancelled() => return Woken::Never,
                _ = timer => return Woken::Run,
                outcome = changed => outcome,
            };
            match outcome {
                (true, _) => return Woken::Run,
                // Its sender is gone: it will never fire again, so stop listening to it.
                (false, index) => {
                    self.wakes.on.swap_remove(index);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts its turns; ends after `end_after`.
    struct Counting {
        turns: Arc<AtomicUsize>,
        end_after: usize,
    }

    impl Feed for Counting {
        async fn turn(&mut self) -> Turn {
            let n = self.turns.fetch_add(1, Ordering::SeqCst) + 1;
            if n > self.end_after {
                return Turn::End;
            }
            Turn::Wait(vec![Event::default().data(n.to_string())])
        }
    }

    fn driver(feed: Counting, on: Vec<watch::Receiver<u64>>, settle: u64) -> Driver<Counting> {
        Driver {
            feed,
            wakes: Wakes {
                on,
                settle: Duration::from_millis(settle),
                fallback: None,
            },
            stopping: CancellationToken::new(),
            queue: VecDeque::new(),
            ready: true,
            last: false,
            _open: OpenStream::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_changes_is_one_turn_after_the_settle_window() {
        let (tx, rx) = watch::channel(0);
        let turns = Arc::new(AtomicUsize::new(0));
        let feed = Counting {
            turns: turns.clone(),
            end_after: 10,
        };
        let stream = futures_util::stream::unfold(driver(feed, vec![rx], 250), Driver::next);
        let mut stream = Box::pin(stream);
        assert!(stream.next().await.is_some(), "the first turn runs at once");
        assert_eq!(turns.load(Ordering::SeqCst), 1);
        let burst = tokio::spawn(async move {
            for i in 1..=50 {
                tx.send_replace(i);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tx
        });
        assert!(stream.next().await.is_some());
        let tx = burst.await.unwrap();
        assert_eq!(turns.load(Ordering::SeqCst), 2, "fifty changes, one turn");
        drop(tx);
        // The only counter is gone and there is no fallback: the stream ends.
        assert!(stream.next().await.is_none());
        assert_eq!(turns.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_counter_is_dropped_and_the_others_still_wake() {
        let (closed_tx, closed) = watch::channel(0);
        drop(closed_tx);
        let (tx, rx) = watch::channel(0);
        let turns = Arc::new(AtomicUsize::new(0));
        let feed = Counting {
            turns: turns.clone(),
            end_after: 1,
        };
        let mut stream = Box::pin(futures_util::stream::unfold(
            driver(feed, vec![closed, rx], 0),
            Driver::next,
        ));
        assert!(stream.next().await.is_some());
        tx.send_replace(1);
        // The second turn ends the feed: nothing more is sent.
        assert!(stream.next().await.is_none());
        assert_eq!(turns.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_fallback_runs_a_turn_without_any_change() {
        let turns = Arc::new(AtomicUsize::new(0));
        let feed = Counting {
            turns: turns.clone(),
            end_after: 3,
        };
        let mut d = driver(feed, Vec::new(), 0);
        d.wakes.fallback = Some(Duration::from_secs(1));
        let mut stream = Box::pin(futures_util::stream::unfold(d, Driver::next));
        for _ in 0..3 {
            assert!(stream.next().await.is_some());
        }
        assert!(stream.next().await.is_none());
        assert_eq!(turns.load(Ordering::SeqCst), 4);
    }
}
