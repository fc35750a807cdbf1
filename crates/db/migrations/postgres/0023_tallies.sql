-- Running totals for the planning dashboard, so that its figures over years of reports are
-- sums of a few thousand rows rather than a scan of every report.
--
-- The day (in Rome, AAAA-MM-GG) and the time band a report arrived in are written by the
-- application with received_at (Rome's calendar is not SQL's); reports from before this
-- migration get them when the database is opened.
ALTER TABLE reports ADD COLUMN received_day TEXT;
ALTER TABLE reports ADD COLUMN time_band TEXT;

-- When a resource was first confirmed for the case: the "placement" of the response times.
-- For activations confirmed before, the time of their last change is the best there is.
ALTER TABLE activations ADD COLUMN confirmed_at BIGINT;
UPDATE activations SET confirmed_at = updated_at WHERE status IN ('confirmed', 'started', 'ended');

-- How many reports of an Ambito arrived on a day with each value of a dimension: 'activity'
-- (outcome|not pertinent reason|target group), 'municipality', 'reporter_kind', 'time_band',
-- and 'triage_minutes' (minutes from arrival to triage; reports made in Presidio only, as
-- imported ones carry no triage time). Kept by the trigger below in the report's own
-- transaction.
CREATE TABLE report_tallies (
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    day         TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    n           BIGINT  NOT NULL,
    PRIMARY KEY (ambito_id, day, dimension, value)
);

-- Adds delta to the tallies of one version of a report.
CREATE FUNCTION report_tally(r reports, delta BIGINT) RETURNS void AS $$
BEGIN
    IF r.received_day IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO report_tallies AS t (ambito_id, day, dimension, value, n) VALUES
        (r.ambito_id, r.received_day, 'activity',
            COALESCE(r.outcome, '') || '|' || COALESCE(r.not_pertinent_reason, '') || '|'
            || r.target_group, delta),
        (r.ambito_id, r.received_day, 'municipality', COALESCE(r.municipality, ''), delta),
        (r.ambito_id, r.received_day, 'reporter_kind', r.reporter_kind, delta),
        (r.ambito_id, r.received_day, 'time_band', COALESCE(r.time_band, ''), delta)
    ON CONFLICT (ambito_id, day, dimension, value) DO UPDATE SET n = t.n + EXCLUDED.n;
    IF r.triaged_at IS NOT NULL AND r.import_key IS NULL THEN
        INSERT INTO report_tallies AS t (ambito_id, day, dimension, value, n) VALUES
            (r.ambito_id, r.received_day, 'triage_minutes',
                ((r.triaged_at - r.received_at) / 60000)::TEXT, delta)
        ON CONFLICT (ambito_id, day, dimension, value) DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION report_tallies_follow() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_tally(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM report_tally(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER report_tallies_insert_delete AFTER INSERT OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION report_tallies_follow();
CREATE TRIGGER report_tallies_update AFTER UPDATE OF ambito_id, received_at, received_day,
    time_band, outcome, not_pertinent_reason, target_group, municipality, reporter_kind,
    triaged_at, import_key ON reports
    FOR EACH ROW EXECUTE FUNCTION report_tallies_follow();
