-- Reporting partners are data of the network directory: an organisation with a reporter kind
-- reports to the service (the emergency room, 118, a school, the CAV), and the report names the
-- partner it came from, so that the statistics count reports by partner organisation. Distinct
-- from reporter_organisation_id, the portal sender that may read back its own reports.
ALTER TABLE organisations ADD COLUMN reporter_kind TEXT;
ALTER TABLE reports ADD COLUMN partner_id BIGINT REFERENCES organisations (id);
CREATE INDEX reports_partner ON reports (partner_id, received_day) WHERE partner_id IS NOT NULL;
