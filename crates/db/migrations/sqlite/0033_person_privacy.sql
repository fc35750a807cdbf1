-- Data-protection records of a person: the information notice (when, how), consents to a
-- sharing and their withdrawal, and the person's requests (restriction, erasure, objection)
-- with the decision on each. Nothing is deleted: a decision is written once.
CREATE TABLE person_privacy (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    person_id       BIGINT  NOT NULL REFERENCES persons (id),
    kind            TEXT    NOT NULL,
    -- AAAA-MM-GG: when the notice or consent was given, or the request received.
    on_day          TEXT    NOT NULL,
    how             TEXT,
    purpose         TEXT,
    recipient       TEXT,
    notes           TEXT,
    recorded_by     BIGINT  REFERENCES users (id),
    recorded_at     BIGINT  NOT NULL,
    decision        TEXT,
    decision_reason TEXT,
    decided_by      BIGINT  REFERENCES users (id),
    decided_at      BIGINT
);
CREATE INDEX person_privacy_person ON person_privacy (person_id, on_day);

-- Processing restricted (a restriction or objection granted): the record is no longer offered
-- as a candidate at intake.
ALTER TABLE persons ADD COLUMN restricted_at BIGINT;
