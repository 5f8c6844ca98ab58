-- 018: the language a user chose for the web pages (the footer's switch). NULL means "not
-- chosen": the browser's Accept-Language decides, else the event's default language.
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'de'));
