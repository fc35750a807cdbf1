-- How a case ended (placed, returned home, refused help, referred, no action needed), and the
-- same on the history line that closed it; a reopening clears it and keeps the history.
ALTER TABLE reports ADD COLUMN closing_outcome TEXT;
ALTER TABLE report_events ADD COLUMN detail TEXT;
