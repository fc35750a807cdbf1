-- Households (nuclei): persons of one Ambito living together, each member related to the
-- household's reference person (the head, "persona di riferimento", as in the Italian family
-- record). A household is known by its head; a person belongs to at most one household at a
-- time. Members leave by a dated removal, never by deletion.
CREATE TABLE household_members (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    head_id         BIGINT  NOT NULL REFERENCES persons (id),
    person_id       BIGINT  NOT NULL REFERENCES persons (id),
    -- How the member is related to the head: genitore, figlio, partner, altro_familiare,
    -- convivente.
    relationship    TEXT    NOT NULL,
    -- The report it was recorded in, when it was.
    report_id       BIGINT  REFERENCES reports (id),
    added_by        BIGINT  REFERENCES users (id),
    added_at        BIGINT  NOT NULL,
    removed_by      BIGINT  REFERENCES users (id),
    removed_at      BIGINT,
    CHECK (head_id <> person_id)
);
CREATE INDEX household_members_head ON household_members (head_id);
-- A person is a member of one household at a time.
CREATE UNIQUE INDEX household_members_current ON household_members (person_id)
    WHERE removed_at IS NULL;

-- What the call-taker typed: how this person of the report is related to its first person.
ALTER TABLE report_persons ADD COLUMN relationship TEXT;
