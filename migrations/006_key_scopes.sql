-- 006: API key scope `admin`, and which key created an extension.
--
-- A CHECK constraint cannot be altered in SQLite, so api_keys is rebuilt with the same rows.
-- Nothing references api_keys yet, so dropping the old table breaks no foreign key.
CREATE TABLE api_keys_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'read-write', 'admin')),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
INSERT INTO api_keys_new (id, name, key_hash, scope, created_at, revoked_at)
    SELECT id, name, key_hash, scope, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;

-- The API key that created the extension (NULL: the web UI, the CLI, or before this column).
-- A read-write key may read the SIP password only of extensions it created; admin keys of all.
-- Keys are revoked, never deleted, so the reference stays valid.
ALTER TABLE extensions ADD COLUMN created_by_key INTEGER REFERENCES api_keys(id);
