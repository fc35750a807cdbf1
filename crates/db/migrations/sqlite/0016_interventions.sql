-- The alert of an on-call field operator for a report and what happened since: each step's
-- time, the lone-worker check-ins and the alarm raised when one is missed. At most one dispatch
-- per report is under way at a time.
CREATE TABLE dispatches (
    id                  INTEGER PRIMARY KEY,
    report_id           BIGINT  NOT NULL REFERENCES reports (id),
    operator_id         BIGINT  NOT NULL REFERENCES users (id),
    alerted_by          BIGINT  REFERENCES users (id),
    alerted_at          BIGINT  NOT NULL,
    acknowledged_at     BIGINT,
    departed_at         BIGINT,
    arrived_at          BIGINT,
    remote_at           BIGINT,
    assessed_at         BIGINT,
    persons_met         BIGINT  CHECK (persons_met >= 0),
    assessment          TEXT,
    last_check_in_at    BIGINT,
    check_in_minutes    BIGINT  NOT NULL CHECK (check_in_minutes BETWEEN 5 AND 240),
    alarm_at            BIGINT,
    ended_at            BIGINT,
    cancelled_at        BIGINT,
    version             BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX dispatches_report ON dispatches (report_id);
CREATE UNIQUE INDEX dispatches_under_way ON dispatches (report_id)
    WHERE ended_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX dispatches_operator ON dispatches (operator_id)
    WHERE ended_at IS NULL AND cancelled_at IS NULL;

-- The steps of a special procedure (MSNA notices, CAV contact): who, when, protocol number.
CREATE TABLE procedure_steps (
    id          INTEGER PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    step        TEXT    NOT NULL,
    done_at     BIGINT  NOT NULL,
    done_by     TEXT    NOT NULL,
    protocol    TEXT,
    note        TEXT    NOT NULL DEFAULT '',
    recorded_by BIGINT  REFERENCES users (id),
    recorded_at BIGINT  NOT NULL,
    UNIQUE (report_id, step)
);

-- Where a user is told of an alert or an alarm by e-mail (optional; set by the user).
ALTER TABLE users ADD COLUMN alert_email TEXT;
