-- Case conferences of a report's team, who of the team takes part, their minutes; the shared
-- tasks the decisions become; the outcomes asked of the receiving service after a handover is
-- taken in charge, at the intervals its Ambito sets.
CREATE TABLE conferences (
    id          INTEGER PRIMARY KEY,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    at          BIGINT  NOT NULL,
    place       TEXT    NOT NULL,
    agenda      TEXT    NOT NULL,
    created_by  BIGINT  NOT NULL REFERENCES users (id),
    created_at  BIGINT  NOT NULL,
    minutes     TEXT,
    minutes_by  BIGINT  REFERENCES users (id),
    minutes_at  BIGINT,
    version     BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX conferences_report ON conferences (report_id, at);
CREATE INDEX conferences_at ON conferences (at);

CREATE TABLE conference_participants (
    conference_id BIGINT NOT NULL REFERENCES conferences (id),
    member_id     BIGINT NOT NULL REFERENCES team_members (id),
    PRIMARY KEY (conference_id, member_id)
);
CREATE INDEX conference_participants_member ON conference_participants (member_id);

CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    report_id       BIGINT  NOT NULL REFERENCES reports (id),
    conference_id   BIGINT  NOT NULL REFERENCES conferences (id),
    title           TEXT    NOT NULL,
    owner_member_id BIGINT  NOT NULL REFERENCES team_members (id),
    -- AAAA-MM-GG: the last day.
    due_day         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    created_by      BIGINT  NOT NULL REFERENCES users (id),
    created_at      BIGINT  NOT NULL,
    updated_by      BIGINT  REFERENCES users (id),
    updated_at      BIGINT,
    escalated_at    BIGINT,
    version         BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX tasks_report ON tasks (report_id);
CREATE INDEX tasks_owner ON tasks (owner_member_id, status);
CREATE INDEX tasks_open ON tasks (status, due_day);

-- The intervals (days after taking charge, e.g. "30,90") at which an Ambito asks for outcomes.
ALTER TABLE ambiti ADD COLUMN follow_up_days TEXT NOT NULL DEFAULT '30,90';

CREATE TABLE follow_ups (
    id           INTEGER PRIMARY KEY,
    ambito_id    BIGINT  NOT NULL REFERENCES ambiti (id),
    handover_id  BIGINT  NOT NULL REFERENCES handovers (id),
    report_id    BIGINT  NOT NULL REFERENCES reports (id),
    municipality TEXT    NOT NULL REFERENCES municipalities (istat_code),
    days         BIGINT  NOT NULL,
    -- AAAA-MM-GG: the day the outcome is asked for.
    due_day      TEXT    NOT NULL,
    outcome      TEXT    CHECK (outcome IN ('in_carico', 'situazione_risolta', 'trasferito', 'contatto_perso', 'nuova_emergenza')),
    rating       BIGINT  CHECK (rating BETWEEN 1 AND 5),
    note         TEXT    NOT NULL DEFAULT '',
    answered_by  BIGINT  REFERENCES users (id),
    answered_at  BIGINT,
    reminded_at  BIGINT,
    escalated_at BIGINT,
    version      BIGINT  NOT NULL DEFAULT 1,
    UNIQUE (handover_id, days)
);
CREATE INDEX follow_ups_pending ON follow_ups (municipality, due_day) WHERE answered_at IS NULL;
CREATE INDEX follow_ups_due ON follow_ups (due_day);
