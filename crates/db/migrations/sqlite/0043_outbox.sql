-- Every outgoing message, kept until it is delivered: its text (codes and links only), whom
-- it goes to, whether it is a safety message (an alert, an alarm), its state (queued, sent,
-- failed and to be tried again, gave up), its attempts and when the next one is due. A
-- delivery claims the row until `claimed_until`, so that several instances never send twice.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT    NOT NULL DEFAULT 'email',
    recipient       TEXT    NOT NULL,
    user_id         BIGINT  REFERENCES users (id),
    ambito_id       BIGINT  REFERENCES ambiti (id),
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    safety          BIGINT  NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL DEFAULT 'queued',
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_at         BIGINT  NOT NULL,
    claimed_until   BIGINT,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (state, next_at);
CREATE INDEX outbox_safety ON outbox (ambito_id, safety, state);
