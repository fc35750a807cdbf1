-- The running totals of one version of a report, as rows (dimension, value), so that the
-- trigger and a bulk import count the same way.
CREATE FUNCTION report_tally_rows(r reports) RETURNS TABLE (dimension TEXT, value TEXT) AS $$
    SELECT v.dimension, v.value FROM (VALUES
        ('activity', COALESCE(r.outcome, '') || '|' || COALESCE(r.not_pertinent_reason, '')
            || '|' || r.target_group),
        ('municipality', COALESCE(r.municipality, '')),
        ('reporter_kind', r.reporter_kind),
        ('time_band', COALESCE(r.time_band, ''))
    ) AS v (dimension, value)
    WHERE r.received_day IS NOT NULL
    UNION ALL
    SELECT 'triage_minutes', ((r.triaged_at - r.received_at) / 60000)::TEXT
    WHERE r.received_day IS NOT NULL AND r.triaged_at IS NOT NULL AND r.import_key IS NULL
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION report_tally(r reports, delta BIGINT) RETURNS void AS $$
BEGIN
    INSERT INTO report_tallies AS t (ambito_id, day, dimension, value, n)
    SELECT r.ambito_id, r.received_day, v.dimension, v.value, delta
    FROM report_tally_rows(r) v
    ON CONFLICT (ambito_id, day, dimension, value) DO UPDATE SET n = t.n + EXCLUDED.n;
END;
$$ LANGUAGE plpgsql;

-- A transaction that sets presidio.bulk_tallies (the historical import) counts the reports it
-- adds itself, once, at its end: row by row, one long transaction would leave a growing chain
-- of versions of the same few totals.
CREATE OR REPLACE FUNCTION report_tallies_follow() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('presidio.bulk_tallies', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_tally(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM report_tally(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
