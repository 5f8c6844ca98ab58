-- 020: conference rooms (issue 16): extensions of kind 'conference', their settings, and the
-- flag in the compiled plan that sends a call into eventpbx's conference flow.
--
-- extensions.kind gains 'conference', and a conference, like a group, has no device and no
-- token. As in 016, the table's stored definition is edited in place instead of rebuilding the
-- table: by now sessions, groups, routes and more reference extensions with ON DELETE
-- CASCADE, which a DROP TABLE would fire, and triggers of 004, 005 and 011 read it. Both edits
-- only allow more (a new kind) or constrain rows of that new kind, which no stored row has, so
-- no row can violate them. The WHERE clause touches exactly the definition 011 wrote; the
-- migration's hook (src/db/migration_list.rs) bumps schema_version, so every connection,
-- Asterisk's too, reloads the schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(sql,
        'CHECK (kind IN (''sip'', ''handset'', ''group''))',
        'CHECK (kind IN (''sip'', ''handset'', ''group'', ''conference''))'),
        'CHECK (kind <> ''group'' OR (device_id IS NULL AND token IS NULL))',
        'CHECK (kind NOT IN (''group'', ''conference'') OR (device_id IS NULL AND token IS NULL))')
WHERE type = 'table' AND name = 'extensions'
  AND instr(sql, 'CHECK (kind IN (''sip'', ''handset'', ''group''))') > 0
  AND instr(sql, 'CHECK (kind <> ''group'' OR (device_id IS NULL AND token IS NULL))') > 0;
PRAGMA writable_schema = OFF;

-- A room's settings (src/db/conferences.rs). The PIN is stored in the clear: the flow compares
-- what a caller types with it, and its owner reads it on the account page to pass it on; it
-- guards a meeting, not an account. An empty PIN means none; max_participants 0 means no limit
-- beyond the flow's own (domain::conference::MAX_PARTICIPANTS).
CREATE TABLE conferences (
    number TEXT PRIMARY KEY NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    pin TEXT NOT NULL DEFAULT ''
        CHECK (pin = '' OR (length(pin) BETWEEN 4 AND 8 AND pin NOT GLOB '*[^0-9]*')),
    max_participants INTEGER NOT NULL DEFAULT 0
        CHECK (max_participants = 0 OR max_participants BETWEEN 2 AND 100)
);

-- The plan row of a room says so; the dialplan (eventpbx-dial, plan) sends such a call to
-- Stasis(<app>,conference,<endpoint>,<number>). An integer with a default: Asterisk reads it
-- through realtime, where a NULL would come back as "".
ALTER TABLE routes ADD COLUMN conference INTEGER NOT NULL DEFAULT 0;
