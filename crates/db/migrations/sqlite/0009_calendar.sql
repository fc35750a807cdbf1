-- The service calendar of each municipality (see the domain's calendar module): weekly opening
-- hours of the social service, local holidays and ad-hoc closures. National holidays are rules
-- in the code, not data.

-- Absent: Monday–Friday 08:30–17:00. The seven days separated by '|', Monday first, each as
-- "08:30-12:30, 14:00-17:00" (empty when closed).
CREATE TABLE service_hours (
    istat_code  TEXT    PRIMARY KEY REFERENCES municipalities (istat_code),
    hours       TEXT    NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE local_holidays (
    id          INTEGER PRIMARY KEY,
    istat_code  TEXT    NOT NULL REFERENCES municipalities (istat_code),
    month       BIGINT  NOT NULL CHECK (month BETWEEN 1 AND 12),
    day         BIGINT  NOT NULL CHECK (day BETWEEN 1 AND 31),
    name        TEXT    NOT NULL,
    from_year   BIGINT,
    to_year     BIGINT,
    source      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX local_holidays_municipality ON local_holidays (istat_code);

-- A strike, a staff assembly, a pre-holiday afternoon: all day when the minutes are empty.
CREATE TABLE service_closures (
    id              INTEGER PRIMARY KEY,
    istat_code      TEXT    NOT NULL REFERENCES municipalities (istat_code),
    day             TEXT    NOT NULL,
    start_minute    BIGINT  CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute      BIGINT  CHECK (end_minute BETWEEN 0 AND 1440),
    reason          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX service_closures_municipality ON service_closures (istat_code, day);

-- The patron saints' days already known become local holidays.
INSERT INTO local_holidays (istat_code, month, day, name, source, created_at)
SELECT istat_code, CAST(substr(patron_holiday, 1, 2) AS BIGINT),
       CAST(substr(patron_holiday, 4, 2) AS BIGINT), 'Festa patronale',
       'Anagrafica dei comuni', 0
FROM municipalities WHERE patron_holiday IS NOT NULL AND patron_holiday <> '';
