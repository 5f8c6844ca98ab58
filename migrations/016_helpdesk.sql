-- 016: the help-desk role, and the audit log of what the help desk does.
--
-- users.role gets the value 'helpdesk'. A CHECK constraint cannot be altered in SQLite, and
-- rebuilding users (as 006 and 011 rebuilt their tables) is not safe here: sessions,
-- extensions and groups reference users with ON DELETE CASCADE / SET NULL, which DROP TABLE
-- would fire (the migrations run with foreign keys on), and triggers of 005 and 011 read
-- users. So the table's stored definition is edited in place, the procedure SQLite documents
-- for changes that no stored row can violate (lang_altertable.html, "making other kinds of
-- table schema changes"): the new CHECK only adds an allowed value. The migration's hook in
-- src/db/mod.rs then bumps schema_version, so every connection, Asterisk's too, reloads the
-- schema. The WHERE clause makes it touch exactly the definition 001 wrote.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
                  'CHECK (role IN (''attendee'', ''operator'', ''admin''))',
                  'CHECK (role IN (''attendee'', ''helpdesk'', ''operator'', ''admin''))')
WHERE type = 'table' AND name = 'users'
  AND instr(sql, 'CHECK (role IN (''attendee'', ''operator'', ''admin''))') > 0;
PRAGMA writable_schema = OFF;

-- What the help desk did (src/service/helpdesk.rs): who, when, what, to which user,
-- extension or handset. Never a secret: no token, password or SIP password is written here.
-- The actor's username is copied, so the line still says who after a rename or a disabled
-- account; ids only ever grow, so "newest first" is ORDER BY id DESC.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    -- The account the action was about (a username), if any.
    target_user TEXT,
    -- The extension, if any.
    number TEXT,
    -- The handset (its SIP username), if any.
    handset TEXT,
    -- Plain words for what is not a column (how many loaners were minted, the temporary
    -- number a handset went back to). Never a secret.
    detail TEXT NOT NULL DEFAULT ''
);
