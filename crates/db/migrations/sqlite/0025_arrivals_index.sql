-- Opening the database looks for reports still without their day of arrival (see 0023): this
-- keeps that look from reading every report at each start.
CREATE INDEX reports_without_day ON reports (id) WHERE received_day IS NULL;
