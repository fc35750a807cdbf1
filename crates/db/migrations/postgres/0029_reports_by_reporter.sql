-- A reporting organisation's own list: its reports, newest first.
CREATE INDEX reports_by_reporter ON reports (reporter_organisation_id, received_at)
    WHERE reporter_organisation_id IS NOT NULL;
