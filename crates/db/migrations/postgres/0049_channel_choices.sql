-- The channels a user chose for each kind of message that is not a safety message (those
-- take every channel). No row: the default of the domain (e-mail only).
CREATE TABLE channel_choices (
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    kind        TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    chosen      BIGINT  NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);
