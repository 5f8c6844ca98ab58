-- 017: per-minute statistics behind the operator page's charts (src/db/stats.rs).
--
-- `calls` (calls started in the minute), `concurrent` (calls going on during it) and
-- `failed_tokens` (registration attempts that did not bind) are counted from call_history and
-- token_attempts, and the last hour is counted again every minute, so history rows that
-- arrive late still count. `registered_*` are the devices with a registration at the minute,
-- by kind, sampled then: NULL where eventpbx was not running (the chart shows a gap, not 0).
-- Kept two days; the charts show an hour and a day.
CREATE TABLE stats_minutes (
    minute INTEGER PRIMARY KEY NOT NULL CHECK (minute % 60 = 0),
    calls INTEGER NOT NULL DEFAULT 0,
    concurrent INTEGER NOT NULL DEFAULT 0,
    failed_tokens INTEGER NOT NULL DEFAULT 0,
    registered_sip INTEGER,
    registered_handset INTEGER,
    registered_dect INTEGER,
    registered_temporary INTEGER
);
CREATE INDEX call_history_started ON call_history(started_at);
