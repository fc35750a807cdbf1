-- Reports imported from the spreadsheets kept before Presidio: the digest of the row they came
-- from, so that importing the same file again adds nothing.
ALTER TABLE reports ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX reports_import_key ON reports (import_key);
