-- A user's secret calendar feed of their own shifts (only the secret's SHA-256 is kept).
CREATE TABLE shift_feeds (
    user_id     BIGINT  PRIMARY KEY REFERENCES users (id),
    secret_hash TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL
);
