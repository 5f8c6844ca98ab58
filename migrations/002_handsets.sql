-- 002: what self-registration needs: used tokens, the attempt log behind the lockout, API keys.

-- Tokens that bound a handset. A token dialled again is told "already used", not "unknown".
CREATE TABLE used_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    used_at INTEGER NOT NULL
);

-- Every registration attempt, by the calling device. Failures in the last 10 minutes drive the
-- lockout; operators see the counts.
CREATE TABLE token_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT NOT NULL,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN
        ('bound', 'unknown', 'used', 'not_temporary', 'locked_out', 'malformed'))
);
CREATE INDEX token_attempts_endpoint_at ON token_attempts(endpoint, at);
CREATE INDEX token_attempts_at ON token_attempts(at);

-- API keys: only a SHA-256 of the key is stored, and keys are looked up by it.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'read-write')),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
