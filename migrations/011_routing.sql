-- 011: call routing (issue 12, docs/routing.md): group extensions, memberships and
-- invitations, per-extension forwarding / do-not-disturb / call waiting, and the compiled plan
-- (routes, route_legs) the dialplan executes through realtime.
--
-- routes and route_legs are written only by src/db/routing.rs, in the transaction of every
-- change that affects them; db::migrate compiles them for the existing extensions right after
-- this migration (the compiler is Rust, not SQL).

-- extensions.kind gains 'group'. A CHECK cannot be altered in SQLite, so the table is rebuilt
-- with the same rows. Nothing references extensions yet, so dropping the old table breaks no
-- foreign key; its triggers (004, 005) and indexes (001, 003) go with it and are made again
-- below, word for word.
CREATE TABLE extensions_new (
    number TEXT PRIMARY KEY NOT NULL CHECK (number <> '' AND number NOT GLOB '*[^0-9]*'),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sip', 'handset', 'group')),
    owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    public INTEGER NOT NULL DEFAULT 1,
    device_id TEXT UNIQUE REFERENCES devices(id) ON DELETE SET NULL,
    token TEXT UNIQUE,
    bound_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    created_by_key INTEGER REFERENCES api_keys(id),
    -- A group rings its members: it has no device of its own and nothing to bind.
    CHECK (kind <> 'group' OR (device_id IS NULL AND token IS NULL))
);
INSERT INTO extensions_new (number, name, kind, owner_id, public, device_id, token, bound_at,
                            created_at, updated_at, created_by_key)
    SELECT number, name, kind, owner_id, public, device_id, token, bound_at,
           created_at, updated_at, created_by_key
    FROM extensions;
DROP TABLE extensions;
ALTER TABLE extensions_new RENAME TO extensions;

CREATE INDEX extensions_owner ON extensions(owner_id);
CREATE INDEX extensions_public ON extensions(public, number);

-- From 004, unchanged.
CREATE TRIGGER phonebook_extension_added AFTER INSERT ON extensions
WHEN NEW.public = 1
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'phonebook';
END;

CREATE TRIGGER phonebook_extension_changed AFTER UPDATE OF number, name, public ON extensions
WHEN OLD.public = 1 OR NEW.public = 1
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'phonebook';
END;

CREATE TRIGGER phonebook_extension_removed AFTER DELETE ON extensions
WHEN OLD.public = 1
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'phonebook';
END;

-- From 005, unchanged.
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

-- What a user set, per extension or group. A missing row means every default. Targets are
-- extension or group numbers; deleting the target clears the setting (and db::routing
-- recompiles the routes that pointed there).
CREATE TABLE routing (
    number TEXT PRIMARY KEY NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    dnd INTEGER NOT NULL DEFAULT 0 CHECK (dnd IN (0, 1)),
    call_waiting INTEGER NOT NULL DEFAULT 1 CHECK (call_waiting IN (0, 1)),
    fwd_always TEXT REFERENCES extensions(number) ON DELETE SET NULL,
    -- Seconds of ringing before the always-forwarding; NULL = at once.
    fwd_always_after INTEGER CHECK (fwd_always_after BETWEEN 1 AND 300),
    fwd_busy TEXT REFERENCES extensions(number) ON DELETE SET NULL,
    fwd_no_answer TEXT REFERENCES extensions(number) ON DELETE SET NULL,
    fwd_no_answer_after INTEGER NOT NULL DEFAULT 20 CHECK (fwd_no_answer_after BETWEEN 1 AND 300),
    fwd_unavailable TEXT REFERENCES extensions(number) ON DELETE SET NULL,
    -- Groups only.
    ring_timeout INTEGER NOT NULL DEFAULT 30 CHECK (ring_timeout BETWEEN 5 AND 300),
    fallback TEXT REFERENCES extensions(number) ON DELETE SET NULL,
    CHECK (fwd_always IS NOT number AND fwd_busy IS NOT number
           AND fwd_no_answer IS NOT number AND fwd_unavailable IS NOT number
           AND fallback IS NOT number)
);
-- Deleting an extension looks up who forwards to it.
CREATE INDEX routing_fwd_always ON routing(fwd_always);
CREATE INDEX routing_fwd_busy ON routing(fwd_busy);
CREATE INDEX routing_fwd_no_answer ON routing(fwd_no_answer);
CREATE INDEX routing_fwd_unavailable ON routing(fwd_unavailable);
CREATE INDEX routing_fallback ON routing(fallback);

-- A member is an extension or another group; `active` 0 = paused by the member.
CREATE TABLE group_members (
    group_number TEXT NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    member_number TEXT NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    delay INTEGER NOT NULL DEFAULT 0 CHECK (delay BETWEEN 0 AND 300),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (group_number, member_number),
    CHECK (group_number <> member_number)
) WITHOUT ROWID;
-- Recompiling walks up from a member to the groups containing it.
CREATE INDEX group_members_member ON group_members(member_number);

-- Pending until the member's owner accepts (a group_members row) or declines (deleted).
CREATE TABLE group_invitations (
    group_number TEXT NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    member_number TEXT NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    delay INTEGER NOT NULL DEFAULT 0 CHECK (delay BETWEEN 0 AND 300),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_number, member_number),
    CHECK (group_number <> member_number)
) WITHOUT ROWID;
CREATE INDEX group_invitations_member ON group_invitations(member_number);

-- The compiled plan: realtime family eventpbx_routes. Every value is generated by eventpbx;
-- text columns are '' rather than NULL, which Asterisk would read as "" anyway.
CREATE TABLE routes (
    number TEXT PRIMARY KEY NOT NULL REFERENCES extensions(number) ON DELETE CASCADE,
    forward TEXT NOT NULL DEFAULT '',
    dial TEXT NOT NULL DEFAULT '',
    timeout INTEGER NOT NULL,
    via TEXT NOT NULL DEFAULT '',
    busy_now INTEGER NOT NULL DEFAULT 0,
    cw_endpoint TEXT NOT NULL DEFAULT '',
    on_busy TEXT NOT NULL DEFAULT '',
    on_noanswer TEXT NOT NULL DEFAULT '',
    on_unavailable TEXT NOT NULL DEFAULT ''
);

-- Realtime family eventpbx_legs: one row per delayed or call-waiting-off leg of a route.
CREATE TABLE route_legs (
    leg TEXT PRIMARY KEY NOT NULL CHECK (leg <> '' AND leg NOT GLOB '*[^0-9]*'),
    number TEXT NOT NULL REFERENCES routes(number) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    delay INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    cw INTEGER NOT NULL
);
CREATE INDEX route_legs_number ON route_legs(number);

-- Events for /api/v1/events: memberships, invitations and routing settings, in the
-- transaction of the change (db::routing writes them; cascades from deleted extensions too).
CREATE TRIGGER outbox_member_added AFTER INSERT ON group_members
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'group.member_added', NEW.group_number,
        json_object('group', NEW.group_number, 'member', NEW.member_number,
                    'delay', NEW.delay,
                    'active', json(CASE WHEN NEW.active THEN 'true' ELSE 'false' END)));
END;

CREATE TRIGGER outbox_member_updated AFTER UPDATE ON group_members
WHEN OLD.delay IS NOT NEW.delay OR OLD.active IS NOT NEW.active
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'group.member_updated', NEW.group_number,
        json_object('group', NEW.group_number, 'member', NEW.member_number,
                    'delay', NEW.delay,
                    'active', json(CASE WHEN NEW.active THEN 'true' ELSE 'false' END)));
END;

CREATE TRIGGER outbox_member_removed AFTER DELETE ON group_members
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'group.member_removed', OLD.group_number,
        json_object('group', OLD.group_number, 'member', OLD.member_number));
END;

CREATE TRIGGER outbox_invitation_created AFTER INSERT ON group_invitations
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'group.invitation_created', NEW.group_number,
        json_object('group', NEW.group_number, 'member', NEW.member_number,
                    'delay', NEW.delay));
END;

CREATE TRIGGER outbox_invitation_removed AFTER DELETE ON group_invitations
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'group.invitation_removed', OLD.group_number,
        json_object('group', OLD.group_number, 'member', OLD.member_number));
END;

CREATE TRIGGER outbox_routing_created AFTER INSERT ON routing
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'routing.updated', NEW.number,
        json_object('number', NEW.number,
                    'dnd', json(CASE WHEN NEW.dnd THEN 'true' ELSE 'false' END),
                    'call_waiting', json(CASE WHEN NEW.call_waiting THEN 'true' ELSE 'false' END),
                    'forward', json_object(
                        'always', NEW.fwd_always, 'always_after', NEW.fwd_always_after,
                        'busy', NEW.fwd_busy, 'no_answer', NEW.fwd_no_answer,
                        'no_answer_after', NEW.fwd_no_answer_after,
                        'unavailable', NEW.fwd_unavailable),
                    'ring_timeout', NEW.ring_timeout,
                    'fallback', NEW.fallback));
END;

CREATE TRIGGER outbox_routing_updated AFTER UPDATE ON routing
WHEN OLD.dnd IS NOT NEW.dnd OR OLD.call_waiting IS NOT NEW.call_waiting
    OR OLD.fwd_always IS NOT NEW.fwd_always OR OLD.fwd_always_after IS NOT NEW.fwd_always_after
    OR OLD.fwd_busy IS NOT NEW.fwd_busy OR OLD.fwd_no_answer IS NOT NEW.fwd_no_answer
    OR OLD.fwd_no_answer_after IS NOT NEW.fwd_no_answer_after
    OR OLD.fwd_unavailable IS NOT NEW.fwd_unavailable
    OR OLD.ring_timeout IS NOT NEW.ring_timeout OR OLD.fallback IS NOT NEW.fallback
BEGIN
    INSERT INTO outbox (at, type, subject, data) VALUES (
        CAST(strftime('%s', 'now') AS INTEGER), 'routing.updated', NEW.number,
        json_object('number', NEW.number,
                    'dnd', json(CASE WHEN NEW.dnd THEN 'true' ELSE 'false' END),
                    'call_waiting', json(CASE WHEN NEW.call_waiting THEN 'true' ELSE 'false' END),
                    'forward', json_object(
                        'always', NEW.fwd_always, 'always_after', NEW.fwd_always_after,
                        'busy', NEW.fwd_busy, 'no_answer', NEW.fwd_no_answer,
                        'no_answer_after', NEW.fwd_no_answer_after,
                        'unavailable', NEW.fwd_unavailable),
                    'ring_timeout', NEW.ring_timeout,
                    'fallback', NEW.fallback));
END;
