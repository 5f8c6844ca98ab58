-- Events as a first-class idea (issue 14, part 4).

-- The event this database serves: at most one row. Without a row registration is always open
-- (what eventpbx did before events existed). Times are unix seconds, dates YYYY-MM-DD.
CREATE TABLE event (
    one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0 AND length(name) <= 100),
    starts_on TEXT NOT NULL CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    ends_on TEXT NOT NULL CHECK (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    registration_opens_at INTEGER NOT NULL,
    registration_closes_at INTEGER NOT NULL,
    CHECK (starts_on <= ends_on AND registration_opens_at < registration_closes_at)
);

-- An extension carried over from the previous event (eventpbx import --next-event) is held
-- for its owner until this time: the owner takes it back by claiming it again, else it is
-- released then. NULL: an ordinary extension.
ALTER TABLE extensions ADD COLUMN held_until INTEGER;
CREATE INDEX extensions_held_until ON extensions(held_until) WHERE held_until IS NOT NULL;
