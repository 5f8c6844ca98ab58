-- 001: the PJSIP realtime tables Asterisk reads, and eventpbx's first own tables.
--
-- Asterisk reads ps_endpoints, ps_auths and ps_aors, and writes ps_contacts, through
-- res_config_sqlite3. Its alembic migrations do not run on SQLite, so the tables are ours.
-- Integer columns Asterisk parses carry defaults instead of NULL: a NULL arrives as "" and
-- can fail to parse. Only src/db/pjsip.rs writes these rows.

CREATE TABLE ps_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    transport TEXT NOT NULL DEFAULT '',
    aors TEXT NOT NULL,
    auth TEXT NOT NULL,
    -- An explicit context: Asterisk's default "default" would route nowhere useful.
    context TEXT NOT NULL,
    disallow TEXT NOT NULL DEFAULT 'all',
    -- Asterisk's default is no codecs at all.
    allow TEXT NOT NULL DEFAULT 'ulaw,alaw,g722',
    direct_media TEXT NOT NULL DEFAULT 'no',
    dtmf_mode TEXT NOT NULL DEFAULT 'rfc4733',
    callerid TEXT NOT NULL DEFAULT '',
    identify_by TEXT NOT NULL DEFAULT 'username',
    rtp_symmetric TEXT NOT NULL DEFAULT 'yes',
    force_rport TEXT NOT NULL DEFAULT 'yes',
    rewrite_contact TEXT NOT NULL DEFAULT 'yes',
    language TEXT NOT NULL DEFAULT 'en',
    -- Device state follows the endpoint's calls, for the operator view.
    device_state_busy_at INTEGER NOT NULL DEFAULT 0,
    -- An endpoint must never be usable without digest auth.
    CHECK (auth <> '')
);

CREATE TABLE ps_auths (
    id TEXT PRIMARY KEY NOT NULL,
    auth_type TEXT NOT NULL DEFAULT 'userpass',
    username TEXT NOT NULL,
    -- Digest auth needs the clear password; the data folder is therefore not world-readable.
    password TEXT NOT NULL,
    CHECK (length(password) >= 16)
);

CREATE TABLE ps_aors (
    id TEXT PRIMARY KEY NOT NULL,
    -- Asterisk's default 0 answers every REGISTER with 403.
    max_contacts INTEGER NOT NULL DEFAULT 1,
    remove_existing TEXT NOT NULL DEFAULT 'yes',
    -- Qualify (OPTIONS) every 60 s: it is also what makes Asterisk track the state of an AOR
    -- that appeared in realtime after start, so ARI reports the endpoint online.
    qualify_frequency INTEGER NOT NULL DEFAULT 60,
    qualify_timeout REAL NOT NULL DEFAULT 3.0,
    default_expiration INTEGER NOT NULL DEFAULT 300,
    minimum_expiration INTEGER NOT NULL DEFAULT 60,
    maximum_expiration INTEGER NOT NULL DEFAULT 3600
);

-- Written by Asterisk on REGISTER: it sets every column it knows, so all of Asterisk 22's are here.
CREATE TABLE ps_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    uri TEXT,
    expiration_time INTEGER,
    qualify_frequency INTEGER,
    outbound_proxy TEXT,
    path TEXT,
    user_agent TEXT,
    qualify_timeout REAL,
    reg_server TEXT,
    authenticate_qualify TEXT,
    via_addr TEXT,
    via_port INTEGER,
    call_id TEXT,
    endpoint TEXT,
    prune_on_boot TEXT,
    qualify_2xx_only TEXT
);
CREATE INDEX ps_contacts_endpoint ON ps_contacts(endpoint);

-- A device is one SIP identity: id = endpoint id = auth id = AOR id = its SIP username.
-- It never changes, so an unconfigurable handset keeps working whatever number it has.
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sip', 'handset')),
    created_at INTEGER NOT NULL
);

-- The dialplan routes by this table (REALTIME_FIELD via extconfig): number -> endpoint.
-- Temporary numbers live here too, so they are dialable.
CREATE TABLE numbers (
    number TEXT PRIMARY KEY NOT NULL CHECK (number <> '' AND number NOT GLOB '*[^0-9]*'),
    endpoint TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('extension', 'temporary'))
);
CREATE INDEX numbers_endpoint ON numbers(endpoint);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'operator', 'admin')),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- An extension is a number a person owns. A "sip" extension has its own device from the start;
-- a "handset" extension gets a device when a handset binds to it with the token.
CREATE TABLE extensions (
    number TEXT PRIMARY KEY NOT NULL CHECK (number <> '' AND number NOT GLOB '*[^0-9]*'),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sip', 'handset')),
    owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    public INTEGER NOT NULL DEFAULT 1,
    device_id TEXT UNIQUE REFERENCES devices(id) ON DELETE SET NULL,
    token TEXT UNIQUE,
    bound_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX extensions_owner ON extensions(owner_id);

-- Numbering rules an admin can edit. Codes and the temporary range come from the settings file.
CREATE TABLE number_ranges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first TEXT NOT NULL,
    last TEXT NOT NULL,
    CHECK (length(first) = length(last) AND first <= last)
);
INSERT INTO number_ranges (first, last) VALUES ('2000', '8999');

CREATE TABLE reserved_numbers (
    number TEXT PRIMARY KEY NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);

CREATE TABLE app_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO app_settings (key, value) VALUES ('max_extensions_per_user', '3');
