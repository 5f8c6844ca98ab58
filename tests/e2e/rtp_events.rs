//! RFC 4733 (formerly RFC 2833) telephone-event recordings for sipp's `play_pcap_audio`,
//! generated per test with the test's own keys and timing.
//!
//! sip-tester ships one recording per key, each about half a second long, so a scenario built
//! from them cannot key faster than about two digits a second. People key 3–6 digits a second
//! with 60–200 ms presses, so the tests generate a whole keyed sequence as one recording with
//! the timing they want. What the generator gets right, because Asterisk's receiver depends on
//! it (`process_dtmf_rfc2833` in res_rtp_asterisk):
//! - one SSRC and one sequence-number space for the whole call, continuing across events and
//!   audio: Asterisk drops a begin/continuation packet whose sequence number is just below the
//!   last one, and an end packet that repeats the last sequence number;
//! - every event has its own RTP timestamp (the event's start on the 8 kHz media clock), the
//!   same on all its packets, and later events have larger timestamps: Asterisk takes an event
//!   whose timestamp is not above the last ended one for a stale copy and drops it;
//! - the marker bit on an event's first packet only;
//! - a packet every `packet_ms` while the key is held, the duration field growing from 0 to
//!   the press length;
//! - three end packets (E bit) with the final duration, so losing one still ends the digit.
//!
//! Optionally the gaps are filled with 20 ms PCMU silence packets, as a phone's stream does.

use std::path::Path;

/// The payload type the call scenarios offer for `telephone-event/8000`.
pub const EVENT_PT: u8 = 101;
/// PCMU.
const AUDIO_PT: u8 = 0;
/// The media clock of both payloads, samples per millisecond.
const SAMPLES_PER_MS: u32 = 8;
/// A PCMU packet carries 20 ms.
const AUDIO_PACKET_MS: u32 = 20;
/// How often a held key is reported, and how far apart the end packets go.
pub const DEFAULT_PACKET_MS: u32 = 20;
/// RFC 4733 2.5.1.4: the end packet is sent three times.
const END_PACKETS: u32 = 3;

/// One key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    pub key: char,
    /// When the key goes down, in ms from the start of the recording.
    pub at_ms: u32,
    /// How long it is held.
    pub duration_ms: u32,
}

/// A keyed sequence and how it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keying {
    pub presses: Vec<Press>,
    /// Interval of the event packets of a held key (RFC 4733 suggests 50 ms; phones use 20).
    pub packet_ms: u32,
    /// Fill the time outside events with PCMU silence, as a phone does.
    pub audio: bool,
    /// Send each event's packets all at once when the key goes down, as a client whose media
    /// is not paced does (baresip on ALSA's `null` device): Asterisk then measures a 0 ms
    /// press and emulates the minimum duration.
    pub burst: bool,
    /// The first packet's sequence number and RTP timestamp. A later recording in the same
    /// call must start above the last one's, or Asterisk takes its events for stale copies.
    pub seq_base: u16,
    pub ts_base: u32,
}

impl Keying {
    /// `keys` pressed `press_ms` long, one every `interval_ms`, the first at `first_ms`.
    pub fn regular(keys: &str, first_ms: u32, interval_ms: u32, press_ms: u32) -> Keying {
        assert!(press_ms < interval_ms, "a key is released before the next");
        let presses = keys
            .chars()
            .zip(0u32..)
            .map(|(key, i)| Press {
                key,
                at_ms: first_ms + i * interval_ms,
                duration_ms: press_ms,
            })
            .collect();
        Keying {
            presses,
            packet_ms: DEFAULT_PACKET_MS,
            audio: false,
            burst: false,
            seq_base: SEQ_BASE,
            ts_base: TS_BASE,
        }
    }

    /// The same keying with silence between the events.
    pub fn with_audio(mut self) -> Keying {
        self.audio = true;
        self
    }

    /// The same keying with each event sent in one burst.
    pub fn in_bursts(mut self) -> Keying {
        self.burst = true;
        self
    }

    /// How long sipp takes to play it: it starts with the first packet at once (a pause
    /// before the first press is a [`Step::Pause`](crate::support::Step) or leading audio).
    pub fn length_ms(&self) -> u32 {
        let packets = self.packets();
        match (packets.first(), packets.last()) {
            (Some(first), Some(last)) => last.at_ms - first.at_ms,
            _ => 0,
        }
    }

    /// Every RTP packet of the recording, in sending order.
    pub fn packets(&self) -> Vec<Rtp> {
        assert!(self.packet_ms > 0 && self.packet_ms <= 100);
        // (time, payload type, timestamp, marker, payload) before numbering.
        let mut out: Vec<(u32, u8, u32, bool, Vec<u8>)> = Vec::new();
        let mut clock = 0u32; // where the audio stream has got to
        for (i, press) in self.presses.iter().enumerate() {
            if let Some(prev) = i.checked_sub(1).map(|j| self.presses[j]) {
                let prev_end = prev.at_ms + prev.duration_ms + (END_PACKETS - 1) * self.packet_ms;
                assert!(
                    press.at_ms > prev_end,
                    "press {i} starts before the last one's end packets are out"
                );
            }
            if self.audio {
                while clock + AUDIO_PACKET_MS <= press.at_ms {
                    out.push(silence(clock));
                    clock += AUDIO_PACKET_MS;
                }
            }
            let event = event_code(press.key);
            let ts = press.at_ms * SAMPLES_PER_MS;
            let mut held = 0;
            while held < press.duration_ms {
                let duration = held * SAMPLES_PER_MS;
                out.push((
                    if self.burst {
                        press.at_ms
                    } else {
                        press.at_ms + held
                    },
                    EVENT_PT,
                    ts,
                    held == 0,
                    event_payload(event, false, duration),
                ));
                held += self.packet_ms;
            }
            let end = press.at_ms + press.duration_ms;
            for k in 0..END_PACKETS {
                out.push((
                    if self.burst {
                        press.at_ms
                    } else {
                        end + k * self.packet_ms
                    },
                    EVENT_PT,
                    ts,
                    // A press shorter than one packet interval still starts with a marker.
                    press.duration_ms == 0 && k == 0,
                    event_payload(event, true, press.duration_ms * SAMPLES_PER_MS),
                ));
            }
            // The audio resumes after the last end packet, on the media clock.
            let resume = end + (END_PACKETS - 1) * self.packet_ms + AUDIO_PACKET_MS;
            clock = clock.max(resume.div_ceil(AUDIO_PACKET_MS) * AUDIO_PACKET_MS);
        }
        if self.audio {
            // A little trailing audio, so the last digit is followed by media as on a phone.
            for _ in 0..5 {
                out.push(silence(clock));
                clock += AUDIO_PACKET_MS;
            }
        }
        out.sort_by_key(|p| p.0);
        out.into_iter()
            .zip(0u16..)
            .map(|((at_ms, pt, ts, marker, payload), n)| Rtp {
                at_ms,
                seq: self.seq_base.wrapping_add(n),
                timestamp: self.ts_base.wrapping_add(ts),
                marker,
                payload_type: pt,
                payload,
            })
            .collect()
    }

    /// The recording as a pcap file (Ethernet, IPv4, UDP; sipp rewrites addresses and ports).
    pub fn pcap(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        out.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
        out.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
        for (i, p) in self.packets().iter().enumerate() {
            let frame = ethernet_ipv4_udp(&p.bytes(), i as u16);
            let (sec, usec) = (START_SEC + p.at_ms / 1000, (p.at_ms % 1000) * 1000);
            out.extend_from_slice(&sec.to_le_bytes());
            out.extend_from_slice(&usec.to_le_bytes());
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
            out.extend_from_slice(&frame);
        }
        out
    }

    /// Writes [`Keying::pcap`] to `path`.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.pcap()).expect("write the DTMF recording");
    }
}

/// Arbitrary but fixed, away from 0 so a wrap would show in tests.
const SSRC: u32 = 0x4556_5058;
const SEQ_BASE: u16 = 4711;
const TS_BASE: u32 = 160_000;
/// The capture time of the first packet (only differences matter to sipp).
const START_SEC: u32 = 1_700_000_000;

/// One RTP packet of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtp {
    /// Sending time, ms from the start of the recording.
    pub at_ms: u32,
    pub seq: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub payload_type: u8,
    pub payload: Vec<u8>,
}

impl Rtp {
    /// The packet on the wire: the 12-byte RTP header and the payload.
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0x80, (u8::from(self.marker) << 7) | self.payload_type];
        b.extend_from_slice(&self.seq.to_be_bytes());
        b.extend_from_slice(&self.timestamp.to_be_bytes());
        b.extend_from_slice(&SSRC.to_be_bytes());
        b.extend_from_slice(&self.payload);
        b
    }

    /// The telephone-event fields (event, end bit, duration in samples), if it is one.
    pub fn event(&self) -> Option<(u8, bool, u16)> {
        (self.payload_type == EVENT_PT && self.payload.len() == 4).then(|| {
            (
                self.payload[0],
                self.payload[1] & 0x80 != 0,
                u16::from_be_bytes([self.payload[2], self.payload[3]]),
            )
        })
    }
}

fn silence(at_ms: u32) -> (u32, u8, u32, bool, Vec<u8>) {
    // 0xff is PCMU's zero level.
    let payload = vec![0xff; (AUDIO_PACKET_MS * SAMPLES_PER_MS) as usize];
    (at_ms, AUDIO_PT, at_ms * SAMPLES_PER_MS, false, payload)
}

/// RFC 4733 3.2: the DTMF events' codes.
fn event_code(key: char) -> u8 {
    match key {
        '0'..='9' => key as u8 - b'0',
        '*' => 10,
        '#' => 11,
        'A'..='D' => 12 + (key as u8 - b'A'),
        other => panic!("no telephone event for {other:?}"),
    }
}

fn event_payload(event: u8, end: bool, duration: u32) -> Vec<u8> {
    let duration = u16::try_from(duration).expect("an event shorter than 8 s");
    // Volume 10 (-10 dBm0), as phones send.
    let mut p = vec![event, (u8::from(end) << 7) | 10];
    p.extend_from_slice(&duration.to_be_bytes());
    p
}

fn ethernet_ipv4_udp(rtp: &[u8], id: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(42 + rtp.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
    let total = (20 + 8 + rtp.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&id.to_be_bytes());
    ip.extend_from_slice(&[0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
    let sum = ip_checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&6000u16.to_be_bytes());
    f.extend_from_slice(&6002u16.to_be_bytes());
    f.extend_from_slice(&((8 + rtp.len()) as u16).to_be_bytes());
    // No UDP checksum (allowed in IPv4); sipp computes its own for the addresses it sends to.
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(rtp);
    f
}

fn ip_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Reads the RTP packets back out of a recording made by [`Keying::pcap`], with their
/// capture times (ms after the generator's fixed start): for the tests below, and to check
/// what sipp will send.
pub fn parse_pcap(data: &[u8]) -> Vec<Rtp> {
    assert_eq!(&data[..4], &0xa1b2_c3d4u32.to_le_bytes(), "pcap magic");
    let le = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
    assert_eq!(le(20), 1, "Ethernet link type");
    let mut out = Vec::new();
    let mut off = 24;
    let start = u64::from(START_SEC) * 1_000_000;
    while off + 16 <= data.len() {
        let us = u64::from(le(off)) * 1_000_000 + u64::from(le(off + 4));
        let len = le(off + 8) as usize;
        let frame = &data[off + 16..off + 16 + len];
        let ip = &frame[14..];
        assert_eq!(ip_checksum(&ip[..20]), 0, "IPv4 header checksum");
        let udp_len = usize::from(u16::from_be_bytes([ip[24], ip[25]]));
        let rtp = &ip[28..20 + udp_len];
        assert_eq!(rtp[0], 0x80, "RTP version 2, no padding, extension or CSRC");
        assert_eq!(
            u32::from_be_bytes(rtp[8..12].try_into().unwrap()),
            SSRC,
            "one SSRC"
        );
        out.push(Rtp {
            at_ms: ((us - start) / 1000) as u32,
            seq: u16::from_be_bytes([rtp[2], rtp[3]]),
            timestamp: u32::from_be_bytes(rtp[4..8].try_into().unwrap()),
            marker: rtp[1] & 0x80 != 0,
            payload_type: rtp[1] & 0x7f,
            payload: rtp[12..].to_vec(),
        });
        off += 16 + len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One event as a receiver sees it: its packets grouped by timestamp.
    #[derive(Debug)]
    struct Event {
        code: u8,
        timestamp: u32,
        first_ms: u32,
        packets: Vec<Rtp>,
    }

    fn events(packets: &[Rtp]) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        for p in packets.iter().filter(|p| p.payload_type == EVENT_PT) {
            let (code, _, _) = p.event().expect("a 4-byte event payload");
            match out.last_mut() {
                Some(e) if e.timestamp == p.timestamp => e.packets.push(p.clone()),
                _ => out.push(Event {
                    code,
                    timestamp: p.timestamp,
                    first_ms: p.at_ms,
                    packets: vec![p.clone()],
                }),
            }
        }
        out
    }

    /// Everything RFC 4733 and Asterisk's receiver expect, for any keying.
    fn check(keying: &Keying) {
        let packets = parse_pcap(&keying.pcap());
        assert_eq!(
            packets,
            keying.packets(),
            "the pcap holds exactly the packets"
        );
        // Sequence numbers continue by one across events and audio; times never go back.
        for w in packets.windows(2) {
            assert_eq!(w[1].seq, w[0].seq.wrapping_add(1), "{w:?}");
            assert!(w[1].at_ms >= w[0].at_ms);
        }
        let evs = events(&packets);
        assert_eq!(evs.len(), keying.presses.len(), "one timestamp per press");
        for (e, press) in evs.iter().zip(&keying.presses) {
            assert_eq!(e.code, event_code(press.key));
            assert_eq!(e.first_ms, press.at_ms);
            assert_eq!(
                e.timestamp,
                keying.ts_base + press.at_ms * SAMPLES_PER_MS,
                "the event's start on the media clock"
            );
            let markers: Vec<bool> = e.packets.iter().map(|p| p.marker).collect();
            assert!(markers[0], "marker on the first packet");
            assert!(!markers[1..].contains(&true), "and only there: {markers:?}");
            let fields: Vec<(bool, u16)> = e
                .packets
                .iter()
                .map(|p| {
                    let (_, end, d) = p.event().unwrap();
                    (end, d)
                })
                .collect();
            let final_duration = (press.duration_ms * SAMPLES_PER_MS) as u16;
            let (ends, holds): (Vec<_>, Vec<_>) = fields.iter().partition(|(end, _)| *end);
            assert_eq!(ends.len(), 3, "three end packets: {fields:?}");
            assert!(ends.iter().all(|(_, d)| *d == final_duration));
            assert!(
                fields.iter().rev().take(3).all(|(end, _)| *end),
                "the end packets come last"
            );
            // The duration grows by one packet interval while the key is held.
            for (k, (_, d)) in holds.iter().enumerate() {
                assert_eq!(u32::from(*d), k as u32 * keying.packet_ms * SAMPLES_PER_MS);
            }
            for (p, (_, d)) in e.packets.iter().zip(&fields) {
                if keying.burst {
                    assert_eq!(p.at_ms, press.at_ms, "a burst goes out at once");
                    continue;
                }
                assert!(
                    u32::from(*d) <= (p.at_ms - press.at_ms) * SAMPLES_PER_MS,
                    "a packet reports no more than has elapsed"
                );
            }
        }
        for w in evs.windows(2) {
            assert!(
                w[1].timestamp > w[0].timestamp,
                "later events, larger stamps"
            );
        }
        // Audio, if any, is on the media clock and never overlaps an event.
        for p in packets.iter().filter(|p| p.payload_type == AUDIO_PT) {
            assert_eq!(p.timestamp, keying.ts_base + p.at_ms * SAMPLES_PER_MS);
            assert_eq!(p.payload.len(), 160);
            for e in &evs {
                let last = e.packets.last().unwrap().at_ms;
                assert!(
                    p.at_ms < e.first_ms || p.at_ms > last,
                    "audio at {} inside an event {}..{last}",
                    p.at_ms,
                    e.first_ms
                );
            }
        }
    }

    #[test]
    fn fast_short_presses_follow_rfc_4733() {
        let k = Keying::regular("1234567890#", 0, 150, 80);
        check(&k);
        // 80 ms at 20 ms: durations 0, 160, 320, 480 while held, then 640 three times.
        let first: Vec<(bool, u16)> = k
            .packets()
            .iter()
            .take(7)
            .map(|p| {
                let (_, end, d) = p.event().unwrap();
                (end, d)
            })
            .collect();
        assert_eq!(
            first,
            vec![
                (false, 0),
                (false, 160),
                (false, 320),
                (false, 480),
                (true, 640),
                (true, 640),
                (true, 640)
            ]
        );
        assert_eq!(k.packets()[7].at_ms, 150, "the next press");
    }

    #[test]
    fn the_variants_follow_rfc_4733() {
        check(&Keying::regular("5500112233", 300, 170, 60));
        check(&Keying::regular("1122", 0, 1000, 120).with_audio());
        check(&Keying::regular("1234567890", 40, 150, 80).with_audio());
        let mut fifty = Keying::regular("909", 0, 400, 200);
        fifty.packet_ms = 50;
        check(&fifty);
        check(&Keying::regular("*#AD", 0, 200, 10));
        check(&Keying::regular("0123456789", 0, 300, 180).in_bursts());
    }

    #[test]
    fn a_repeated_digit_is_two_events() {
        let k = Keying::regular("11", 0, 150, 80);
        let evs = events(&k.packets());
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].code, evs[1].code);
        assert_ne!(evs[0].timestamp, evs[1].timestamp);
        assert!(evs[1].packets[0].marker);
    }

    #[test]
    #[should_panic(expected = "before the last one's end packets")]
    fn overlapping_presses_are_refused() {
        // End packets of the first press go out at 80, 100, 120 ms.
        let mut k = Keying::regular("12", 0, 150, 80);
        k.presses[1].at_ms = 110;
        k.packets();
    }
}
