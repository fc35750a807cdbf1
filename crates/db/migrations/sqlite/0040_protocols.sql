-- Protocols and agreements of the network: parties, scope, validity, the procedures they
-- govern, renewals, the signed documents (checked by content, with their SHA-256), and the
-- reminders of their expiry sent to the coordinators (each once per last day).
CREATE TABLE protocols (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    title           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    -- Target group codes joined by commas; empty: every group.
    target_groups   TEXT    NOT NULL DEFAULT '',
    -- Target groups whose special procedure the protocol governs.
    procedures      TEXT    NOT NULL DEFAULT '',
    -- AAAA-MM-GG.
    signed_on       TEXT    NOT NULL,
    valid_until     TEXT    NOT NULL,
    summary         TEXT,
    -- When the reminders at 60 and 30 days were sent for the current last day.
    reminded_60_at  BIGINT,
    reminded_30_at  BIGINT,
    version         BIGINT  NOT NULL DEFAULT 1,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX protocols_until ON protocols (ambito_id, valid_until);

CREATE TABLE protocol_parties (
    protocol_id     BIGINT  NOT NULL REFERENCES protocols (id),
    organisation_id BIGINT  NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (protocol_id, organisation_id)
);

CREATE TABLE protocol_municipalities (
    protocol_id     BIGINT  NOT NULL REFERENCES protocols (id),
    istat_code      TEXT    NOT NULL REFERENCES municipalities (istat_code),
    PRIMARY KEY (protocol_id, istat_code)
);

-- Each renewal: the last day before and after.
CREATE TABLE protocol_renewals (
    id              INTEGER PRIMARY KEY,
    protocol_id     BIGINT  NOT NULL REFERENCES protocols (id),
    previous_until  TEXT    NOT NULL,
    valid_until     TEXT    NOT NULL,
    renewed_by      BIGINT  NOT NULL REFERENCES users (id),
    renewed_at      BIGINT  NOT NULL
);
CREATE INDEX protocol_renewals_protocol ON protocol_renewals (protocol_id, id);

CREATE TABLE protocol_documents (
    id              INTEGER PRIMARY KEY,
    protocol_id     BIGINT  NOT NULL REFERENCES protocols (id),
    name            TEXT    NOT NULL,
    size            BIGINT  NOT NULL,
    sha256          TEXT    NOT NULL,
    content         BLOB   NOT NULL,
    uploaded_by     BIGINT  NOT NULL REFERENCES users (id),
    uploaded_at     BIGINT  NOT NULL
);
CREATE INDEX protocol_documents_protocol ON protocol_documents (protocol_id, id);
