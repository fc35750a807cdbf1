-- Break-glass: a user who is not taking care of a protected report opens it anyway, with a
-- written reason. The opening lasts a few hours; the coordinators of the Ambito are notified.
CREATE TABLE break_glass (
    id          INTEGER PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    at          BIGINT  NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX break_glass_report ON break_glass (report_id, user_id, at);

-- Messages for the users of a role in an Ambito (e.g. the coordinators).
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    role        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    report_id   BIGINT  REFERENCES reports (id),
    actor_id    BIGINT  REFERENCES users (id),
    text        TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX notifications_for ON notifications (ambito_id, role, at);
