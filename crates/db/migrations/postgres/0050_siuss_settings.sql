-- What an Ambito sets for SIUSS: the body sending the flows, and which CodicePrestazione each
-- kind of intervention and activation becomes (no row: no code, no flow).
CREATE TABLE siuss_settings (
    ambito_id       BIGINT  PRIMARY KEY REFERENCES ambiti (id),
    body_code       TEXT    NOT NULL,
    body_name       TEXT    NOT NULL,
    seat            TEXT    NOT NULL,
    operator        TEXT    NOT NULL,
    version         BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE TABLE siuss_mappings (
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    kind            TEXT    NOT NULL,
    code            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    PRIMARY KEY (ambito_id, kind)
);
