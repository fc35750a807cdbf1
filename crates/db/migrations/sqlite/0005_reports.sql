-- Reports (segnalazioni): the record, its people, who is assigned, its status history, its
-- triage decisions and its diary. History tables are append-only.

-- The last protocol number given per Ambito and year; incremented in the report's transaction,
-- so numbers are never skipped nor given twice.
CREATE TABLE report_counters (
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    year        BIGINT  NOT NULL,
    last        BIGINT  NOT NULL,
    PRIMARY KEY (ambito_id, year)
);

CREATE TABLE reports (
    id                      INTEGER PRIMARY KEY,
    ambito_id               BIGINT  NOT NULL REFERENCES ambiti (id),
    year                    BIGINT  NOT NULL,
    number                  BIGINT  NOT NULL,
    code                    TEXT    NOT NULL UNIQUE,
    received_at             BIGINT  NOT NULL,
    channel                 TEXT    NOT NULL,
    reporter_kind           TEXT    NOT NULL,
    reporter_organization   TEXT,
    reporter_name           TEXT,
    reporter_phone          TEXT,
    reporter_reference      TEXT,
    -- The organisation of the trusted reporter who sent it through Presidio, if one did.
    reporter_organisation_id BIGINT REFERENCES organisations (id),
    municipality            TEXT    REFERENCES municipalities (istat_code),
    outside_ambito          BIGINT  NOT NULL DEFAULT 0 CHECK (outside_ambito IN (0, 1)),
    place                   TEXT,
    current_location        TEXT,
    target_group            TEXT    NOT NULL,
    risk_flags              TEXT    NOT NULL DEFAULT '',
    description             TEXT    NOT NULL,
    flagged                 BIGINT  NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    protected               BIGINT  NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
    status                  TEXT    NOT NULL,
    status_at               BIGINT  NOT NULL,
    outcome                 TEXT,
    triaged_at              BIGINT,
    created_by              BIGINT  REFERENCES users (id),
    version                 BIGINT  NOT NULL DEFAULT 1,
    created_at              BIGINT  NOT NULL,
    updated_at              BIGINT  NOT NULL,
    UNIQUE (ambito_id, year, number)
);
CREATE INDEX reports_board ON reports (ambito_id, status, received_at);
CREATE INDEX reports_received ON reports (ambito_id, received_at);
CREATE INDEX reports_municipality ON reports (municipality, received_at);

CREATE TABLE report_persons (
    id                  INTEGER PRIMARY KEY,
    report_id           BIGINT  NOT NULL REFERENCES reports (id),
    position            BIGINT  NOT NULL,
    role                TEXT    NOT NULL,
    name                TEXT,
    alias               TEXT,
    sex                 TEXT    NOT NULL,
    age                 BIGINT,
    age_band            TEXT,
    citizenship         TEXT,
    fiscal_code         TEXT,
    language            TEXT,
    needs_mediator      BIGINT  NOT NULL DEFAULT 0 CHECK (needs_mediator IN (0, 1)),
    known_to_services   BIGINT  CHECK (known_to_services IN (0, 1)),
    UNIQUE (report_id, position)
);

-- Users taking care of a report (the one who recorded it first); they see protected records.
CREATE TABLE report_assignees (
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    since       BIGINT  NOT NULL,
    PRIMARY KEY (report_id, user_id)
);

CREATE TABLE report_events (
    id          INTEGER PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    at          BIGINT  NOT NULL,
    actor_id    BIGINT  REFERENCES users (id),
    status_from TEXT,
    status_to   TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE triages (
    id                      INTEGER PRIMARY KEY,
    report_id               BIGINT  NOT NULL REFERENCES reports (id),
    at                      BIGINT  NOT NULL,
    actor_id                BIGINT  REFERENCES users (id),
    outcome                 TEXT    NOT NULL,
    not_pertinent_reason    TEXT,
    redirected_to           TEXT,
    rationale               TEXT    NOT NULL,
    criteria                TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX triages_report ON triages (report_id, id);

CREATE TABLE diary_entries (
    id          INTEGER PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    at          BIGINT  NOT NULL,
    actor_id    BIGINT  REFERENCES users (id),
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    corrects    BIGINT  REFERENCES diary_entries (id)
);
CREATE INDEX diary_entries_report ON diary_entries (report_id, id);

CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events
BEGIN
    SELECT RAISE(ABORT, 'report_events is append-only');
END;

CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events
BEGIN
    SELECT RAISE(ABORT, 'report_events is append-only');
END;

CREATE TRIGGER triages_no_update BEFORE UPDATE ON triages
BEGIN
    SELECT RAISE(ABORT, 'triages is append-only');
END;

CREATE TRIGGER triages_no_delete BEFORE DELETE ON triages
BEGIN
    SELECT RAISE(ABORT, 'triages is append-only');
END;

CREATE TRIGGER diary_entries_no_update BEFORE UPDATE ON diary_entries
BEGIN
    SELECT RAISE(ABORT, 'diary_entries is append-only');
END;

CREATE TRIGGER diary_entries_no_delete BEFORE DELETE ON diary_entries
BEGIN
    SELECT RAISE(ABORT, 'diary_entries is append-only');
END;
