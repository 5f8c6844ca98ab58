//! ARI events as a serde enum tagged by `type`, with typed payloads for the events eventpbx
//! uses and an [`AriEvent::Unknown`] that keeps the raw JSON of anything else.
//!
//! Decode frames with [`AriEvent::parse`] (the fast path the websocket reader uses) or, when
//! the fields every event shares are wanted too, with [`Envelope::parse`]. Plain serde
//! (`serde_json::from_str::<AriEvent>`, `from_value`) works as well and gives the same result.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, EnumAccess, IntoDeserializer, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Caller or connected-line identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CallerId {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub number: String,
}

/// Where a channel is in the dialplan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DialplanCep {
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub exten: String,
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub app_name: String,
    #[serde(default)]
    pub app_data: String,
}

/// A channel as ARI describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Channel {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Down, Rsrvd, OffHook, Dialing, Ring, Ringing, Up, Busy, Dialing Offhook, Pre-ring, Unknown.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub caller: CallerId,
    #[serde(default)]
    pub connected: CallerId,
    #[serde(default)]
    pub dialplan: DialplanCep,
    /// ISO 8601 with offset, e.g. `2026-11-22T11:40:31.193+0000`.
    #[serde(default)]
    pub creationtime: String,
    #[serde(default)]
    pub language: String,
    /// The SIP Call-ID for PJSIP channels.
    #[serde(default)]
    pub protocol_id: String,
}

/// A playback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Playback {
    pub id: String,
    #[serde(default)]
    pub media_uri: String,
    /// `channel:<id>` or `bridge:<id>`.
    #[serde(default)]
    pub target_uri: String,
    /// queued, playing, continuing, done, failed.
    #[serde(default)]
    pub state: String,
    /// The media after this one when several were given to one playback: such a playback
    /// sends PlaybackStarted once per media (same id) and PlaybackFinished once at the end.
    #[serde(default)]
    pub next_media_uri: Option<String>,
    #[serde(default)]
    pub language: String,
}

impl Playback {
    /// The channel id in `target_uri` (`channel:<id>`); `None` when it plays to a bridge.
    pub fn target_channel(&self) -> Option<&str> {
        self.target_uri.strip_prefix("channel:")
    }
}

/// A bridge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Bridge {
    pub id: String,
    #[serde(default)]
    pub technology: String,
    #[serde(default)]
    pub bridge_type: String,
    /// Ids of the channels in the bridge, after the change the event reports.
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub bridge_class: String,
    #[serde(default)]
    pub creator: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub creationtime: String,
}

/// An endpoint (e.g. PJSIP/h3kd8...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Endpoint {
    #[serde(default)]
    pub technology: String,
    pub resource: String,
    /// "online", "offline" or "unknown".
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub channel_ids: Vec<String>,
}

/// A contact's reachability, as in ContactStatusChange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ContactInfo {
    #[serde(default)]
    pub uri: String,
    /// Reachable, Unreachable, Unknown, NonQualified, Removed, Created.
    #[serde(default)]
    pub contact_status: String,
    #[serde(default)]
    pub aor: String,
    /// Round trip in microseconds, as a string.
    #[serde(default)]
    pub roundtrip_usec: Option<String>,
}

/// A device state (DeviceStateChanged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DeviceState {
    pub name: String,
    pub state: String,
}

/// One event from the ARI websocket. Decode with [`AriEvent::parse`].
///
/// The derive below (with `remote = "Self"`) only generates an inherent
/// `AriEvent::deserialize`, for the enum as if it were externally tagged; [`decode_tagged`]
/// feeds it the frame's `type` as the variant and the whole frame as the variant's fields
/// (which ignore `type` and the common fields). The `Deserialize` impl further down wraps
/// that so that any type it does not know, and any known type whose payload does not fit,
/// ends up in [`AriEvent::Unknown`] with the whole raw JSON instead of failing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self")]
// Events travel boxed (WsMessage::Event), so the big Dial variant costs nothing per message.
#[allow(clippy::large_enum_variant)]
pub enum AriEvent {
    /// A channel entered our application; `args` are the Stasis() arguments.
    StasisStart {
        #[serde(default)]
        args: Vec<String>,
        channel: Channel,
        #[serde(default)]
        replace_channel: Option<Channel>,
    },
    StasisEnd {
        channel: Channel,
    },
    ChannelCreated {
        channel: Channel,
    },
    ChannelDestroyed {
        channel: Channel,
        #[serde(default)]
        cause: i64,
        #[serde(default)]
        cause_txt: String,
    },
    ChannelStateChange {
        channel: Channel,
    },
    ChannelHangupRequest {
        channel: Channel,
        #[serde(default)]
        cause: Option<i64>,
        #[serde(default)]
        soft: Option<bool>,
    },
    ChannelDtmfReceived {
        channel: Channel,
        digit: String,
        #[serde(default)]
        duration_ms: i64,
    },
    ChannelEnteredBridge {
        bridge: Bridge,
        #[serde(default)]
        channel: Option<Channel>,
    },
    ChannelLeftBridge {
        bridge: Bridge,
        channel: Channel,
    },
    /// TALK_DETECT on the channel heard it start speaking.
    ChannelTalkingStarted {
        channel: Channel,
    },
    /// ... and stop.
    ChannelTalkingFinished {
        channel: Channel,
    },
    ChannelVarset {
        #[serde(default)]
        channel: Option<Channel>,
        variable: String,
        #[serde(default)]
        value: String,
    },
    ChannelConnectedLine {
        channel: Channel,
    },
    ChannelCallerId {
        channel: Channel,
    },
    ChannelDialplan {
        channel: Channel,
    },
    Dial {
        #[serde(default)]
        caller: Option<Channel>,
        peer: Channel,
        #[serde(default)]
        dialstatus: String,
        #[serde(default)]
        dialstring: Option<String>,
        #[serde(default)]
        forwarded: Option<Channel>,
    },
    PlaybackStarted {
        playback: Playback,
    },
    PlaybackFinished {
        playback: Playback,
    },
    BridgeCreated {
        bridge: Bridge,
    },
    BridgeDestroyed {
        bridge: Bridge,
    },
    ContactStatusChange {
        endpoint: Endpoint,
        contact_info: ContactInfo,
        /// When Asterisk raised it (see [`EventMeta::timestamp`]): a removal is dated by it.
        #[serde(default)]
        timestamp: String,
    },
    EndpointStateChange {
        endpoint: Endpoint,
    },
    DeviceStateChanged {
        device_state: DeviceState,
    },
    /// Another connection took over our application name.
    ApplicationReplaced {
        #[serde(default)]
        application: String,
    },
    /// An event type eventpbx does not model (or a payload that does not fit its type), kept
    /// whole, `type` included.
    #[serde(skip)]
    Unknown(Value),
}

/// A frame's `type` alone: serde_json skips the other fields without building anything.
#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

/// Decodes the variant named `kind` from `fields`, the whole frame, in one pass: serde's
/// internally tagged enums would first buffer the frame into a tree of its own (every string
/// copied) to find the tag, and only then decode the variant from that tree.
fn decode_tagged<'de, D: Deserializer<'de>>(kind: &str, fields: D) -> Result<AriEvent, D::Error> {
    AriEvent::deserialize(Tagged { kind, fields })
}

/// Presents a frame as an externally tagged enum: variant `kind`, with the frame's fields.
struct Tagged<'k, D> {
    kind: &'k str,
    fields: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tagged<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, D: Deserializer<'de>> EnumAccess<'de> for Tagged<'_, D> {
    type Error = D::Error;
    type Variant = Fields<D>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Fields<D>), D::Error> {
        let variant =
            seed.deserialize(IntoDeserializer::<D::Error>::into_deserializer(self.kind))?;
        Ok((variant, Fields(self.fields)))
    }
}

/// The fields of a [`Tagged`] frame's variant.
struct Fields<D>(D);

impl<'de, D: Deserializer<'de>> VariantAccess<'de> for Fields<D> {
    type Error = D::Error;

    fn unit_variant(self) -> Result<(), D::Error> {
        // Every event variant has fields; a unit variant would ignore the frame's.
        Err(de::Error::custom("an ARI event has fields"))
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, D::Error> {
        seed.deserialize(self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct("AriEvent", fields, visitor)
    }
}

impl<'de> Deserialize<'de> for AriEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Buffering into a Value is what keeps the raw JSON for Unknown; the websocket reader
        // avoids this cost through `parse`, which tries the typed decoder on the text first.
        let raw = Value::deserialize(deserializer)?;
        Ok(AriEvent::from_value(raw))
    }
}

/// An ARI timestamp (`2026-11-22T13:34:24.508+0000`, Asterisk's local time with its offset)
/// as unix milliseconds.
pub fn parse_ari_time_ms(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    let t = time::OffsetDateTime::parse(text, &format).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// What every ARI event carries besides its payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EventMeta {
    /// The Stasis application the event was sent for.
    #[serde(default)]
    pub application: String,
    /// When Asterisk raised it, e.g. `2026-11-22T13:34:24.508+0000`.
    #[serde(default)]
    pub timestamp: String,
    /// Which Asterisk sent it (its MAC-like `entityid`), useful behind a cluster.
    #[serde(default)]
    pub asterisk_id: Option<String>,
}

/// An event together with its common fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub meta: EventMeta,
    pub event: AriEvent,
}

impl Envelope {
    /// Decodes one websocket text frame with its common fields. Same rules as
    /// [`AriEvent::parse`].
    pub fn parse(text: &str) -> Result<Envelope, serde_json::Error> {
        Ok(Envelope {
            meta: serde_json::from_str(text)?,
            event: AriEvent::parse(text)?,
        })
    }
}

/// The event types eventpbx handles: every typed variant of [`AriEvent`] except those nobody
/// reads (ChannelVarset, DeviceStateChanged, PlaybackStarted: the flows wait for a playback's
/// end only, and a playback of several media starts once per medium; ChannelDialplan: one per
/// dialplan step of every channel, a dozen or more per routed call, while the live view takes
/// the dialled number from ChannelCreated, which carries it already; EndpointStateChange: two
/// per channel of every endpoint, since an endpoint's snapshot lists its channels, while a
/// registration's state reaches us in the ContactStatusChange that Asterisk publishes right
/// after the endpoint's new state, carrying that state). The engine asks
/// Asterisk to send only these (`PUT /applications/{app}/eventFilter`): with the all-channels
/// subscription, Asterisk would otherwise send each channel's variable changes, peer status
/// and talk detection too.
pub const HANDLED_TYPES: &[&str] = &[
    "StasisStart",
    "StasisEnd",
    "ChannelCreated",
    "ChannelDestroyed",
    "ChannelStateChange",
    "ChannelHangupRequest",
    "ChannelDtmfReceived",
    "ChannelEnteredBridge",
    "ChannelLeftBridge",
    // Only channels whose TALK_DETECT is on (conference participants) send these.
    "ChannelTalkingStarted",
    "ChannelTalkingFinished",
    "ChannelConnectedLine",
    "ChannelCallerId",
    "Dial",
    "PlaybackFinished",
    "BridgeCreated",
    "BridgeDestroyed",
    "ContactStatusChange",
    "ApplicationReplaced",
];

impl AriEvent {
    /// Decodes one websocket text frame. Unknown types (and known types whose payload does not
    /// match) become [`AriEvent::Unknown`] with the raw JSON; only text that is not JSON at
    /// all is an error.
    pub fn parse(text: &str) -> Result<AriEvent, serde_json::Error> {
        // This runs once per frame: a scan for `type` (nothing else is decoded), then typed
        // decoding straight from the text, no intermediate tree. Only on failure is the text
        // read again, whole, into Unknown.
        if let Ok(TypeOnly { kind }) = serde_json::from_str::<TypeOnly>(text) {
            let mut de = serde_json::Deserializer::from_str(text);
            if let Ok(event) = decode_tagged(&kind, &mut de).and_then(|e| de.end().map(|()| e)) {
                return Ok(event);
            }
        }
        Ok(AriEvent::Unknown(serde_json::from_str(text)?))
    }

    /// Like [`AriEvent::parse`], from an already decoded JSON value.
    pub fn from_value(raw: Value) -> AriEvent {
        let typed = match raw.get("type") {
            Some(Value::String(kind)) => decode_tagged(kind, &raw).ok(),
            _ => None,
        };
        typed.unwrap_or(AriEvent::Unknown(raw))
    }

    /// The channel this event belongs to, for routing to the call's task: the channel's id;
    /// for playback events the channel in `target_uri`; for Dial the peer (the caller's own
    /// events arrive on its channel anyway).
    pub fn channel_id(&self) -> Option<&str> {
        use AriEvent::*;
        match self {
            StasisStart { channel, .. }
            | StasisEnd { channel }
            | ChannelCreated { channel }
            | ChannelDestroyed { channel, .. }
            | ChannelStateChange { channel }
            | ChannelHangupRequest { channel, .. }
            | ChannelDtmfReceived { channel, .. }
            | ChannelTalkingStarted { channel }
            | ChannelTalkingFinished { channel }
            | ChannelLeftBridge { channel, .. }
            | ChannelConnectedLine { channel }
            | ChannelCallerId { channel }
            | ChannelDialplan { channel } => Some(&channel.id),
            ChannelEnteredBridge { channel, .. } | ChannelVarset { channel, .. } => {
                channel.as_ref().map(|c| c.id.as_str())
            }
            PlaybackStarted { playback } | PlaybackFinished { playback } => {
                playback.target_channel()
            }
            Dial { peer, .. } => Some(&peer.id),
            _ => None,
        }
    }

    /// For playback events, the channel the playback plays to (from `target_uri`); `None` for
    /// other events and for playbacks to a bridge.
    pub fn playback_target_channel(&self) -> Option<&str> {
        match self {
            AriEvent::PlaybackStarted { playback } | AriEvent::PlaybackFinished { playback } => {
                playback.target_channel()
            }
            _ => None,
        }
    }

    /// The event's type name, as ARI spells it.
    pub fn type_name(&self) -> &str {
        use AriEvent::*;
        match self {
            StasisStart { .. } => "StasisStart",
            StasisEnd { .. } => "StasisEnd",
            ChannelCreated { .. } => "ChannelCreated",
            ChannelDestroyed { .. } => "ChannelDestroyed",
            ChannelStateChange { .. } => "ChannelStateChange",
            ChannelHangupRequest { .. } => "ChannelHangupRequest",
            ChannelDtmfReceived { .. } => "ChannelDtmfReceived",
            ChannelEnteredBridge { .. } => "ChannelEnteredBridge",
            ChannelLeftBridge { .. } => "ChannelLeftBridge",
            ChannelTalkingStarted { .. } => "ChannelTalkingStarted",
            ChannelTalkingFinished { .. } => "ChannelTalkingFinished",
            ChannelVarset { .. } => "ChannelVarset",
            ChannelConnectedLine { .. } => "ChannelConnectedLine",
            ChannelCallerId { .. } => "ChannelCallerId",
            ChannelDialplan { .. } => "ChannelDialplan",
            Dial { .. } => "Dial",
            PlaybackStarted { .. } => "PlaybackStarted",
            PlaybackFinished { .. } => "PlaybackFinished",
            BridgeCreated { .. } => "BridgeCreated",
            BridgeDestroyed { .. } => "BridgeDestroyed",
            ContactStatusChange { .. } => "ContactStatusChange",
            EndpointStateChange { .. } => "EndpointStateChange",
            DeviceStateChanged { .. } => "DeviceStateChanged",
            ApplicationReplaced { .. } => "ApplicationReplaced",
            Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or("?"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> AriEvent {
        let path = format!(
            "{}/tests/fixtures/ari/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        AriEvent::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_event_filter_lets_through_every_type_the_engine_reads() {
        let dir = format!("{}/tests/fixtures/ari", env!("CARGO_MANIFEST_DIR"));
        let mut typed = std::collections::BTreeSet::new();
        let session = std::fs::read_to_string(format!("{dir}/recorded_session.jsonl")).unwrap();
        for line in session.lines() {
            let event = AriEvent::parse(line).unwrap();
            if !matches!(event, AriEvent::Unknown(_)) {
                typed.insert(event.type_name().to_string());
            }
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) == Some("json") {
                let event = AriEvent::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if !matches!(event, AriEvent::Unknown(_)) {
                    typed.insert(event.type_name().to_string());
                }
            }
        }
        // Typed but read by no one: filtered out on purpose.
        let unread = [
            "ChannelVarset",
            "DeviceStateChanged",
            "PlaybackStarted",
            "ChannelDialplan",
            "EndpointStateChange",
        ];
        for t in &typed {
            assert_eq!(
                HANDLED_TYPES.contains(&t.as_str()),
                !unread.contains(&t.as_str()),
                "{t}"
            );
        }
    }

    #[test]
    fn every_captured_event_parses_to_its_typed_variant() {
        let dir = format!("{}/tests/fixtures/ari", env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            let event = AriEvent::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(event.type_name(), name);
            // Types eventpbx does not model must come through whole.
            let unknown = matches!(event, AriEvent::Unknown(_));
            let unmodelled = ["PeerStatusChange", "PlaybackContinuing"].contains(&name.as_str());
            assert_eq!(unknown, unmodelled, "{name}: {event:?}");
            checked += 1;
        }
        assert!(checked >= 22, "only {checked} fixtures");
    }

    #[test]
    fn captured_payloads_carry_what_the_engine_needs() {
        match fixture("StasisStart") {
            AriEvent::StasisStart { args, channel, .. } => {
                assert_eq!(args.first().map(String::as_str), Some("echo"));
                assert!(channel.name.starts_with("PJSIP/"));
                assert_eq!(channel.dialplan.exten, "9951");
            }
            other => panic!("{other:?}"),
        }
        match fixture("ChannelDtmfReceived") {
            AriEvent::ChannelDtmfReceived {
                digit, duration_ms, ..
            } => {
                assert_eq!(digit, "1");
                assert!(duration_ms > 0);
            }
            other => panic!("{other:?}"),
        }
        let started = fixture("PlaybackStarted");
        assert!(started.channel_id().is_some());
        match fixture("Dial") {
            AriEvent::Dial { peer, .. } => assert!(peer.name.starts_with("PJSIP/")),
            other => panic!("{other:?}"),
        }
        match fixture("ContactStatusChange") {
            AriEvent::ContactStatusChange {
                endpoint,
                contact_info,
                timestamp,
            } => {
                assert!(parse_ari_time_ms(&timestamp).is_some(), "{timestamp}");
                assert_eq!(endpoint.technology, "PJSIP");
                assert!(!contact_info.contact_status.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ari_timestamps_become_unix_milliseconds_in_any_offset() {
        assert_eq!(
            parse_ari_time_ms("1970-01-01T00:00:01.250+0000"),
            Some(1250)
        );
        // The same instant written in another zone.
        assert_eq!(
            parse_ari_time_ms("1970-01-01T02:00:01.250+0200"),
            Some(1250)
        );
        assert_eq!(parse_ari_time_ms(""), None);
        assert_eq!(parse_ari_time_ms("yesterday"), None);
    }

    #[test]
    fn the_recorded_session_parses_completely() {
        let path = format!(
            "{}/tests/fixtures/ari/recorded_session.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        let events: Vec<AriEvent> = text.lines().map(|l| AriEvent::parse(l).unwrap()).collect();
        assert!(events.len() > 100);
        let unknown = events
            .iter()
            .filter(|e| matches!(e, AriEvent::Unknown(_)))
            .count();
        assert!(unknown <= 5, "{unknown} unknown events");
    }

    #[test]
    fn unknown_types_keep_their_json() {
        let e = AriEvent::parse(r#"{"type":"TextMessageReceived","x":1}"#).unwrap();
        match &e {
            AriEvent::Unknown(v) => assert_eq!(v["x"], 1),
            other => panic!("{other:?}"),
        }
        assert_eq!(e.type_name(), "TextMessageReceived");
        assert!(AriEvent::parse("not json").is_err());
    }

    fn jsonl(name: &str) -> Vec<String> {
        let path = format!(
            "{}/tests/fixtures/ari/{name}.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The frames of a recording with Asterisk's duplicate deliveries dropped, as the
    /// websocket reader passes them on.
    fn deduplicated(name: &str) -> Vec<AriEvent> {
        let mut recent = crate::ari::ws::RecentFrames::default();
        jsonl(name)
            .iter()
            .filter(|l| !recent.seen(l))
            .map(|l| AriEvent::parse(l).unwrap())
            .collect()
    }

    #[test]
    fn bridge_and_device_state_fixtures_carry_their_payloads() {
        match fixture("BridgeCreated") {
            AriEvent::BridgeCreated { bridge } => {
                assert_eq!(bridge.id, "cap-bridge-1");
                assert_eq!(bridge.bridge_type, "mixing");
            }
            other => panic!("{other:?}"),
        }
        match fixture("ChannelEnteredBridge") {
            AriEvent::ChannelEnteredBridge { bridge, channel } => {
                let channel = channel.unwrap();
                assert!(bridge.channels.contains(&channel.id), "{bridge:?}");
            }
            other => panic!("{other:?}"),
        }
        let left = fixture("ChannelLeftBridge");
        match &left {
            AriEvent::ChannelLeftBridge { bridge, channel } => {
                assert_eq!(bridge.id, "cap-bridge-1");
                assert!(!bridge.channels.contains(&channel.id));
            }
            other => panic!("{other:?}"),
        }
        assert!(left.channel_id().is_some());
        match fixture("BridgeDestroyed") {
            AriEvent::BridgeDestroyed { bridge } => assert!(bridge.channels.is_empty()),
            other => panic!("{other:?}"),
        }
        let device = fixture("DeviceStateChanged");
        match &device {
            AriEvent::DeviceStateChanged { device_state } => {
                assert_eq!(device_state.name, "PJSIP/bob");
                assert_eq!(device_state.state, "RINGING");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(device.channel_id(), None);
        match fixture("ChannelDestroyed") {
            AriEvent::ChannelDestroyed {
                cause, cause_txt, ..
            } => {
                assert!(cause > 0);
                assert!(!cause_txt.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_fixture_has_the_common_fields() {
        let dir = format!("{}/tests/fixtures/ari", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let frames: Vec<&str> = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => vec![text.as_str()],
                Some("jsonl") => text.lines().collect(),
                _ => continue,
            };
            for frame in frames {
                let env = Envelope::parse(frame).unwrap();
                assert!(!env.meta.application.is_empty(), "{path:?}: {frame}");
                assert!(env.meta.timestamp.starts_with("2026-"), "{path:?}: {frame}");
                assert!(env.meta.asterisk_id.is_some(), "{path:?}: {frame}");
                assert_eq!(env.event, AriEvent::parse(frame).unwrap());
            }
        }
    }

    #[test]
    fn plain_serde_and_parse_agree_and_unknown_keeps_the_whole_json() {
        let mut lines = jsonl("recorded_session");
        lines.extend(jsonl("echo_call"));
        lines.extend(jsonl("bridged_call"));
        let mut unknown = 0;
        for line in &lines {
            let parsed = AriEvent::parse(line).unwrap();
            let via_serde: AriEvent = serde_json::from_str(line).unwrap();
            assert_eq!(parsed, via_serde);
            let raw: Value = serde_json::from_str(line).unwrap();
            assert_eq!(AriEvent::from_value(raw.clone()), parsed);
            if let AriEvent::Unknown(v) = &parsed {
                assert_eq!(v, &raw, "Unknown must keep every field");
                unknown += 1;
            }
        }
        assert!(unknown > 0, "the recordings hold unmodelled types");
        // A known type whose payload does not fit is kept whole too, not dropped.
        let odd = r#"{"type":"StasisStart","channel":"not an object","application":"a"}"#;
        match AriEvent::parse(odd).unwrap() {
            AriEvent::Unknown(v) => assert_eq!(v["channel"], "not an object"),
            other => panic!("{other:?}"),
        }
        // Trailing garbage after a valid event is not a valid frame.
        assert!(AriEvent::parse(r#"{"type":"Foo"} x"#).is_err());
    }

    #[test]
    fn the_recorded_echo_call_reads_as_the_echo_flow_sees_it() {
        let events = deduplicated("echo_call");
        let starts: Vec<&AriEvent> = events
            .iter()
            .filter(|e| matches!(e, AriEvent::StasisStart { .. }))
            .collect();
        assert_eq!(starts.len(), 1);
        let AriEvent::StasisStart { args, channel, .. } = starts[0] else {
            unreachable!()
        };
        assert_eq!(args, &["echo", "alice"]);
        let id = channel.id.clone();
        // Everything of the call routes to its one channel, playbacks included.
        for e in &events {
            if let Some(routed) = e.channel_id() {
                assert_eq!(routed, id, "{e:?}");
            }
        }
        let digits: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                AriEvent::ChannelDtmfReceived { digit, .. } => Some(digit.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(digits, ["1", "2", "#"]);
        // One playback of two media starts twice under one id and finishes once.
        let started: Vec<(&str, &str)> = events
            .iter()
            .filter_map(|e| match e {
                AriEvent::PlaybackStarted { playback } => {
                    Some((playback.id.as_str(), playback.media_uri.as_str()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            started,
            [
                ("cap-pb-1", "sound:beep"),
                ("cap-pb-1", "digits:42"),
                ("cap-pb-2", "digits:1"),
                ("cap-pb-3", "digits:2"),
            ]
        );
        let finished: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                AriEvent::PlaybackFinished { playback } => Some(playback.id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(finished, ["cap-pb-1", "cap-pb-2", "cap-pb-3"]);
        assert!(matches!(
            events.last(),
            Some(AriEvent::ChannelDestroyed { .. }) | Some(AriEvent::EndpointStateChange { .. })
        ));
    }

    #[test]
    fn the_recorded_bridged_call_routes_dial_events_to_the_peer() {
        let events = deduplicated("bridged_call");
        let mut statuses = Vec::new();
        for e in &events {
            if let AriEvent::Dial {
                caller,
                peer,
                dialstatus,
                dialstring,
                ..
            } = e
            {
                assert_eq!(peer.id, "cap-bob-1");
                assert_eq!(e.channel_id(), Some("cap-bob-1"));
                // Seen on Asterisk 22: a dial through ARI (`POST /channels/{id}/dial`, even
                // with `caller=`) reports no caller, so only the peer can route it.
                assert!(caller.is_none(), "{caller:?}");
                if statuses.is_empty() {
                    // Only the first Dial names what was dialled; later ones carry "".
                    assert_eq!(dialstring.as_deref(), Some("bob"));
                }
                statuses.push(dialstatus.as_str());
            }
        }
        statuses.dedup();
        assert_eq!(statuses, ["", "RINGING", "ANSWER"]);
        let types: Vec<&str> = events
            .iter()
            .map(AriEvent::type_name)
            .filter(|t| t.contains("Bridge"))
            .collect();
        assert_eq!(
            types,
            [
                "BridgeCreated",
                "ChannelEnteredBridge",
                "ChannelEnteredBridge",
                "ChannelLeftBridge",
                "ChannelLeftBridge",
                "BridgeDestroyed"
            ]
        );
        let devices: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                AriEvent::DeviceStateChanged { device_state } => Some(device_state.state.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(devices, ["RINGING", "INUSE", "NOT_INUSE"]);
    }

    #[test]
    fn playback_target_channel_reads_target_uri() {
        let started = fixture("PlaybackStarted");
        assert!(started.playback_target_channel().is_some());
        assert_eq!(started.playback_target_channel(), started.channel_id());
        let to_bridge = AriEvent::parse(
            r#"{"type":"PlaybackStarted","playback":{"id":"p","media_uri":"sound:x","target_uri":"bridge:b1","state":"playing"}}"#,
        )
        .unwrap();
        assert_eq!(to_bridge.playback_target_channel(), None);
        assert_eq!(to_bridge.channel_id(), None);
        assert_eq!(fixture("StasisEnd").playback_target_channel(), None);
    }

    #[test]
    fn playback_events_route_by_target_channel() {
        let e = AriEvent::parse(
            r#"{"type":"PlaybackFinished","playback":{"id":"p1","media_uri":"sound:x","target_uri":"channel:c42","state":"done"}}"#,
        )
        .unwrap();
        assert_eq!(e.channel_id(), Some("c42"));
    }
}
