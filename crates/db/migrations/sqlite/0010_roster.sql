-- The on-call roster: a person on call in one role of an Ambito, from one instant to another.
CREATE TABLE shifts (
    id          INTEGER PRIMARY KEY,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    role        TEXT    NOT NULL,
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    phone       TEXT    NOT NULL,
    start_at    BIGINT  NOT NULL,
    end_at      BIGINT  NOT NULL CHECK (end_at > start_at),
    created_by  BIGINT  REFERENCES users (id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX shifts_time ON shifts (ambito_id, end_at, start_at);
