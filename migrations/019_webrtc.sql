-- 019: browser phones (issue 16, WebRTC). An extension may have one browser device beside its
-- phone: a device of its own (random SIP identity, endpoint id = auth id = AOR id, like every
-- device) whose endpoint speaks WebRTC, reached through the websocket transport.
--
-- `webrtc` is Asterisk's one switch for what a browser needs: DTLS-SRTP with an ephemeral
-- certificate, ICE, rtcp-mux, AVPF and the received transport for media. Every other endpoint
-- keeps 'no'. Columns Asterisk reads get a default, never NULL (001).
ALTER TABLE ps_endpoints ADD COLUMN webrtc TEXT NOT NULL DEFAULT 'no';
-- Asterisk's own WebRTC example sets it beside `webrtc`: DTLS needs a certificate, and a browser
-- checks only the fingerprint in the SDP, so an ephemeral one made at start does.
ALTER TABLE ps_endpoints ADD COLUMN dtls_auto_generate_cert TEXT NOT NULL DEFAULT 'no';

-- Which device is the browser phone of which extension. The device row keeps kind 'sip' (it is
-- a SIP identity like a phone's; devices.kind's CHECK stays as it is); this table says it
-- belongs to the extension rather than being its number's endpoint: numbers(number) keeps
-- pointing at the phone, and the routing compiler rings both (db::routing::NODE_COLUMNS).
-- Deleting the extension deletes its browser phone's device in the same transaction
-- (db::extensions::delete -> db::browser::remove).
CREATE TABLE browser_phones (
    number TEXT PRIMARY KEY NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    device_id TEXT NOT NULL UNIQUE REFERENCES devices(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
