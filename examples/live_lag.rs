//! How far the operator's live view lags behind Asterisk: `scripts/bench live` runs this beside
//! a real `eventpbx serve` while sipp keeps hundreds of calls up.
//!
//! It listens to Asterisk's own event stream (a second ARI application with subscribeAll, so
//! eventpbx's subscription is untouched) and to the operator page's SSE stream at the same
//! time, and for every channel compares when Asterisk announced it (created, destroyed) with
//! when the live view first showed it and first stopped showing it.
//!
//! With LAG_CALLS=N it also makes the load: N calls of Asterisk Local channels into the echo
//! code (`Local/<echo>@eventpbx-extensions`, two channels each, the far half handled by
//! eventpbx's echo flow), started at LAG_RATE per second, held LAG_HOLD seconds, then hung up
//! at the same rate. Local channels carry no SIP or RTP, so the figure is about the live view,
//! not about how many SIP calls this machine can take.
//!
//! Environment: LAG_BASE (eventpbx, e.g. http://127.0.0.1:18081), LAG_USER / LAG_PASSWORD (an
//! operator), LAG_ARI (e.g. http://127.0.0.1:8088/ari), LAG_ARI_USER / LAG_ARI_PASSWORD,
//! LAG_SECONDS (how long to watch), LAG_CALLS, LAG_RATE, LAG_HOLD, LAG_ECHO (default 9951).
//! Prints the lag percentiles and the busiest frame.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

#[derive(Default)]
struct Seen {
    ari_created: HashMap<String, Instant>,
    ari_destroyed: HashMap<String, Instant>,
    view_shown: HashMap<String, Instant>,
    view_gone: HashMap<String, Instant>,
    frames: usize,
    most_channels: usize,
    biggest_frame: usize,
}

/// Channel ids in one rendered live view: each row has its hang-up form.
fn ids_in(html: &str) -> HashSet<String> {
    let marker = "/operator/channels/";
    let mut ids = HashSet::new();
    let mut rest = html;
    while let Some(start) = rest.find(marker) {
        rest = &rest[start + marker.len()..];
        if let Some(end) = rest.find("/hangup") {
            ids.insert(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    ids
}

async fn login(base: &str, user: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a csrf field") + marker.len();
    let csrf = &page[start..start + page[start..].find('"').unwrap()];
    let r = client
        .post(format!("{base}/login"))
        .form(&[("csrf", csrf), ("username", user), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "operator login");
    client
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() * p).div_ceil(100)).clamp(1, sorted.len()) - 1]
}

fn report(what: &str, mut lags: Vec<Duration>, unmatched: usize) {
    lags.sort();
    println!(
        "{what}: {} channels, lag p50 {} ms, p99 {} ms, max {} ms{}",
        lags.len(),
        percentile(&lags, 50).as_millis(),
        percentile(&lags, 99).as_millis(),
        lags.last().copied().unwrap_or_default().as_millis(),
        if unmatched > 0 {
            format!(", {unmatched} never reflected")
        } else {
            String::new()
        }
    );
}

#[tokio::main]
async fn main() {
    let base = env("LAG_BASE");
    let seconds: u64 = env("LAG_SECONDS").parse().unwrap();
    let client = login(&base, &env("LAG_USER"), &env("LAG_PASSWORD")).await;

    let ari = env("LAG_ARI").replacen("http://", "ws://", 1);
    let url = format!(
        "{ari}/events?app=eventpbx-lag-probe&subscribeAll=true&api_key={}:{}",
        env("LAG_ARI_USER"),
        env("LAG_ARI_PASSWORD")
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut sse = client
        .get(format!("{base}/operator/stream"))
        .send()
        .await
        .unwrap();
    assert!(sse.status().is_success(), "operator stream");
    println!("watching for {seconds} s");
    let calls: usize = std::env::var("LAG_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if calls > 0 {
        let rate: u64 = env("LAG_RATE").parse().unwrap();
        let hold: u64 = env("LAG_HOLD").parse().unwrap();
        let echo = std::env::var("LAG_ECHO").unwrap_or_else(|_| "9951".into());
        let rest = reqwest::Client::new();
        let ari = env("LAG_ARI");
        let (user, password) = (env("LAG_ARI_USER"), env("LAG_ARI_PASSWORD"));
        tokio::spawn(async move {
            let pace = Duration::from_millis(1000 / rate.max(1));
            let mut failed = 0;
            for i in 0..calls {
                let r = rest
                    .post(format!("{ari}/channels"))
                    .basic_auth(&user, Some(&password))
                    .query(&[
                        ("endpoint", format!("Local/{echo}@eventpbx-extensions")),
                        ("app", "eventpbx-lag-probe".to_string()),
                        ("channelId", format!("lagprobe-{i}")),
                    ])
                    .send()
                    .await;
                if !r.is_ok_and(|r| r.status().is_success()) {
                    failed += 1;
                }
                tokio::time::sleep(pace).await;
            }
            println!("originated {} calls ({failed} refused)", calls - failed);
            tokio::time::sleep(Duration::from_secs(hold)).await;
            for i in 0..calls {
                let _ = rest
                    .delete(format!("{ari}/channels/lagprobe-{i}"))
                    .basic_auth(&user, Some(&password))
                    .send()
                    .await;
                tokio::time::sleep(pace).await;
            }
        });
    }

    let mut seen = Seen::default();
    let mut shown_now: HashSet<String> = HashSet::new();
    let mut buffer = String::new();
    let deadline = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            frame = ws.next() => {
                let Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) = frame else { continue };
                let now = Instant::now();
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                let id = v["channel"]["id"].as_str().unwrap_or_default().to_string();
                match v["type"].as_str() {
                    Some("ChannelCreated") => { seen.ari_created.entry(id).or_insert(now); }
                    Some("ChannelDestroyed") => { seen.ari_destroyed.entry(id).or_insert(now); }
                    _ => {}
                }
            }
            chunk = sse.chunk() => {
                let Ok(Some(chunk)) = chunk else { break };
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    if !frame.lines().any(|l| l == "event: live") {
                        continue;
                    }
                    let now = Instant::now();
                    let html: String = frame.lines().filter_map(|l| l.strip_prefix("data:")).collect();
                    let ids = ids_in(&html);
                    seen.frames += 1;
                    seen.most_channels = seen.most_channels.max(ids.len());
                    seen.biggest_frame = seen.biggest_frame.max(frame.len());
                    for id in &ids {
                        seen.view_shown.entry(id.clone()).or_insert(now);
                    }
                    for id in shown_now.difference(&ids) {
                        seen.view_gone.entry(id.clone()).or_insert(now);
                    }
                    shown_now = ids;
                }
            }
        }
    }

    let lag = |from: &HashMap<String, Instant>, to: &HashMap<String, Instant>| {
        let mut lags = Vec::new();
        let mut unmatched = 0;
        for (id, at) in from {
            match to.get(id) {
                Some(shown) => lags.push(shown.saturating_duration_since(*at)),
                None => unmatched += 1,
            }
        }
        (lags, unmatched)
    };
    let (appear, appear_missing) = lag(&seen.ari_created, &seen.view_shown);
    // A channel destroyed before the view ever showed it cannot be seen going away.
    let destroyed_shown: HashMap<String, Instant> = seen
        .ari_destroyed
        .iter()
        .filter(|(id, _)| seen.view_shown.contains_key(*id))
        .map(|(id, at)| (id.clone(), *at))
        .collect();
    let (vanish, vanish_missing) = lag(&destroyed_shown, &seen.view_gone);
    println!(
        "live view frames: {}, most channels in one frame: {}, biggest frame: {} KB",
        seen.frames,
        seen.most_channels,
        seen.biggest_frame / 1024
    );
    report("appear (ChannelCreated -> shown)", appear, appear_missing);
    report("vanish (ChannelDestroyed -> gone)", vanish, vanish_missing);
}
