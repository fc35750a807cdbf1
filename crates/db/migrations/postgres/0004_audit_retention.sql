-- Audit retention: entries older than the retention period are removed from the start of the
-- chain. The head keeps the first entry still held and the hash before it, so verification
-- starts there; only entries before that point can ever be deleted.
ALTER TABLE audit_head ADD COLUMN first_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN first_prev TEXT NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log'
        AND OLD.seq < (SELECT first_seq FROM audit_head WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
