-- When the receiving service was asked for the outcome, on the day it fell due.
ALTER TABLE follow_ups ADD COLUMN asked_at BIGINT;
