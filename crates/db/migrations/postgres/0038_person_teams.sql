-- A team may follow a person (across their reports) as well as one report: a membership names
-- one or the other.
ALTER TABLE team_members ALTER COLUMN report_id DROP NOT NULL;
ALTER TABLE team_members ADD COLUMN person_id BIGINT REFERENCES persons (id);
ALTER TABLE team_members ADD CONSTRAINT team_members_scope
    CHECK ((report_id IS NULL) <> (person_id IS NULL));
CREATE INDEX team_members_person ON team_members (person_id, status);
CREATE UNIQUE INDEX team_members_open_person_user ON team_members (person_id, user_id)
    WHERE status IN ('invited', 'accepted') AND user_id IS NOT NULL AND person_id IS NOT NULL;
CREATE UNIQUE INDEX team_members_open_person_organisation
    ON team_members (person_id, organisation_id)
    WHERE status IN ('invited', 'accepted') AND organisation_id IS NOT NULL
      AND person_id IS NOT NULL;
