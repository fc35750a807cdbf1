-- The SIUSS flows written for INPS, in the order INPS reads them (ts, unique and increasing
-- in commit order: taken from siuss_clock, whose one row each writer locks), with INPS's
-- outcome once it answers.
CREATE TABLE siuss_flows (
    id              INTEGER PRIMARY KEY,
    ambito_id       INTEGER  NOT NULL REFERENCES ambiti (id),
    flow_id         TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    seat            TEXT    NOT NULL,
    body_name       TEXT    NOT NULL,
    report_id       INTEGER,
    xml             TEXT    NOT NULL,
    ts              INTEGER  NOT NULL UNIQUE,
    created_at      INTEGER  NOT NULL,
    outcome         TEXT,
    outcome_detail  TEXT,
    acquisition_id  TEXT,
    acquired_at     TEXT,
    outcome_at      INTEGER
);
CREATE INDEX siuss_flows_ambito ON siuss_flows (ambito_id, id);
CREATE TABLE siuss_clock (
    one             INTEGER  PRIMARY KEY,
    ts              INTEGER  NOT NULL
);
INSERT INTO siuss_clock (one, ts) VALUES (1, 0);
-- The flows of a body on a day, numbered from 1 (NNNNNNN of the flow's identifier).
CREATE TABLE siuss_counters (
    body_code       TEXT    NOT NULL,
    day             TEXT    NOT NULL,
    n               INTEGER  NOT NULL,
    PRIMARY KEY (body_code, day)
);
