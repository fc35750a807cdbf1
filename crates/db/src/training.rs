//! The training register: topics added by an Ambito, courses, volunteers, attendance with its
//! certificate, and the requirements per role. Every change is one transaction with its audit
//! entry.

use presidio_domain::audit::Entry;
use presidio_domain::reference::AmbitoId;
use presidio_domain::training::{Course, Requirement, Volunteer};

use crate::audit::append;
use crate::{Db, DbError, dispatch, now};

/// A course as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredCourse {
    pub id: i64,
    pub ambito_id: i64,
    pub title: String,
    pub provider: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub hours_tenths: i64,
    pub mode: String,
    /// Topic codes joined by commas.
    pub topics: String,
    pub attendees: i64,
}

/// One attendance: a user's or a volunteer's, with the certificate's name and checksum.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAttendance {
    pub id: i64,
    pub course_id: i64,
    pub user_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub name: String,
    pub organisation: Option<String>,
    pub certificate_name: Option<String>,
    pub certificate_size: Option<i64>,
    pub certificate_sha256: Option<String>,
}

/// A volunteer as stored, with the name of their organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredVolunteer {
    pub id: i64,
    pub ambito_id: i64,
    pub name: String,
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub started_on: Option<String>,
}

/// A requirement as stored; an inactive one was removed by the coordinators.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredRequirement {
    pub role: String,
    pub topic: String,
    pub within_months: Option<i64>,
    pub every_months: Option<i64>,
    pub active: i64,
}

/// A user who works in an Ambito under a role, since their account was made.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Trainee {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub created_at: i64,
}

/// One course attended by a user of an Ambito: its topics and last day.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attended {
    pub user_id: i64,
    pub topics: String,
    pub ends_on: String,
}

/// One line of the register's export: a course and one of its attendees.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrainingRecord {
    pub course_id: i64,
    pub title: String,
    pub provider: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub hours_tenths: i64,
    pub mode: String,
    pub topics: String,
    pub user_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub name: String,
    pub organisation: Option<String>,
    pub certified: i64,
}

fn audited(audit: &Entry, record: &str, id: i64) -> Entry {
    let mut entry = audit.clone().record(record, id);
    "training".clone_into(&mut entry.section);
    entry
}

/// Writes the first requirements of `$ambito` (inactive ones: none) when it has no row yet,
/// inside transaction `$tx`.
macro_rules! keep_first_requirements {
    ($tx:ident, $ambito:expr, $first:expr) => {{
        let (rows,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM training_requirements WHERE ambito_id = $1")
                .bind($ambito)
                .fetch_one(&mut *$tx)
                .await?;
        if rows == 0 {
            for r in $first {
                sqlx::query(
                    "INSERT INTO training_requirements (ambito_id, role, topic, within_months,
                        every_months)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind($ambito)
                .bind(r.role.code())
                .bind(&r.topic)
                .bind(r.within_months.map(i64::from))
                .bind(r.every_months.map(i64::from))
                .execute(&mut *$tx)
                .await?;
            }
        }
    }};
}

impl Db {
    /// The topics `ambito` added to the first ones: (code, name), by name.
    pub async fn training_topics(
        &self,
        ambito: AmbitoId,
    ) -> Result<Vec<(String, String)>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT code, name FROM training_topics WHERE ambito_id = $1 ORDER BY name",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Adds topic `code` named `name` to `ambito`'s list (`Conflict` when the code is taken),
    /// with its audit entry.
    pub async fn add_training_topic(
        &self,
        ambito: AmbitoId,
        code: &str,
        name: &str,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let done = sqlx::query(
                    "INSERT INTO training_topics (ambito_id, code, name, created_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(ambito.0)
                .bind(code)
                .bind(name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(DbError::Conflict);
                }
                let mut entry = audited(audit, "training_topic", ambito.0);
                entry.reason = format!("topic={code}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// The courses of `ambito` (or, with `id`, that one), latest first, with how many attended.
    pub async fn training_courses(
        &self,
        ambito: AmbitoId,
        id: Option<i64>,
    ) -> Result<Vec<StoredCourse>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT c.id, c.ambito_id, c.title, c.provider, c.starts_on, c.ends_on,
                        c.hours_tenths, c.mode, c.topics,
                        (SELECT COUNT(*) FROM training_attendance a WHERE a.course_id = c.id)
                            AS attendees
                     FROM training_courses c WHERE c.ambito_id = $1 AND ($2 IS NULL OR c.id = $2)
                     ORDER BY c.starts_on DESC, c.id DESC",
                )
                .bind(ambito.0)
                .bind(id)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// The Ambito of course `id`.
    pub async fn course_ambito(&self, id: i64) -> Result<AmbitoId, DbError> {
        let found: Option<(i64,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT ambito_id FROM training_courses WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
            }
        )?;
        found.map(|(a,)| AmbitoId(a)).ok_or(DbError::NotFound)
    }

    /// Records course `c` of `ambito`, with its audit entry.
    pub async fn add_course(
        &self,
        ambito: AmbitoId,
        c: &Course,
        by: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO training_courses (ambito_id, title, provider, starts_on, ends_on,
                        hours_tenths, mode, topics, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(ambito.0)
                .bind(&c.title)
                .bind(c.provider.as_deref())
                .bind(c.date.to_string())
                .bind(c.ends_on.to_string())
                .bind(c.hours_tenths)
                .bind(c.mode.code())
                .bind(c.topics.join(","))
                .bind(by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audited(audit, "course", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Who attended course `course`, by name.
    pub async fn course_attendance(&self, course: i64) -> Result<Vec<StoredAttendance>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT a.id, a.course_id, a.user_id, a.volunteer_id,
                        COALESCE(u.name, v.name) AS name,
                        COALESCE(uo.name, vo.name) AS organisation,
                        a.certificate_name, a.certificate_size, a.certificate_sha256
                     FROM training_attendance a
                     LEFT JOIN users u ON u.id = a.user_id
                     LEFT JOIN organisations uo ON uo.id = u.organisation_id
                     LEFT JOIN volunteers v ON v.id = a.volunteer_id
                     LEFT JOIN organisations vo ON vo.id = v.organisation_id
                     WHERE a.course_id = $1 ORDER BY name, a.id",
                )
                .bind(course)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Records that user `user` or volunteer `volunteer` attended course `course`
    /// (`Conflict` when already recorded), with its audit entry.
    pub async fn add_attendance(
        &self,
        course: i64,
        user: Option<i64>,
        volunteer: Option<i64>,
        by: i64,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let added: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO training_attendance (course_id, user_id, volunteer_id,
                        recorded_by, recorded_at)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(course)
                .bind(user)
                .bind(volunteer)
                .bind(by)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = added else {
                    return Err(DbError::Conflict);
                };
                let mut entry = audited(audit, "course", course);
                entry.reason = match (user, volunteer) {
                    (Some(u), _) => format!("attendance={id} user={u}"),
                    (_, v) => format!("attendance={id} volunteer={}", v.unwrap_or_default()),
                };
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Keeps the certificate of attendance `attendance` of course `course` (replacing an
    /// earlier one) with its SHA-256, with its audit entry.
    pub async fn attach_certificate(
        &self,
        course: i64,
        attendance: i64,
        name: &str,
        content: &[u8],
        sha256: &str,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE training_attendance SET certificate_name = $3, certificate_size = $4,
                        certificate_sha256 = $5, certificate = $6
                     WHERE id = $1 AND course_id = $2",
                )
                .bind(attendance)
                .bind(course)
                .bind(name)
                .bind(size)
                .bind(sha256)
                .bind(content)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(DbError::NotFound);
                }
                let mut entry = audited(audit, "course", course);
                "certificate".clone_into(&mut entry.section);
                entry.reason = format!("attendance={attendance} sha256={sha256}");
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// The certificate of attendance `attendance` of course `course`: its name and content.
    pub async fn certificate(
        &self,
        course: i64,
        attendance: i64,
    ) -> Result<(String, Vec<u8>), DbError> {
        let found: Option<(Option<String>, Option<Vec<u8>>)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT certificate_name, certificate FROM training_attendance
                     WHERE id = $1 AND course_id = $2",
                )
                .bind(attendance)
                .bind(course)
                .fetch_optional(pool)
                .await
            }
        )?;
        match found {
            Some((Some(name), Some(content))) => Ok((name, content)),
            _ => Err(DbError::NotFound),
        }
    }

    /// The volunteers of `ambito`, by name.
    pub async fn volunteers(&self, ambito: AmbitoId) -> Result<Vec<StoredVolunteer>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT v.id, v.ambito_id, v.name, v.organisation_id, o.name AS organisation,
                        v.started_on
                     FROM volunteers v LEFT JOIN organisations o ON o.id = v.organisation_id
                     WHERE v.ambito_id = $1 ORDER BY v.name, v.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Adds volunteer `v` to `ambito`'s register, with its audit entry.
    pub async fn add_volunteer(
        &self,
        ambito: AmbitoId,
        v: &Volunteer,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO volunteers (ambito_id, name, organisation_id, started_on,
                        created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(ambito.0)
                .bind(&v.name)
                .bind(v.organisation_id)
                .bind(v.started_on.map(|d| d.to_string()))
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audited(audit, "volunteer", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// The requirements of `ambito` as stored, the removed ones too; none stored: it keeps
    /// the first ones.
    pub async fn training_requirements(
        &self,
        ambito: AmbitoId,
    ) -> Result<Vec<StoredRequirement>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT role, topic, within_months, every_months, active
                     FROM training_requirements WHERE ambito_id = $1 ORDER BY role, topic",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Sets requirement `r` of `ambito` (a new one, or new months for its role and topic), or
    /// with `remove` takes it away; the first requirements are written first when the Ambito
    /// kept them until now. With its audit entry.
    pub async fn save_requirement(
        &self,
        ambito: AmbitoId,
        r: &Requirement,
        remove: bool,
        first: &[Requirement],
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                keep_first_requirements!(tx, ambito.0, first);
                sqlx::query(
                    "INSERT INTO training_requirements (ambito_id, role, topic, within_months,
                        every_months, active)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (ambito_id, role, topic) DO UPDATE SET
                        within_months = CASE WHEN $6 = 1 THEN $4
                            ELSE training_requirements.within_months END,
                        every_months = CASE WHEN $6 = 1 THEN $5
                            ELSE training_requirements.every_months END,
                        active = $6",
                )
                .bind(ambito.0)
                .bind(r.role.code())
                .bind(&r.topic)
                .bind(r.within_months.map(i64::from))
                .bind(r.every_months.map(i64::from))
                .bind(i64::from(!remove))
                .execute(&mut *tx)
                .await?;
                let mut entry = audited(audit, "training_requirement", ambito.0);
                entry.reason = format!(
                    "{} role={} topic={}",
                    if remove { "removed" } else { "set" },
                    r.role.code(),
                    r.topic
                );
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// The users working in `ambito` (accounts not disabled), one line per role.
    pub async fn trainees(&self, ambito: AmbitoId) -> Result<Vec<Trainee>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT u.id AS user_id, u.name, r.role, u.created_at
                     FROM user_roles r JOIN users u ON u.id = r.user_id
                     WHERE r.ambito_id = $1 AND u.disabled_at IS NULL
                     ORDER BY u.name, u.id, r.role",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// The courses (of any Ambito) attended by the users working in `ambito`.
    pub async fn attended(&self, ambito: AmbitoId) -> Result<Vec<Attended>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT a.user_id, c.topics, c.ends_on
                     FROM training_attendance a JOIN training_courses c ON c.id = a.course_id
                     WHERE a.user_id IN (SELECT user_id FROM user_roles WHERE ambito_id = $1)",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Every attendance of the courses of `ambito`, with its course: for the hours per person
    /// and the export. By course day, then name.
    pub async fn training_records(&self, ambito: AmbitoId) -> Result<Vec<TrainingRecord>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT c.id AS course_id, c.title, c.provider, c.starts_on, c.ends_on,
                        c.hours_tenths, c.mode, c.topics, a.user_id, a.volunteer_id,
                        COALESCE(u.name, v.name) AS name,
                        COALESCE(uo.name, vo.name) AS organisation,
                        CAST(CASE WHEN a.certificate_sha256 IS NULL THEN 0 ELSE 1 END AS BIGINT)
                            AS certified
                     FROM training_attendance a
                     JOIN training_courses c ON c.id = a.course_id
                     LEFT JOIN users u ON u.id = a.user_id
                     LEFT JOIN organisations uo ON uo.id = u.organisation_id
                     LEFT JOIN volunteers v ON v.id = a.volunteer_id
                     LEFT JOIN organisations vo ON vo.id = v.organisation_id
                     WHERE c.ambito_id = $1
                     ORDER BY c.starts_on, c.id, name, a.id",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }
}
