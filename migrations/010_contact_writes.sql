-- When each ps_contacts row was last written (Asterisk's INSERT or UPDATE), in unix
-- milliseconds. Asterisk's own deletes of contacts never reach SQLite (see 009), so eventpbx
-- deletes a row when ARI reports the contact Removed, but only a row written before that
-- removal: a phone that registered again in the meantime keeps its new row. Kept in a table
-- of its own because Asterisk reads every column of ps_contacts into its contact objects.
CREATE TABLE eventpbx_contact_writes (
    id TEXT PRIMARY KEY,
    written_at_ms INTEGER NOT NULL
);

-- julianday('now') has millisecond precision, as has the timestamp of ARI's events.
CREATE TRIGGER ps_contacts_written_insert AFTER INSERT ON ps_contacts
BEGIN
    INSERT OR REPLACE INTO eventpbx_contact_writes (id, written_at_ms)
    VALUES (NEW.id, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
END;

CREATE TRIGGER ps_contacts_written_update AFTER UPDATE ON ps_contacts
BEGIN
    DELETE FROM eventpbx_contact_writes WHERE id = OLD.id AND OLD.id != NEW.id;
    INSERT OR REPLACE INTO eventpbx_contact_writes (id, written_at_ms)
    VALUES (NEW.id, CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER));
END;

CREATE TRIGGER ps_contacts_written_delete AFTER DELETE ON ps_contacts
BEGIN
    DELETE FROM eventpbx_contact_writes WHERE id = OLD.id;
END;
