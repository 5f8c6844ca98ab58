//! Decode plus dispatch of ARI events, weighted as they occur in a recorded session (an echo
//! call and a call between two phones, captured from the real Asterisk 22): dedup, parse,
//! live-registry update and the routing key, which is what the engine does per frame.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eventpbx::ari::ws::RecentFrames;
use eventpbx::ari::AriEvent;
use eventpbx::calls::live::LiveRegistry;

fn session() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ari/recorded_session.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn decode_and_dispatch(c: &mut Criterion) {
    let frames = session();
    let mut group = c.benchmark_group("ari");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("decode+dispatch recorded session", |b| {
        b.iter(|| {
            let live = LiveRegistry::default();
            let mut recent = RecentFrames::default();
            let mut routed = 0usize;
            for f in &frames {
                if recent.seen(f) {
                    continue;
                }
                if let Ok(event) = AriEvent::parse(f) {
                    live.apply(&event);
                    routed += usize::from(event.channel_id().is_some());
                }
            }
            routed
        })
    });
    group.finish();
}

criterion_group!(benches, decode_and_dispatch);
criterion_main!(benches);
