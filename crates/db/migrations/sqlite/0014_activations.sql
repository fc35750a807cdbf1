-- A resource used for a case: its places are held from the booking until it ends or is
-- cancelled (a hold not confirmed by held_until lapses).
CREATE TABLE activations (
    id          INTEGER PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    resource_id BIGINT  NOT NULL REFERENCES resources (id),
    status      TEXT    NOT NULL CHECK (status IN ('held', 'confirmed', 'started', 'ended', 'cancelled')),
    places      BIGINT  NOT NULL CHECK (places >= 1),
    nights      BIGINT  NOT NULL CHECK (nights >= 1),
    cost_cents  BIGINT  NOT NULL CHECK (cost_cents >= 0),
    held_until  BIGINT  NOT NULL,
    created_by  BIGINT  REFERENCES users (id),
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX activations_report ON activations (report_id);
CREATE INDEX activations_holds ON activations (status, held_until);
