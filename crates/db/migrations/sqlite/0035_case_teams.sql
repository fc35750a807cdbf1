-- The team of a case: a user, or an organisation whose partner users share the grant, invited
-- with a role in the case, the sections opened, a last day and the lawful basis of the sharing.
-- The member accepts or declines; removal ends it. Nothing is deleted.
CREATE TABLE team_members (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    report_id       BIGINT  NOT NULL REFERENCES reports (id),
    user_id         BIGINT  REFERENCES users (id),
    organisation_id BIGINT  REFERENCES organisations (id),
    role_in_case    TEXT    NOT NULL,
    -- Section codes joined by commas.
    sections        TEXT    NOT NULL,
    -- AAAA-MM-GG: the last day of the grant.
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
    CHECK ((user_id IS NULL) <> (organisation_id IS NULL))
);
CREATE INDEX team_members_report ON team_members (report_id, status);
CREATE INDEX team_members_user ON team_members (user_id, status);
CREATE INDEX team_members_organisation ON team_members (organisation_id, status);
-- One open membership (invited or accepted) per member and case.
CREATE UNIQUE INDEX team_members_open_user ON team_members (report_id, user_id)
    WHERE status IN ('invited', 'accepted') AND user_id IS NOT NULL;
CREATE UNIQUE INDEX team_members_open_organisation ON team_members (report_id, organisation_id)
    WHERE status IN ('invited', 'accepted') AND organisation_id IS NOT NULL;
