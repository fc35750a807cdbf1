-- Retention of person records, per Ambito: the records of persons whose reports are all closed
-- and older than this many years are anonymised (none when unset). The reports and their
-- statistics stay; what identifies the person goes.
ALTER TABLE ambiti ADD COLUMN person_retention_years BIGINT;
ALTER TABLE persons ADD COLUMN anonymised_at BIGINT;
