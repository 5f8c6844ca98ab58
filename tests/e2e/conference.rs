//! Conference rooms on the real Asterisk (issue 16): sipp phones dial a room with a PIN, one
//! with a wrong PIN is sent away, the API lists who is in, the owner mutes one and removes
//! another, audio flows (talk detection and RTP counters), refusals change nothing; the room
//! keeps its audio while eventpbx restarts and comes back in the list; with eventpbx down the
//! room number says "service unavailable".

use std::sync::Arc;
use std::time::{Duration, Instant};

use eventpbx::db::api_keys::Scope;
use eventpbx::domain::conference::RoomSettings;
use eventpbx::domain::numbering::Authority;
use eventpbx::service::conferences::{create_room, NewRoom};
use serde_json::Value;

use crate::support::{
    call, call_from_template, keys, played, AsteriskLog, Device, End, Eventpbx, Sandbox, Step,
};

const ROOM: &str = "2880";

/// How long the RTP counters are watched, and the fewest packets that must pass in that time:
/// sip-tester's recording has pauses (about 33 packets a second, fewer than 50 when the
/// mix is silent), so a low bar that no silent room reaches.
const AUDIO_WINDOW: Duration = Duration::from_secs(2);
const MIN_PACKETS: u64 = 10;

async fn owner(sb: &Sandbox, name: &str) -> i64 {
    let name = name.to_string();
    sb.db
        .write(move |tx| {
            tx.execute("DELETE FROM users WHERE username = ?1", [&name])?;
            tx.execute(
                "INSERT INTO users (username, display_name, password_hash, role, created_at)
                 VALUES (?1, ?1, 'x', 'attendee', 0)",
                [&name],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
        .unwrap()
}

async fn room(sb: &Sandbox, owner_id: i64, pin: Option<&str>, key: Option<i64>) {
    let room = NewRoom {
        owner_id: Some(owner_id),
        number: ROOM.into(),
        name: "Standup".into(),
        public: true,
        settings: RoomSettings::parse(pin, Some(5)).unwrap(),
        authority: Authority::Admin,
        by_key: key,
    };
    create_room(&sb.db, Arc::new(sb.settings.clone()), room)
        .await
        .unwrap();
}

/// A key of `scope` (its id and secret), named for this test.
async fn key(sb: &Sandbox, name: &str, scope: Scope) -> (i64, String) {
    let name = format!("e2e-conf-{name}-{}", std::process::id());
    sb.db
        .write(move |tx| {
            tx.execute("DELETE FROM api_keys WHERE name = ?1", [&name])?;
            let secret = eventpbx::db::api_keys::create(tx, &name, scope)?;
            Ok((tx.last_insert_rowid(), secret))
        })
        .await
        .unwrap()
}

async fn api(app: &Eventpbx, method: &str, path: &str, key: &str) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("API request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Waits until the room lists `n` participants; answers the list.
async fn wait_listed(app: &Eventpbx, key: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = api(app, "GET", &format!("/conferences/{ROOM}"), key).await;
        assert_eq!(status, 200, "{body}");
        let list = body["participants"].as_array().cloned().unwrap_or_default();
        if list.len() == n {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "the room never listed {n} participants: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn id_of(list: &[Value], device: &Device) -> String {
    list.iter()
        .find(|p| p["number"] == device.number.as_str())
        .unwrap_or_else(|| panic!("{} not listed: {list:?}", device.number))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// One RTP counter of a channel (`txcount`: packets Asterisk sent it; `rxcount`: received).
async fn rtp(sb: &Sandbox, channel: &str, counter: &str) -> u64 {
    let v = sb
        .ari_get(&format!(
            "/channels/{channel}/variable?variable=CHANNEL(rtcp,{counter})"
        ))
        .await
        .unwrap_or_else(|e| panic!("{counter} of {channel}: {e}"));
    v["value"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn bridge_channels(sb: &Sandbox) -> Vec<String> {
    match sb.ari_get(&format!("/bridges/conf-{ROOM}")).await {
        Ok(b) => b["channels"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// sip-tester's 7 s A-law recording played `times` in a row as one stream (each copy's RTP
/// sequence numbers, timestamps and capture times continue the last), written to `dir`.
fn speech(dir: &std::path::Path, times: u32) -> std::path::PathBuf {
    let data = std::fs::read("/usr/share/sip-tester/g711a.pcap").expect("sip-tester's g711a.pcap");
    let link_len = match u32::from_le_bytes(data[20..24].try_into().unwrap()) {
        1 => 14,
        113 => 16,
        other => panic!("unexpected pcap link type {other}"),
    };
    let mut packets = Vec::new();
    let mut off = 24;
    while off + 16 <= data.len() {
        let incl = u32::from_le_bytes(data[off + 8..off + 12].try_into().unwrap()) as usize;
        packets.push(data[off..off + 16 + incl].to_vec());
        off += 16 + incl;
    }
    let field = |p: &[u8], at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap());
    let rtp_of = |p: &[u8]| {
        let ip = 16 + link_len;
        ip + usize::from(p[ip] & 0x0f) * 4 + 8
    };
    let (first, last) = (&packets[0], &packets[packets.len() - 1]);
    let span_us = (u64::from(field(last, 0)) * 1_000_000 + u64::from(field(last, 4)))
        - (u64::from(field(first, 0)) * 1_000_000 + u64::from(field(first, 4)))
        + 20_000;
    let ts_of = |p: &[u8]| {
        let r = rtp_of(p);
        u32::from_be_bytes(p[r + 4..r + 8].try_into().unwrap())
    };
    let ts_span = ts_of(last) - ts_of(first) + 160;
    let n = packets.len() as u16;
    let mut out = data[..24].to_vec();
    for copy in 0..times {
        for p in &packets {
            let mut p = p.clone();
            let t = u64::from(field(&p, 0)) * 1_000_000
                + u64::from(field(&p, 4))
                + u64::from(copy) * span_us;
            p[0..4].copy_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
            p[4..8].copy_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
            let r = rtp_of(&p);
            let seq = u16::from_be_bytes(p[r + 2..r + 4].try_into().unwrap())
                .wrapping_add(n.wrapping_mul(copy as u16));
            p[r + 2..r + 4].copy_from_slice(&seq.to_be_bytes());
            let ts = ts_of(&p).wrapping_add(ts_span * copy);
            p[r + 4..r + 8].copy_from_slice(&ts.to_be_bytes());
            out.extend_from_slice(&p);
        }
    }
    let path = dir.join(format!("speech-{times}.pcap"));
    std::fs::write(&path, out).expect("write the speech pcap");
    path
}

fn joining(
    sb: &Sandbox,
    d: &Device,
    pin: &str,
    stay_ms: u32,
    speech: Option<&std::path::Path>,
) -> crate::support::Sipp {
    let mut steps = vec![Step::Pause(1500)];
    steps.extend(keys(pin));
    if let Some(pcap) = speech {
        steps.push(Step::Speak(pcap.to_path_buf()));
    }
    steps.push(Step::Pause(stay_ms));
    call_from_template(&sb.settings, d, ROOM, &steps, "conference_hangup.xml")
}

#[tokio::test]
async fn three_phones_join_with_the_pin_the_owner_mutes_and_removes_and_audio_flows() {
    let sb = Sandbox::new().await;
    let owner_id = owner(&sb, "e2e-conf-owner").await;
    let (admin_id, admin) = key(&sb, "admin", Scope::Admin).await;
    let _ = admin_id;
    let (_, reader) = key(&sb, "read", Scope::Read).await;
    let (_, other_rw) = key(&sb, "rw", Scope::ReadWrite).await;
    room(&sb, owner_id, Some("4711"), None).await;
    let a = sb.extension("2881", "Anna").await;
    let b = sb.extension("2882", "Ben").await;
    let c = sb.extension("2883", "Cleo").await;
    let d = sb.extension("2884", "Dora").await;
    let app = sb.start_eventpbx().await;
    let log = AsteriskLog::mark();

    let media = tempfile::tempdir().unwrap();
    let talk = speech(media.path(), 5);
    let anna = joining(&sb, &a, "4711#", 30_000, Some(&talk));
    let ben = joining(&sb, &b, "4711", 30_000, None);
    // Cleo is removed by the owner: Asterisk hangs up on her.
    let mut steps = vec![Step::Pause(1500)];
    steps.extend(keys("4711#"));
    let cleo = call_from_template(&sb.settings, &c, ROOM, &steps, "conference_stay.xml");
    // Dora gets the PIN wrong three times and hears goodbye.
    let mut steps = vec![Step::Pause(1500)];
    for wrong in ["1111", "2222#"] {
        steps.extend(keys(wrong));
        steps.push(Step::Pause(2500));
    }
    // The third wrong try: Asterisk says goodbye and hangs up while the scenario waits.
    steps.extend(keys("9999"));
    let dora = call(&sb.settings, &d, ROOM, &steps, End::AsteriskHangsUp);

    let list = wait_listed(&app, &reader, 3).await;
    let (anna_id, ben_id, cleo_id) = (id_of(&list, &a), id_of(&list, &b), id_of(&list, &c));
    assert!(list.iter().all(|p| p["muted"] == false), "{list:?}");
    dora.finish().await.assert_ok();
    let heard = played(&sb.settings, &log.since());
    let wrong = heard.iter().filter(|p| *p == "conf-wrong-pin").count();
    assert_eq!(wrong, 3, "{heard:?}");
    assert!(heard.contains(&"goodbye".to_string()), "{heard:?}");
    assert_eq!(
        wait_listed(&app, &reader, 3).await.len(),
        3,
        "Dora never got in"
    );

    // Anna speaks: talk detection sees it, Asterisk receives her audio and sends the mix on.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = api(&app, "GET", &format!("/conferences/{ROOM}"), &reader).await;
        let talking = body["participants"].as_array().is_some_and(|l| {
            l.iter()
                .any(|p| p["id"] == anna_id.as_str() && p["talking"] == true)
        });
        if talking {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Anna was never seen talking: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        rtp(&sb, &anna_id, "rxcount").await > 50,
        "Asterisk got Anna's audio"
    );
    let before = rtp(&sb, &ben_id, "txcount").await;
    tokio::time::sleep(AUDIO_WINDOW).await;
    let after = rtp(&sb, &ben_id, "txcount").await;
    assert!(
        after >= before + MIN_PACKETS,
        "the room's audio reaches Ben: {before} -> {after}"
    );

    // Refusals: each changes nothing.
    let path = format!("/conferences/{ROOM}/participants/{anna_id}/mute");
    assert_eq!(api(&app, "POST", &path, &reader).await.0, 403, "a read key");
    assert_eq!(
        api(&app, "POST", &path, &other_rw).await.0,
        403,
        "another key's room"
    );
    let nobody = format!("/conferences/{ROOM}/participants/1.999999/mute");
    assert_eq!(
        api(&app, "POST", &nobody, &admin).await.0,
        404,
        "no such participant"
    );
    let no_room = format!("/conferences/2999/participants/{anna_id}/mute");
    assert_eq!(
        api(&app, "POST", &no_room, &admin).await.0,
        404,
        "no such room"
    );
    let not_room = format!("/conferences/{}/participants/{anna_id}/mute", b.number);
    assert_eq!(
        api(&app, "POST", &not_room, &admin).await.0,
        404,
        "an extension is no room"
    );
    assert!(wait_listed(&app, &reader, 3)
        .await
        .iter()
        .all(|p| p["muted"] == false));

    // The owner's key mutes Anna and removes Cleo.
    assert_eq!(api(&app, "POST", &path, &admin).await.0, 204);
    let list = wait_listed(&app, &reader, 3).await;
    let muted: Vec<_> = list.iter().filter(|p| p["muted"] == true).collect();
    assert_eq!(muted.len(), 1, "{list:?}");
    assert_eq!(muted[0]["id"], anna_id.as_str());
    let remove = format!("/conferences/{ROOM}/participants/{cleo_id}");
    assert_eq!(api(&app, "DELETE", &remove, &admin).await.0, 204);
    cleo.finish().await.assert_ok();
    let list = wait_listed(&app, &reader, 2).await;
    assert!(list.iter().all(|p| p["id"] != cleo_id.as_str()), "{list:?}");
    assert_eq!(
        api(&app, "DELETE", &remove, &admin).await.0,
        404,
        "gone already"
    );
    let unmute = format!("/conferences/{ROOM}/participants/{anna_id}/unmute");
    assert_eq!(api(&app, "POST", &unmute, &admin).await.0, 204);
    assert!(wait_listed(&app, &reader, 2)
        .await
        .iter()
        .all(|p| p["muted"] == false));

    // Ben still hears the room.
    let before = rtp(&sb, &ben_id, "txcount").await;
    tokio::time::sleep(AUDIO_WINDOW).await;
    assert!(rtp(&sb, &ben_id, "txcount").await >= before + MIN_PACKETS);
    let text = log.since();
    assert!(text.contains("confbridge-join"), "join tone played");
    anna.finish().await.assert_ok();
    ben.finish().await.assert_ok();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sb.ari_get(&format!("/bridges/conf-{ROOM}")).await.is_ok() {
        assert!(Instant::now() < deadline, "the empty room's bridge stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_room_keeps_its_audio_across_a_restart_of_eventpbx_and_is_listed_again() {
    let sb = Sandbox::new().await;
    let owner_id = owner(&sb, "e2e-conf-owner2").await;
    let (_, reader) = key(&sb, "read2", Scope::Read).await;
    let (key_id, maker) = key(&sb, "maker", Scope::ReadWrite).await;
    room(&sb, owner_id, None, Some(key_id)).await;
    let a = sb.extension("2891", "Anna").await;
    let b = sb.extension("2892", "Ben").await;
    let app = sb.start_eventpbx().await;
    let media = tempfile::tempdir().unwrap();
    let talk = speech(media.path(), 4);
    let anna = joining(&sb, &a, "", 25_000, Some(&talk));
    let ben = joining(&sb, &b, "", 25_000, None);
    let list = wait_listed(&app, &reader, 2).await;
    let (anna_id, ben_id) = (id_of(&list, &a), id_of(&list, &b));
    // The key that made the room may change it.
    let mute = format!("/conferences/{ROOM}/participants/{ben_id}/mute");
    assert_eq!(api(&app, "POST", &mute, &maker).await.0, 204);

    app.stop().await;
    let mut inside = bridge_channels(&sb).await;
    inside.sort();
    let mut expected = vec![anna_id.clone(), ben_id.clone()];
    expected.sort();
    assert_eq!(
        inside, expected,
        "both stay in the bridge while eventpbx is away"
    );
    let before = rtp(&sb, &ben_id, "txcount").await;
    tokio::time::sleep(AUDIO_WINDOW).await;
    let after = rtp(&sb, &ben_id, "txcount").await;
    assert!(
        after >= before + MIN_PACKETS,
        "Anna's voice reaches Ben without eventpbx: {before} -> {after}"
    );

    let app = sb.start_eventpbx().await;
    let list = wait_listed(&app, &reader, 2).await;
    let ben_now = list.iter().find(|p| p["id"] == ben_id.as_str()).unwrap();
    assert_eq!(
        ben_now["muted"], true,
        "still muted after the restart: {list:?}"
    );
    // The adopted participants are driven again: the owner's key unmutes Ben.
    let unmute = format!("/conferences/{ROOM}/participants/{ben_id}/unmute");
    assert_eq!(api(&app, "POST", &unmute, &maker).await.0, 204);
    anna.finish().await.assert_ok();
    ben.finish().await.assert_ok();
    wait_listed(&app, &reader, 0).await;
    app.stop().await;
}

#[tokio::test]
async fn without_eventpbx_the_room_number_says_service_unavailable() {
    let sb = Sandbox::new().await;
    let owner_id = owner(&sb, "e2e-conf-owner3").await;
    room(&sb, owner_id, None, None).await;
    let a = sb.extension("2893", "Anna").await;
    let log = AsteriskLog::mark();
    call(&sb.settings, &a, ROOM, &[], End::AsteriskHangsUp)
        .finish()
        .await
        .assert_ok();
    let text = log.since();
    assert!(
        text.contains(&format!("\"eventpbx,conference,{},{ROOM}\"", a.username)),
        "{text}"
    );
    assert_eq!(
        played(&sb.settings, &text),
        ["service-unavailable"],
        "{text}"
    );
}
