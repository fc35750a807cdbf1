-- no-transaction
-- A team may follow a person (across their reports) as well as one report: a membership names
-- one or the other. SQLite cannot drop NOT NULL in place, so the table is rebuilt with the
-- foreign keys off (the conferences and tasks referring to it keep their ids), in one
-- transaction; running it again after an interruption gives the same table.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE team_members_new (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    report_id       BIGINT  REFERENCES reports (id),
    person_id       BIGINT  REFERENCES persons (id),
    user_id         BIGINT  REFERENCES users (id),
    organisation_id BIGINT  REFERENCES organisations (id),
    role_in_case    TEXT    NOT NULL,
    sections        TEXT    NOT NULL,
    until_day       TEXT    NOT NULL,
    basis           TEXT    NOT NULL,
    consent         TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('invited', 'accepted', 'declined', 'removed')),
    invited_by      BIGINT  NOT NULL REFERENCES users (id),
    invited_at      BIGINT  NOT NULL,
    answered_by     BIGINT  REFERENCES users (id),
    answered_at     BIGINT,
    decline_reason  TEXT,
    removed_by      BIGINT  REFERENCES users (id),
    removed_at      BIGINT,
    version         BIGINT  NOT NULL DEFAULT 1,
    CHECK ((user_id IS NULL) <> (organisation_id IS NULL)),
    CHECK ((report_id IS NULL) <> (person_id IS NULL))
);
INSERT INTO team_members_new (id, ambito_id, report_id, user_id, organisation_id, role_in_case,
    sections, until_day, basis, consent, status, invited_by, invited_at, answered_by,
    answered_at, decline_reason, removed_by, removed_at, version)
SELECT id, ambito_id, report_id, user_id, organisation_id, role_in_case, sections, until_day,
    basis, consent, status, invited_by, invited_at, answered_by, answered_at, decline_reason,
    removed_by, removed_at, version
FROM team_members;
DROP TABLE team_members;
ALTER TABLE team_members_new RENAME TO team_members;
CREATE INDEX team_members_report ON team_members (report_id, status);
CREATE INDEX team_members_person ON team_members (person_id, status);
CREATE INDEX team_members_user ON team_members (user_id, status);
CREATE INDEX team_members_organisation ON team_members (organisation_id, status);
CREATE UNIQUE INDEX team_members_open_user ON team_members (report_id, user_id)
    WHERE status IN ('invited', 'accepted') AND user_id IS NOT NULL AND report_id IS NOT NULL;
CREATE UNIQUE INDEX team_members_open_organisation ON team_members (report_id, organisation_id)
    WHERE status IN ('invited', 'accepted') AND organisation_id IS NOT NULL
      AND report_id IS NOT NULL;
CREATE UNIQUE INDEX team_members_open_person_user ON team_members (person_id, user_id)
    WHERE status IN ('invited', 'accepted') AND user_id IS NOT NULL AND person_id IS NOT NULL;
CREATE UNIQUE INDEX team_members_open_person_organisation
    ON team_members (person_id, organisation_id)
    WHERE status IN ('invited', 'accepted') AND organisation_id IS NOT NULL
      AND person_id IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
