//! ARI events as a serde enum tagged by `type`, with typed payloads for the events eventpbx
//! uses and an [`AriEvent::Unknown`] that keeps the raw JSON of anything else.

use serde::Deserialize;
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
    #[serde(default)]
    pub state: String,
}

/// A bridge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Bridge {
    pub id: String,
    #[serde(default)]
    pub technology: String,
    #[serde(default)]
    pub bridge_type: String,
    #[serde(default)]
    pub channels: Vec<String>,
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type")]
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
    /// An event type eventpbx does not model, kept whole.
    #[serde(skip)]
    Unknown(Value),
    /// Only seen inside [`AriEvent::parse`], which turns it into [`AriEvent::Unknown`].
    #[doc(hidden)]
    #[serde(other)]
    UnknownType,
}

impl AriEvent {
    /// Decodes one websocket text frame. Unknown types (and known types whose payload does not
    /// match) become [`AriEvent::Unknown`] with the raw JSON; only text that is not JSON at
    /// all is an error.
    pub fn parse(text: &str) -> Result<AriEvent, serde_json::Error> {
        match serde_json::from_str::<AriEvent>(text) {
            Ok(AriEvent::UnknownType) | Err(_) => {
                Ok(AriEvent::Unknown(serde_json::from_str(text)?))
            }
            Ok(event) => Ok(event),
        }
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
            | ChannelLeftBridge { channel, .. }
            | ChannelConnectedLine { channel }
            | ChannelCallerId { channel }
            | ChannelDialplan { channel } => Some(&channel.id),
            ChannelEnteredBridge { channel, .. } | ChannelVarset { channel, .. } => {
                channel.as_ref().map(|c| c.id.as_str())
            }
            PlaybackStarted { playback } | PlaybackFinished { playback } => {
                playback.target_uri.strip_prefix("channel:")
            }
            Dial { peer, .. } => Some(&peer.id),
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
            UnknownType => "?",
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
            // PeerStatusChange is not modelled: it must come through whole.
            let unknown = matches!(event, AriEvent::Unknown(_));
            assert_eq!(unknown, name == "PeerStatusChange", "{name}: {event:?}");
            checked += 1;
        }
        assert!(checked >= 15, "only {checked} fixtures");
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
            } => {
                assert_eq!(endpoint.technology, "PJSIP");
                assert!(!contact_info.contact_status.is_empty());
            }
            other => panic!("{other:?}"),
        }
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

    #[test]
    fn playback_events_route_by_target_channel() {
        let e = AriEvent::parse(
            r#"{"type":"PlaybackFinished","playback":{"id":"p1","media_uri":"sound:x","target_uri":"channel:c42","state":"done"}}"#,
        )
        .unwrap();
        assert_eq!(e.channel_id(), Some("c42"));
    }
}
