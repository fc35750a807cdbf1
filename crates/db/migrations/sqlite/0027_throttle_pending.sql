-- Login attempts are counted before their password is checked: `pending` holds those being
-- checked right now, so attempts sent in parallel never exceed the limit between them.
ALTER TABLE login_throttle ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
