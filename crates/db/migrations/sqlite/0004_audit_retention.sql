-- Audit retention: entries older than the retention period are removed from the start of the
-- chain. The head keeps the first entry still held and the hash before it, so verification
-- starts there; only entries before that point can ever be deleted.
ALTER TABLE audit_head ADD COLUMN first_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN first_prev TEXT NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq >= (SELECT first_seq FROM audit_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
