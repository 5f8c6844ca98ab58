-- 004: admin-defined phonebook entries and the phonebook's change counter.

-- Entries an admin adds to the published phonebook beside the attendees' extensions: the
-- help desk, the info line, an external number. Numbers are what a phone dials, so '+', '*'
-- and '#' are allowed as well as digits.
CREATE TABLE phonebook_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    number TEXT NOT NULL UNIQUE CHECK (number <> '' AND number NOT GLOB '*[^0-9*#+]*'),
    created_at INTEGER NOT NULL
);

-- One counter per derived artefact; the phonebook exports are rendered once per change of it.
-- Triggers bump it in the transaction of the change itself, so a write by any process (the
-- daemon, the CLI, a script) is seen, and a rolled-back write is not.
CREATE TABLE change_counters (
    name TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('phonebook', 0);

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

CREATE TRIGGER phonebook_entry_added AFTER INSERT ON phonebook_entries
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'phonebook';
END;

CREATE TRIGGER phonebook_entry_changed AFTER UPDATE ON phonebook_entries
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'phonebook';
END;

CREATE TRIGGER phonebook_entry_removed AFTER DELETE ON phonebook_entries
BEGIN
    UPDATE change_counters SET value = value + 1 WHERE name = 'phonebook';
END;
