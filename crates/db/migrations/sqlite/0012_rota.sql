-- Weekly rota patterns that generate shifts, and requests to swap a shift.
CREATE TABLE rota_entries (
    id          INTEGER PRIMARY KEY,
    ambito_id   BIGINT  NOT NULL REFERENCES ambiti (id),
    weekday     BIGINT  NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute BIGINT NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute  BIGINT  NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
    extra_days  BIGINT  NOT NULL DEFAULT 0 CHECK (extra_days BETWEEN 0 AND 6),
    role        TEXT    NOT NULL,
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    phone       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX rota_entries_ambito ON rota_entries (ambito_id, weekday);

CREATE TABLE shift_swaps (
    id          INTEGER PRIMARY KEY,
    shift_id    BIGINT  NOT NULL REFERENCES shifts (id) ON DELETE CASCADE,
    requested_by BIGINT NOT NULL REFERENCES users (id),
    to_user_id  BIGINT  NOT NULL REFERENCES users (id),
    note        TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'requested'
                CHECK (status IN ('requested', 'approved', 'refused')),
    decided_by  BIGINT  REFERENCES users (id),
    decided_at  BIGINT,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX shift_swaps_status ON shift_swaps (status, shift_id);
