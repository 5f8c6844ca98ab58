-- 003: web sessions and login throttling.

-- Server-side sessions. Only a SHA-256 of the session id is stored, so a leaked database
-- (or backup) does not hand out live logins. The CSRF token is per session.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- Failed logins, per account (scope 'account', key = lower-case username) and per client
-- address (scope 'address'). A table rather than memory: the limits survive a restart, so
-- crashing or restarting the daemon does not reset an attacker's budget.
CREATE TABLE login_failures (
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(scope, key, at);

-- The phonebook lists public extensions by number and searches by name.
CREATE INDEX extensions_public ON extensions(public, number);
