-- The head of the audit chain moves only the ways Presidio moves it: an append raises `seq` and
-- then sets `hash` to the entry just written; the retention purge first appends its own entry,
-- then moves `first_seq` forward with `first_prev` the hash of the entry before it. Anything
-- else (moving the head back, skipping the purge entry, a hash of no entry) is refused.
CREATE FUNCTION audit_head_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.id <> OLD.id
        OR NEW.seq < OLD.seq
        OR NEW.first_seq < OLD.first_seq
        OR NEW.first_seq > NEW.seq + 1
        OR (NEW.hash <> OLD.hash
            AND NEW.hash IS DISTINCT FROM (SELECT hash FROM audit_log WHERE seq = NEW.seq))
        OR (NEW.first_seq <> OLD.first_seq
            AND (NEW.first_prev IS DISTINCT FROM
                    (SELECT hash FROM audit_log WHERE seq = NEW.first_seq - 1)
                 OR NEW.seq <> OLD.seq
                 OR (SELECT action FROM audit_log WHERE seq = NEW.seq)
                    IS DISTINCT FROM 'audit_purged'))
        OR (NEW.first_seq = OLD.first_seq AND NEW.first_prev <> OLD.first_prev) THEN
        RAISE EXCEPTION 'audit_head moves only by appends and the retention purge';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_head_guard BEFORE UPDATE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
