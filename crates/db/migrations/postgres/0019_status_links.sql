-- A secret link to a report's minimal status (received, in progress, handed over, closed) that
-- the call-taker reads out or sends to the reporter: only the SHA-256 of the secret is kept;
-- making a new one replaces the old.
CREATE TABLE status_links (
    report_id   BIGINT  PRIMARY KEY REFERENCES reports (id),
    secret_hash TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL,
    created_by  BIGINT  REFERENCES users (id)
);
