-- Escalation of a dispatch nobody answers: each Ambito's minutes an alert waits for its
-- acknowledgment; when the dispatch was last handed on (or its alarm sent up the chain), so
-- that one instance only takes each step; and every step taken, for the dispatch's history.
ALTER TABLE ambiti ADD COLUMN ack_minutes BIGINT NOT NULL DEFAULT 10;
ALTER TABLE dispatches ADD COLUMN escalated_at BIGINT;
ALTER TABLE dispatches ADD COLUMN alarm_escalated_at BIGINT;
CREATE TABLE dispatch_escalations (
    id              INTEGER PRIMARY KEY,
    dispatch_id     BIGINT  NOT NULL REFERENCES dispatches (id),
    cause           TEXT    NOT NULL CHECK (cause IN ('no_ack', 'check_in')),
    reached         TEXT    NOT NULL CHECK (reached IN ('operator', 'coordinator', 'nobody')),
    from_user_id    BIGINT  REFERENCES users (id),
    to_user_id      BIGINT  REFERENCES users (id),
    at              BIGINT  NOT NULL
);
CREATE INDEX dispatch_escalations_dispatch ON dispatch_escalations (dispatch_id, at);
