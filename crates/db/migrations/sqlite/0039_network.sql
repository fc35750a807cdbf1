-- The network directory: what the night needs of each organisation of the Ambito (the same
-- records as the accounts' and the resources' organisations): when it answers, notes, the
-- target groups and municipalities it covers (none listed: all of them), and its contacts.
ALTER TABLE organisations ADD COLUMN availability TEXT;
ALTER TABLE organisations ADD COLUMN notes TEXT;
-- Target group codes joined by commas; empty: every group.
ALTER TABLE organisations ADD COLUMN target_groups TEXT NOT NULL DEFAULT '';

CREATE TABLE organisation_municipalities (
    organisation_id BIGINT  NOT NULL REFERENCES organisations (id),
    istat_code      TEXT    NOT NULL REFERENCES municipalities (istat_code),
    PRIMARY KEY (organisation_id, istat_code)
);

-- A line to call or write to: 24-hour or office, with its referent. Replaced as a whole when the
-- card is saved; kept in the order typed.
CREATE TABLE organisation_contacts (
    id              INTEGER PRIMARY KEY,
    organisation_id BIGINT  NOT NULL REFERENCES organisations (id),
    position        BIGINT  NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('h24', 'ufficio')),
    label           TEXT    NOT NULL,
    phone           TEXT,
    pec             TEXT,
    email           TEXT,
    -- When it answers, in words.
    hours           TEXT,
    referent        TEXT,
    referent_role   TEXT
);
CREATE INDEX organisation_contacts_organisation ON organisation_contacts (organisation_id, position);
