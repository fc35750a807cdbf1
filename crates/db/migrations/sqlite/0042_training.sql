-- The training register: the topics an Ambito adds to the first ones, its courses, the
-- volunteers (not users) who attend them, who attended what (with the certificate, checked by
-- content and kept with its SHA-256), and the requirements per role. An Ambito with no
-- requirement row keeps the first ones; a removed requirement stays as a row, inactive.
CREATE TABLE training_topics (
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    code            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (ambito_id, code)
);

CREATE TABLE training_courses (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    title           TEXT    NOT NULL,
    provider        TEXT,
    -- AAAA-MM-GG.
    starts_on       TEXT    NOT NULL,
    ends_on         TEXT    NOT NULL,
    hours_tenths    BIGINT  NOT NULL CHECK (hours_tenths > 0),
    mode            TEXT    NOT NULL,
    -- Topic codes joined by commas.
    topics          TEXT    NOT NULL DEFAULT '',
    created_by      BIGINT  NOT NULL REFERENCES users (id),
    created_at      BIGINT  NOT NULL
);
CREATE INDEX training_courses_ambito ON training_courses (ambito_id, starts_on);

CREATE TABLE volunteers (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    name            TEXT    NOT NULL,
    organisation_id BIGINT  REFERENCES organisations (id),
    started_on      TEXT,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX volunteers_ambito ON volunteers (ambito_id, name);

CREATE TABLE training_attendance (
    id                  INTEGER PRIMARY KEY,
    course_id           BIGINT  NOT NULL REFERENCES training_courses (id),
    user_id             BIGINT  REFERENCES users (id),
    volunteer_id        BIGINT  REFERENCES volunteers (id),
    certificate_name    TEXT,
    certificate_size    BIGINT,
    certificate_sha256  TEXT,
    certificate         BLOB,
    recorded_by         BIGINT  NOT NULL REFERENCES users (id),
    recorded_at         BIGINT  NOT NULL,
    CHECK ((user_id IS NULL) <> (volunteer_id IS NULL))
);
CREATE UNIQUE INDEX training_attendance_user ON training_attendance (course_id, user_id);
CREATE UNIQUE INDEX training_attendance_volunteer
    ON training_attendance (course_id, volunteer_id);
CREATE INDEX training_attendance_person ON training_attendance (user_id);

CREATE TABLE training_requirements (
    id              INTEGER PRIMARY KEY,
    ambito_id       BIGINT  NOT NULL REFERENCES ambiti (id),
    role            TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    within_months   BIGINT,
    every_months    BIGINT,
    active          BIGINT  NOT NULL DEFAULT 1,
    UNIQUE (ambito_id, role, topic)
);
