-- Web Push: the VAPID key pair that signs the pushes (made at the first start, replaced by the
-- admin; the newest not retired is in use), and each device's subscription, per user.
CREATE TABLE vapid_keys (
    id              INTEGER PRIMARY KEY,
    private_key     TEXT    NOT NULL,
    public_key      TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    retired_at      BIGINT
);
CREATE TABLE push_subscriptions (
    id              INTEGER PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    endpoint        TEXT    NOT NULL UNIQUE,
    p256dh          TEXT    NOT NULL,
    auth            TEXT    NOT NULL,
    label           TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
-- The rows of one message sent on several channels share a batch (the first row's id): the
-- board's line of an undelivered alarm stays only while no channel of its batch delivered it.
ALTER TABLE outbox ADD COLUMN batch BIGINT;
CREATE INDEX outbox_batch ON outbox (batch);
