-- DECT handsets the Mitel OMM reported (src/service/dect.rs), remembered with their device: a
-- handset that subscribes again (after an OMM reset) is matched by IPEI and gets its old
-- device, number and binding back instead of a new temporary number.
CREATE TABLE dect_handsets (
    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    ipei TEXT NOT NULL UNIQUE CHECK (ipei <> ''),
    -- The DECT authentication key, when the OMM gives it: a secret like a SIP password (it
    -- lets a handset log in again without subscribing). Never shown, never logged.
    uak TEXT,
    -- The OMM's ids as last seen; they change when the OMM's database is reset.
    omm_ppn INTEGER,
    omm_uid INTEGER,
    -- The label last sent to the OMM ("Alice 4711"); the sync sends again when the wanted one
    -- differs, so a binding, an unbind or a rename reaches the handset after any restart.
    shown_label TEXT,
    created_at INTEGER NOT NULL
);
