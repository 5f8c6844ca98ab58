-- 007: login throttling per (account, client address) with an account-wide ceiling, and
-- sign-up limits per client address and in all (src/domain/throttle.rs, src/db/signups.rs).

-- Rows of the old scheme (per account, per address) do not carry the pair; they are at most
-- 15 minutes' worth, so starting afresh loses nothing that matters.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    -- Lower-case username as typed (it need not exist: guesses at unknown names count too).
    account TEXT NOT NULL,
    -- The client address, or its /64 for IPv6 (src/web/client.rs).
    address TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_pair ON login_failures(account, address, at);
CREATE INDEX login_failures_account ON login_failures(account, at);
CREATE INDEX login_failures_at ON login_failures(at);

-- Accounts made on the sign-up page, kept an hour.
CREATE TABLE signups (
    address TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX signups_address ON signups(address, at);
CREATE INDEX signups_at ON signups(at);
