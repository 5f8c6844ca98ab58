-- Call history (issue 15, part 1).
--
-- Asterisk writes the records itself (CDR, cdr_sqlite3_custom's "advanced" mapping into this
-- file; asterisk-conf/cdr_sqlite3_custom.conf), so calls made while eventpbx is down are
-- recorded too and eventpbx follows no channel for it. Verified on the sandbox's Asterisk
-- 22.10: the module counts every column but the first as a data column (the first must be the
-- id), refuses the mapping when that count differs from its `fields` list, binds values (a
-- caller name with quotes was stored as it was), and writes one row per CDR, i.e. per
-- (channel, segment), the originating channel's rows with uniqueid = linkedid.
--
-- The column list is a contract with asterisk-conf/cdr_sqlite3_custom.conf: change both.
-- eventpbx ingests finished calls (db::history::ingest) and deletes their rows.
CREATE TABLE cdr_inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT,
    answered TEXT,
    ended TEXT,
    duration INTEGER,
    billsec INTEGER,
    disposition TEXT,
    channel TEXT,
    dstchannel TEXT,
    uniqueid TEXT,
    linkedid TEXT,
    sequence INTEGER,
    -- Set by the dialplan with Set(CDR(...)) only, from values Asterisk or eventpbx made:
    -- the dialled number (digits a pattern proved), the caller's endpoint id, the outcome the
    -- dialplan decided (dnd, busy, rejected, noanswer, unavailable, unknown, no-desk,
    -- restricted), the last forwarding target (digits from a plan row).
    ev_number TEXT,
    ev_from TEXT,
    ev_outcome TEXT,
    ev_forward TEXT
);
CREATE INDEX cdr_inbox_linkedid ON cdr_inbox(linkedid);

-- One row per call eventpbx ingested. Times are unix seconds.
CREATE TABLE call_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Asterisk's linkedid: a call ingested twice (a crash between insert and delete) is one row.
    call_id TEXT NOT NULL UNIQUE,
    caller_number TEXT,
    caller_endpoint TEXT,
    dialled TEXT NOT NULL,
    -- Space-separated endpoint ids of the devices that were rung.
    rang TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at INTEGER NOT NULL,
    duration INTEGER NOT NULL,
    -- Asterisk's view (CDR disposition, dialplan outcome) and eventpbx's word for it
    -- (domain::history::Cause::code).
    asterisk_cause TEXT NOT NULL,
    cause TEXT NOT NULL,
    forwarded_to TEXT
);
CREATE INDEX call_history_ended ON call_history(ended_at);
CREATE INDEX call_history_dialled ON call_history(dialled, ended_at);
CREATE INDEX call_history_caller ON call_history(caller_number, ended_at);

CREATE TRIGGER outbox_call_ended AFTER INSERT ON call_history
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'call.ended', NEW.dialled,
        json_object(
            'id', NEW.id,
            'caller', NEW.caller_number,
            'dialled', NEW.dialled,
            'started_at', NEW.started_at,
            'answered_at', NEW.answered_at,
            'ended_at', NEW.ended_at,
            'duration', NEW.duration,
            'cause', NEW.cause,
            'forwarded_to', NEW.forwarded_to));
END;
