-- The handover of a case to the social service of a municipality: when it is due, the
-- reminder and the escalation sent, the acknowledgement and the outcome of taking charge. At
-- most one handover per report waits for its service at a time.
CREATE TABLE handovers (
    id              INTEGER PRIMARY KEY,
    report_id       BIGINT  NOT NULL REFERENCES reports (id),
    municipality    TEXT    NOT NULL REFERENCES municipalities (istat_code),
    status          TEXT    NOT NULL CHECK (status IN ('sent', 'acknowledged', 'taken_in_charge', 'not_competent', 'closed')),
    sent_at         BIGINT  NOT NULL,
    sent_by         BIGINT  REFERENCES users (id),
    due_at          BIGINT  NOT NULL,
    escalate_at     BIGINT  NOT NULL,
    reminded_at     BIGINT,
    escalated_at    BIGINT,
    acknowledged_at BIGINT,
    acknowledged_by BIGINT  REFERENCES users (id),
    outcome_at      BIGINT,
    outcome_by      BIGINT  REFERENCES users (id),
    reason          TEXT    NOT NULL DEFAULT '',
    version         BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX handovers_report ON handovers (report_id);
CREATE UNIQUE INDEX handovers_waiting ON handovers (report_id) WHERE status IN ('sent', 'acknowledged');
CREATE INDEX handovers_municipality ON handovers (municipality, status);
CREATE INDEX handovers_due ON handovers (status, due_at);

-- The thread of a case between the PIS and the receiving service (append-only).
CREATE TABLE case_messages (
    id          INTEGER PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    at          BIGINT  NOT NULL,
    author_id   BIGINT  REFERENCES users (id),
    text        TEXT    NOT NULL
);
CREATE INDEX case_messages_report ON case_messages (report_id, id);
