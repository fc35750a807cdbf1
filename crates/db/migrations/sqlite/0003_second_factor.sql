-- Second factor: the stage a session is at, recovery codes, the roles that require it.
-- 'full': signed in; 'totp': password given, code awaited; 'enrol': must set up the second factor.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full'
    CHECK (stage IN ('full', 'totp', 'enrol'));

-- The last time step whose code was accepted: a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Only the SHA-256 of each code is kept.
CREATE TABLE recovery_codes (
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Roles whose users must use a second factor (an admin setting).
CREATE TABLE role_settings (
    role            TEXT    PRIMARY KEY,
    totp_required   BIGINT  NOT NULL DEFAULT 0 CHECK (totp_required IN (0, 1)),
    updated_at      BIGINT  NOT NULL
);
