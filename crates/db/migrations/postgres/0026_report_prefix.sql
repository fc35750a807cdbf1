-- Protocol numbers are counted per Ambito and year; each Ambito writes them with a prefix of its
-- own (PIS-2026-0001, BOLLATESE-2026-0001), unique in the installation, so a report's code stays
-- unique and tells which Ambito it belongs to. The first Ambito keeps the numbers it has given.
ALTER TABLE ambiti ADD COLUMN report_prefix TEXT NOT NULL DEFAULT '';
UPDATE ambiti SET report_prefix = 'PIS' WHERE id = (SELECT MIN(id) FROM ambiti);
UPDATE ambiti SET report_prefix = upper(code)
    WHERE report_prefix = '' AND id <> (SELECT MIN(id) FROM ambiti);
CREATE UNIQUE INDEX ambiti_report_prefix ON ambiti (report_prefix);
