-- The person across reports: one record per person and Ambito, to which the people of its
-- reports are attached. Names and aliases keep their source; the grams of every name serve the
-- candidate query at intake; links join two records found to be the same person, and are
-- undone by the same means (nothing is merged or deleted); corrections keep what was there.

CREATE TABLE persons (
    id                  INTEGER PRIMARY KEY,
    ambito_id           BIGINT  NOT NULL REFERENCES ambiti (id),
    -- The name shown: the last one typed or corrected; none for "sconosciuto".
    name                TEXT,
    sex                 TEXT    NOT NULL,
    birth_date          TEXT,
    birth_year          BIGINT,
    age_band            TEXT,
    -- Belfiore code of the municipality or foreign country of birth.
    birth_place         TEXT,
    citizenship         TEXT,
    fiscal_code         TEXT,
    languages           TEXT,
    needs_mediator      BIGINT  NOT NULL DEFAULT 0 CHECK (needs_mediator IN (0, 1)),
    residence           TEXT    REFERENCES municipalities (istat_code),
    contacts            TEXT,
    -- What every operator should know before meeting the person (a dog, a violent partner).
    safety_notes        TEXT,
    -- Names and grams written for it (0 for records carried over from before persons existed).
    indexed             BIGINT  NOT NULL DEFAULT 1 CHECK (indexed IN (0, 1)),
    -- The report person it was first made from, when carried over.
    first_report_person BIGINT,
    version             BIGINT  NOT NULL DEFAULT 1,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
CREATE INDEX persons_fiscal_code ON persons (ambito_id, fiscal_code);
CREATE INDEX persons_pending ON persons (indexed) WHERE indexed = 0;

CREATE TABLE person_names (
    id          INTEGER PRIMARY KEY,
    person_id   BIGINT  NOT NULL REFERENCES persons (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('name', 'alias')),
    value       TEXT    NOT NULL,
    -- Normalised: words without accents, lower case, in alphabetical order.
    name_key    TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL,
    -- The report it was typed in, when it was.
    report_id   BIGINT  REFERENCES reports (id),
    at          BIGINT  NOT NULL,
    UNIQUE (person_id, kind, value)
);

CREATE TABLE person_grams (
    ambito_id   BIGINT  NOT NULL,
    gram        TEXT    NOT NULL,
    person_id   BIGINT  NOT NULL REFERENCES persons (id),
    PRIMARY KEY (ambito_id, gram, person_id)
);
CREATE INDEX person_grams_person ON person_grams (person_id);

ALTER TABLE report_persons ADD COLUMN person_id BIGINT REFERENCES persons (id);
CREATE INDEX report_persons_person ON report_persons (person_id);

CREATE TABLE person_links (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    person_id       BIGINT  NOT NULL REFERENCES persons (id),
    other_id        BIGINT  NOT NULL REFERENCES persons (id),
    reason          TEXT    NOT NULL,
    linked_by       BIGINT  REFERENCES users (id),
    linked_at       BIGINT  NOT NULL,
    unlinked_by     BIGINT  REFERENCES users (id),
    unlinked_at     BIGINT,
    unlink_reason   TEXT,
    CHECK (person_id <> other_id)
);
CREATE INDEX person_links_person ON person_links (person_id);
CREATE INDEX person_links_other ON person_links (other_id);
-- At most one standing link between two records, whichever way round.
CREATE UNIQUE INDEX person_links_standing ON person_links (
    min(person_id, other_id), max(person_id, other_id)) WHERE unlinked_at IS NULL;

CREATE TABLE person_corrections (
    id          INTEGER PRIMARY KEY,
    person_id   BIGINT  NOT NULL REFERENCES persons (id),
    at          BIGINT  NOT NULL,
    actor_id    BIGINT  REFERENCES users (id),
    field       TEXT    NOT NULL,
    previous    TEXT,
    value       TEXT
);
CREATE INDEX person_corrections_person ON person_corrections (person_id, id);

-- Every person already in a report becomes a record of its own; its names and grams are
-- written when Presidio starts.
INSERT INTO persons (ambito_id, name, sex, birth_year, age_band, citizenship, fiscal_code,
    languages, needs_mediator, indexed, first_report_person, created_at, updated_at)
SELECT r.ambito_id, rp.name, rp.sex,
    CASE WHEN rp.age IS NULL THEN NULL ELSE r.year - rp.age END,
    rp.age_band, rp.citizenship, rp.fiscal_code, rp.language, rp.needs_mediator, 0, rp.id,
    r.received_at, r.received_at
FROM report_persons rp JOIN reports r ON r.id = rp.report_id;
UPDATE report_persons SET person_id =
    (SELECT p.id FROM persons p WHERE p.first_report_person = report_persons.id);
INSERT INTO person_names (person_id, kind, value, source, report_id, at)
SELECT p.id, 'name', rp.name, 'segnalazione', rp.report_id, p.created_at
FROM persons p JOIN report_persons rp ON rp.id = p.first_report_person WHERE rp.name IS NOT NULL;
INSERT INTO person_names (person_id, kind, value, source, report_id, at)
SELECT p.id, 'alias', rp.alias, 'segnalazione', rp.report_id, p.created_at
FROM persons p JOIN report_persons rp ON rp.id = p.first_report_person WHERE rp.alias IS NOT NULL;
