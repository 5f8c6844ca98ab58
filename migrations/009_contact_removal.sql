-- Asterisk 22's res_config_sqlite3 never deletes a row: its destroy callback builds the WHERE
-- clause only from the extra fields, and sorcery deletes contacts with none (just the id as
-- key field), so it runs an empty statement and reports success. Seen on the real Asterisk
-- with the module's SQL trace: REGISTERs give INSERT/UPDATE, "Removed contact ... due to
-- remove existing" gives no statement at all. The registrations it believes removed would keep
-- taking calls. These triggers do the removals that follow from Asterisk's own writes, inside
-- the very statement Asterisk runs, so nothing can interleave with them.

-- Asterisk inserts a contact only when it has none with that id: a row that is still there is
-- one it removed (expired, or unregistered) and its INSERT would fail on the primary key.
CREATE TRIGGER ps_contacts_replace_removed BEFORE INSERT ON ps_contacts
BEGIN
    DELETE FROM ps_contacts WHERE id = NEW.id;
END;

-- A new contact of an AOR with remove_existing: Asterisk keeps max_contacts of them and removes
-- those that would expire soonest (res_pjsip_registrar), and anything already expired is gone
-- for it too. Contact ids are `<aor>;@<hash>`; Asterisk finds an AOR's contacts by that prefix.
-- The AOR's registrations are serialised by Asterisk, so no refresh of them runs meanwhile.
CREATE TRIGGER ps_contacts_remove_existing AFTER INSERT ON ps_contacts
WHEN instr(NEW.id, ';@') > 1
BEGIN
    DELETE FROM ps_contacts
    WHERE substr(id, 1, instr(NEW.id, ';@') + 1) = substr(NEW.id, 1, instr(NEW.id, ';@') + 1)
      AND id != NEW.id
      AND (
        CAST(expiration_time AS INTEGER) <= CAST(strftime('%s', 'now') AS INTEGER)
        OR id NOT IN (
          SELECT c.id FROM ps_contacts c
          WHERE substr(c.id, 1, instr(NEW.id, ';@') + 1) = substr(NEW.id, 1, instr(NEW.id, ';@') + 1)
            AND c.id != NEW.id
          ORDER BY CAST(c.expiration_time AS INTEGER) DESC, c.id
          -- Without remove_existing nothing live is removed: a negative LIMIT keeps all.
          LIMIT coalesce((
            SELECT CASE WHEN lower(a.remove_existing) IN ('yes', 'y', 'true', 't', '1', 'on')
                        THEN max(0, a.max_contacts - 1) END
            FROM ps_aors a WHERE a.id = substr(NEW.id, 1, instr(NEW.id, ';@') - 1)
          ), -1)
        )
      );
END;
