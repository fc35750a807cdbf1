-- The first answer to each request that carried an `Idempotency-Key`, per user and key, kept
-- 24 hours: a replay gets it again and does nothing twice. A row with no status is a request
-- under way (claimed at `created_at`).
CREATE TABLE idempotency_keys (
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    idem_key        TEXT    NOT NULL,
    route           TEXT    NOT NULL,
    status          BIGINT,
    content_type    TEXT,
    location        TEXT,
    body            BLOB,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
-- A diary note or a dispatch step made on the phone without network: its time is the tap's, and
-- the server's receipt time is kept beside it.
ALTER TABLE diary_entries ADD COLUMN received_at BIGINT;
CREATE TABLE dispatch_receipts (
    id              INTEGER PRIMARY KEY,
    dispatch_id     BIGINT  NOT NULL REFERENCES dispatches (id),
    step            TEXT    NOT NULL,
    tapped_at       BIGINT  NOT NULL,
    received_at     BIGINT  NOT NULL
);
CREATE INDEX dispatch_receipts_dispatch ON dispatch_receipts (dispatch_id);
