-- The latest triage's reason for a report not pertinent, kept on the report so that the
-- activity report counts by it without reading the triage history; filled for the reports
-- triaged before.
ALTER TABLE reports ADD COLUMN not_pertinent_reason TEXT;
UPDATE reports SET not_pertinent_reason = (
    SELECT t.not_pertinent_reason FROM triages t WHERE t.report_id = reports.id
    ORDER BY t.id DESC LIMIT 1
) WHERE outcome = 'non_pertinente';
