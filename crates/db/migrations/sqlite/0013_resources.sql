-- The resource directory of an Ambito, with free places kept current by the operators.
CREATE TABLE resources (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    kind            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    provider        TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    confidentiality TEXT    NOT NULL CHECK (confidentiality IN ('pubblico', 'riservato', 'protetto')),
    capacity        BIGINT  NOT NULL CHECK (capacity >= 0),
    unit            TEXT    NOT NULL,
    contact         TEXT    NOT NULL,
    tariff_cents    BIGINT  NOT NULL CHECK (tariff_cents >= 0),
    notes           TEXT    NOT NULL,
    free            BIGINT  NOT NULL CHECK (free >= 0 AND free <= capacity),
    free_updated_at BIGINT,
    free_updated_by BIGINT  REFERENCES users (id),
    version         BIGINT  NOT NULL DEFAULT 1,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX resources_ambito ON resources (ambito_id, kind, name);
