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
-- imported ones carry no triage time). Kept by the triggers below in the report's own
-- transaction.
CREATE TABLE report_tallies (
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    day         TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    n           BIGINT  NOT NULL,
    PRIMARY KEY (ambito_id, day, dimension, value)
);

CREATE TRIGGER report_tallies_insert AFTER INSERT ON reports
WHEN NEW.received_day IS NOT NULL
BEGIN
    INSERT INTO report_tallies (ambito_id, day, dimension, value, n) VALUES
        (NEW.ambito_id, NEW.received_day, 'activity',
            COALESCE(NEW.outcome, '') || '|' || COALESCE(NEW.not_pertinent_reason, '') || '|'
            || NEW.target_group, 1),
        (NEW.ambito_id, NEW.received_day, 'municipality', COALESCE(NEW.municipality, ''), 1),
        (NEW.ambito_id, NEW.received_day, 'reporter_kind', NEW.reporter_kind, 1),
        (NEW.ambito_id, NEW.received_day, 'time_band', COALESCE(NEW.time_band, ''), 1)
    ON CONFLICT (ambito_id, day, dimension, value) DO UPDATE SET n = n + 1;
    INSERT INTO report_tallies (ambito_id, day, dimension, value, n)
        SELECT NEW.ambito_id, NEW.received_day, 'triage_minutes',
            CAST((NEW.triaged_at - NEW.received_at) / 60000 AS TEXT), 1
        WHERE NEW.triaged_at IS NOT NULL AND NEW.import_key IS NULL
    ON CONFLICT (ambito_id, day, dimension, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tallies_update AFTER UPDATE OF ambito_id, received_at, received_day,
    time_band, outcome, not_pertinent_reason, target_group, municipality, reporter_kind,
    triaged_at, import_key ON reports
BEGIN
    UPDATE report_tallies SET n = n - 1
    WHERE OLD.received_day IS NOT NULL AND ambito_id = OLD.ambito_id AND day = OLD.received_day
        AND ((dimension = 'activity' AND value = COALESCE(OLD.outcome, '') || '|'
                || COALESCE(OLD.not_pertinent_reason, '') || '|' || OLD.target_group)
            OR (dimension = 'municipality' AND value = COALESCE(OLD.municipality, ''))
            OR (dimension = 'reporter_kind' AND value = OLD.reporter_kind)
            OR (dimension = 'time_band' AND value = COALESCE(OLD.time_band, ''))
            OR (dimension = 'triage_minutes' AND OLD.triaged_at IS NOT NULL
                AND OLD.import_key IS NULL
                AND value = CAST((OLD.triaged_at - OLD.received_at) / 60000 AS TEXT)));
    INSERT INTO report_tallies (ambito_id, day, dimension, value, n)
        SELECT NEW.ambito_id, NEW.received_day, 'activity',
            COALESCE(NEW.outcome, '') || '|' || COALESCE(NEW.not_pertinent_reason, '') || '|'
            || NEW.target_group, 1
        WHERE NEW.received_day IS NOT NULL
        UNION ALL SELECT NEW.ambito_id, NEW.received_day, 'municipality',
            COALESCE(NEW.municipality, ''), 1 WHERE NEW.received_day IS NOT NULL
        UNION ALL SELECT NEW.ambito_id, NEW.received_day, 'reporter_kind', NEW.reporter_kind, 1
            WHERE NEW.received_day IS NOT NULL
        UNION ALL SELECT NEW.ambito_id, NEW.received_day, 'time_band',
            COALESCE(NEW.time_band, ''), 1 WHERE NEW.received_day IS NOT NULL
        UNION ALL SELECT NEW.ambito_id, NEW.received_day, 'triage_minutes',
            CAST((NEW.triaged_at - NEW.received_at) / 60000 AS TEXT), 1
            WHERE NEW.received_day IS NOT NULL AND NEW.triaged_at IS NOT NULL
                AND NEW.import_key IS NULL
    ON CONFLICT (ambito_id, day, dimension, value) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tallies_delete AFTER DELETE ON reports
WHEN OLD.received_day IS NOT NULL
BEGIN
    UPDATE report_tallies SET n = n - 1
    WHERE ambito_id = OLD.ambito_id AND day = OLD.received_day
        AND ((dimension = 'activity' AND value = COALESCE(OLD.outcome, '') || '|'
                || COALESCE(OLD.not_pertinent_reason, '') || '|' || OLD.target_group)
            OR (dimension = 'municipality' AND value = COALESCE(OLD.municipality, ''))
            OR (dimension = 'reporter_kind' AND value = OLD.reporter_kind)
            OR (dimension = 'time_band' AND value = COALESCE(OLD.time_band, ''))
            OR (dimension = 'triage_minutes' AND OLD.triaged_at IS NOT NULL
                AND OLD.import_key IS NULL
                AND value = CAST((OLD.triaged_at - OLD.received_at) / 60000 AS TEXT)));
END;
