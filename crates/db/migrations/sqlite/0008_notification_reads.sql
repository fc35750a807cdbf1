-- How far each user has read the notifications: the newest notification id they marked as read.
CREATE TABLE notification_reads (
    user_id     BIGINT  PRIMARY KEY REFERENCES users (id),
    last_seen   BIGINT  NOT NULL
);
