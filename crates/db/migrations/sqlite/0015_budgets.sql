-- The current budget of each Ambito for a period (days from_day..=to_day, YYYY-MM-DD).
CREATE TABLE budgets (
    ambito_id       BIGINT  PRIMARY KEY REFERENCES ambiti (id),
    amount_cents    BIGINT  NOT NULL CHECK (amount_cents >= 0),
    from_day        TEXT    NOT NULL,
    to_day          TEXT    NOT NULL,
    version         BIGINT  NOT NULL DEFAULT 1,
    updated_at      BIGINT  NOT NULL
);
