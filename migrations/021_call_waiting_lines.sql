-- 021: call waiting counts an extension's line, not one of its devices (issue 16). With a
-- browser phone an extension has two devices; "busy" must mean "the extension is in a call",
-- whichever device took or made it. The compiled plan keys its call-waiting check by the
-- extension's number (docs/routing.md, "Call waiting").
--
-- routes: the column names what it now holds.
ALTER TABLE routes RENAME COLUMN cw_endpoint TO cw_line;

-- route_legs: one leg rings every device of one extension, so that extension's call-waiting
-- check counts the call once. It holds only compiled rows (nothing references it), so it is
-- made again; db::migrate recompiles every route right after this migration.
DROP TABLE route_legs;
CREATE TABLE route_legs (
    leg TEXT PRIMARY KEY NOT NULL CHECK (leg <> '' AND leg NOT GLOB '*[^0-9]*'),
    number TEXT NOT NULL REFERENCES routes(number) ON DELETE CASCADE,
    -- The extension whose devices the leg rings.
    line TEXT NOT NULL CHECK (line <> '' AND line NOT GLOB '*[^0-9]*'),
    -- Their endpoint ids, '&'-joined, phone first (ids eventpbx made: letters, digits, '_', '-').
    endpoints TEXT NOT NULL CHECK (endpoints <> '' AND endpoints NOT GLOB '*[^A-Za-z0-9_&-]*'),
    delay INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    cw INTEGER NOT NULL
);
CREATE INDEX route_legs_number ON route_legs(number);

-- Realtime family eventpbx_lines: which line a calling device belongs to, so the dialplan marks
-- the caller's line as in a call (GROUP eventpbx-out). A phone or handset is its number's
-- endpoint (one number per device: binding replaces the temporary number); a browser phone is
-- listed in browser_phones. Read-only for Asterisk, and always what the tables say.
CREATE VIEW lines AS
    SELECT endpoint, number FROM numbers
    UNION ALL
    SELECT device_id AS endpoint, number FROM browser_phones;
