-- The days whose morning summary has been e-mailed for an Ambito: sent once, whatever the
-- restarts or the number of processes.
CREATE TABLE summary_runs (
    day         TEXT    NOT NULL,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    sent_at     BIGINT  NOT NULL,
    PRIMARY KEY (day, ambito_id)
);
