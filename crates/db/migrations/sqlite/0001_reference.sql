-- Reference data: Ambiti (tenants) and their municipalities.
-- Instants are BIGINT milliseconds since the epoch, UTC.
CREATE TABLE ambiti (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE municipalities (
    istat_code      TEXT    PRIMARY KEY CHECK (length(istat_code) = 6),
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    belfiore_code   TEXT    NOT NULL UNIQUE CHECK (length(belfiore_code) = 4),
    name            TEXT    NOT NULL,
    province        TEXT    NOT NULL,
    postal_code     TEXT,
    population      BIGINT  CHECK (population >= 0),
    patron_holiday  TEXT,
    version         BIGINT  NOT NULL DEFAULT 1,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE INDEX municipalities_ambito ON municipalities (ambito_id, name);
