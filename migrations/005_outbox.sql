-- 005: the outbox behind GET /api/v1/events: changes other services keep a copy of.
--
-- Extension and handset events are written by triggers, so they are part of the very
-- transaction that makes the change: a rolled-back change leaves no event, and changes made by
-- the CLI (another process) are recorded too. Registration events come from ARI and are
-- written by src/db/outbox.rs. Rows are kept 24 h, then pruned from the oldest end.
-- The data column is JSON for consumers: never tokens or passwords.

-- AUTOINCREMENT: ids are never reused, even once every row has been pruned, so a client's
-- Last-Event-ID always means the same event.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Unix seconds.
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    -- The extension number or the endpoint id the event is about.
    subject TEXT NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data))
);
CREATE INDEX outbox_at ON outbox(at);
-- The last registration event of an endpoint decides whether a new status is a change.
CREATE INDEX outbox_subject ON outbox(subject, id);

-- The highest id pruned so far: a client whose Last-Event-ID is below it missed events.
CREATE TABLE outbox_pruned (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    through INTEGER NOT NULL
);
INSERT INTO outbox_pruned (one, through) VALUES (1, 0);

-- strftime rather than unixepoch(): SQLite older than 3.38 (another tool on the same file)
-- can still run these.
CREATE TRIGGER outbox_extension_created AFTER INSERT ON extensions
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'extension.created', NEW.number,
        json_object(
            'number', NEW.number,
            'name', NEW.name,
            'kind', NEW.kind,
            'public', json(CASE WHEN NEW.public THEN 'true' ELSE 'false' END),
            'owner', (SELECT username FROM users WHERE id = NEW.owner_id),
            'bound', json(CASE WHEN NEW.kind = 'handset' AND NEW.device_id IS NOT NULL
                               THEN 'true' ELSE 'false' END),
            'sip_username', NEW.device_id));
END;

-- Only what a consumer sees: a new token or updated_at alone is no event.
CREATE TRIGGER outbox_extension_updated AFTER UPDATE ON extensions
WHEN OLD.name IS NOT NEW.name OR OLD.public IS NOT NEW.public
    OR OLD.owner_id IS NOT NEW.owner_id OR OLD.kind IS NOT NEW.kind
    OR OLD.number IS NOT NEW.number
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'extension.updated', NEW.number,
        json_object(
            'number', NEW.number,
            'name', NEW.name,
            'kind', NEW.kind,
            'public', json(CASE WHEN NEW.public THEN 'true' ELSE 'false' END),
            'owner', (SELECT username FROM users WHERE id = NEW.owner_id),
            'bound', json(CASE WHEN NEW.kind = 'handset' AND NEW.device_id IS NOT NULL
                               THEN 'true' ELSE 'false' END),
            'sip_username', NEW.device_id));
END;

CREATE TRIGGER outbox_extension_deleted AFTER DELETE ON extensions
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'extension.deleted', OLD.number,
        json_object('number', OLD.number, 'name', OLD.name, 'kind', OLD.kind));
END;

-- A handset extension's device_id goes from NULL to a device when a handset binds
-- (db::handsets::bind), and back to NULL on unbind, or when the handset's device is deleted
-- (explicitly or by the foreign key's ON DELETE SET NULL, which fires triggers too).
CREATE TRIGGER outbox_handset_bound AFTER UPDATE OF device_id ON extensions
WHEN NEW.kind = 'handset' AND OLD.device_id IS NULL AND NEW.device_id IS NOT NULL
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'handset.bound', NEW.number,
        json_object('number', NEW.number, 'name', NEW.name, 'sip_username', NEW.device_id));
END;

CREATE TRIGGER outbox_handset_unbound AFTER UPDATE OF device_id ON extensions
WHEN NEW.kind = 'handset' AND OLD.device_id IS NOT NULL AND NEW.device_id IS NULL
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'handset.unbound', NEW.number,
        json_object('number', NEW.number, 'name', NEW.name, 'sip_username', OLD.device_id));
END;
