-- The head of the audit chain moves only the ways Presidio moves it: an append raises `seq` and
-- then sets `hash` to the entry just written; the retention purge first appends its own entry,
-- then moves `first_seq` forward with `first_prev` the hash of the entry before it. Anything
-- else (moving the head back, skipping the purge entry, a hash of no entry) is refused.
CREATE TRIGGER audit_head_guard BEFORE UPDATE ON audit_head
WHEN NEW.id <> OLD.id
  OR NEW.seq < OLD.seq
  OR NEW.first_seq < OLD.first_seq
  OR NEW.first_seq > NEW.seq + 1
  OR (NEW.hash <> OLD.hash
      AND NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq))
  OR (NEW.first_seq <> OLD.first_seq
      AND (NEW.first_prev IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.first_seq - 1)
           OR NEW.seq <> OLD.seq
           OR (SELECT action FROM audit_log WHERE seq = NEW.seq) IS NOT 'audit_purged'))
  OR (NEW.first_seq = OLD.first_seq AND NEW.first_prev <> OLD.first_prev)
BEGIN
    SELECT RAISE(ABORT, 'audit_head moves only by appends and the retention purge');
END;
