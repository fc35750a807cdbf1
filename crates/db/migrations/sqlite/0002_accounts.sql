-- Accounts, roles, sessions, tokens, login throttling and the audit trail.
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (ambito_id, name)
);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    organisation_id     BIGINT  NOT NULL REFERENCES organisations (id),
    password_hash       TEXT    NOT NULL,
    password_changed_at BIGINT  NOT NULL,
    totp_secret         TEXT,
    totp_enabled_at     BIGINT,
    disabled_at         BIGINT,
    version             BIGINT  NOT NULL DEFAULT 1,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);

CREATE TABLE user_roles (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    UNIQUE (user_id, role, ambito_id)
);

CREATE TABLE user_role_municipalities (
    user_role_id    BIGINT  NOT NULL REFERENCES user_roles (id) ON DELETE CASCADE,
    istat_code      TEXT    NOT NULL REFERENCES municipalities (istat_code),
    PRIMARY KEY (user_role_id, istat_code)
);

-- The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id              TEXT    PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    last_seen_at    BIGINT  NOT NULL,
    client_ip       TEXT    NOT NULL,
    user_agent      TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    token_hash      TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL CHECK (kind IN ('login', 'integration')),
    created_by      BIGINT  REFERENCES users (id),
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    revoked_at      BIGINT,
    last_used_at    BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins per account ('account:<username>') and per address ('address:<ip>').
CREATE TABLE login_throttle (
    key             TEXT    PRIMARY KEY,
    failures        BIGINT  NOT NULL,
    window_start    BIGINT  NOT NULL,
    locked_until    BIGINT
);

-- One-time links that create the first administrator.
CREATE TABLE setup_tokens (
    token_hash  TEXT    PRIMARY KEY,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);

-- Append-only and hash-chained: each hash covers the row and the previous row's hash.
CREATE TABLE audit_log (
    seq             BIGINT  PRIMARY KEY,
    at              BIGINT  NOT NULL,
    actor_id        BIGINT,
    actor           TEXT    NOT NULL,
    organisation    TEXT    NOT NULL,
    role            TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    record_type     TEXT    NOT NULL,
    record_id       TEXT    NOT NULL,
    section         TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    client_ip       TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- The last entry written: appends lock this row, so the chain has one writer at a time.
CREATE TABLE audit_head (
    id      BIGINT  PRIMARY KEY CHECK (id = 1),
    seq     BIGINT  NOT NULL,
    hash    TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
