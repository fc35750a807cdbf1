//! Database URLs: `sqlite://PATH` (relative or, with a third slash, absolute) or `postgres://…`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::DbError;

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl FromStr for DatabaseUrl {
    type Err = DbError;

    fn from_str(raw: &str) -> Result<Self, DbError> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(DbError::Url("sqlite_path_required".into()));
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(Self::Postgres(raw.to_owned()))
        } else {
            Err(DbError::Url("unknown_scheme".into()))
        }
    }
}

/// Shows the URL without its password, so it can be printed and logged.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => {
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                write!(f, "sqlite://{}", shown.display())
            }
            Self::Postgres(url) => {
                let Some((scheme, rest)) = url.split_once("://") else {
                    return f.write_str("postgres://");
                };
                match rest.rsplit_once('@') {
                    Some((user_info, host)) => {
                        let user = user_info.split(':').next().unwrap_or_default();
                        write!(f, "{scheme}://{user}:***@{host}")
                    }
                    None => write!(f, "{scheme}://{rest}"),
                }
            }
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_relative_and_absolute() {
        let rel: DatabaseUrl = "sqlite://data/presidio.db".parse().unwrap();
        assert_eq!(rel, DatabaseUrl::Sqlite("data/presidio.db".into()));
        let abs: DatabaseUrl = "sqlite:///var/lib/presidio/p.db?mode=rwc".parse().unwrap();
        assert_eq!(abs, DatabaseUrl::Sqlite("/var/lib/presidio/p.db".into()));
    }

    #[test]
    fn postgres_password_is_never_shown() {
        let url: DatabaseUrl = "postgres://presidio:s3cret@db.local:5432/presidio"
            .parse()
            .unwrap();
        let shown = url.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(shown, "postgres://presidio:***@db.local:5432/presidio");
    }

    #[test]
    fn other_schemes_are_refused() {
        for bad in [
            "mysql://x",
            "data/presidio.db",
            "sqlite://",
            "sqlite::memory:",
        ] {
            assert!(bad.parse::<DatabaseUrl>().is_err(), "{bad}");
        }
    }
}
