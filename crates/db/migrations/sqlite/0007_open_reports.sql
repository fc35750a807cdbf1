-- The board reads only open reports: a partial index keeps it fast however many are closed.
CREATE INDEX reports_open ON reports (ambito_id, received_at) WHERE status <> 'closed';
