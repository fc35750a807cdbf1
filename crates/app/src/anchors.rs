//! External anchoring of the audit chain: the chain's head (entry number, hash, time) appended
//! at intervals to a file in a folder outside the database, and e-mailed to an address when one
//! is configured. `presidio audit verify --anchors DIR` then checks the chain against every
//! anchor, which catches what the chain alone cannot: the whole chain rewritten with fresh
//! hashes, or its end cut off together with the head.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use presidio_db::{Db, DbError};
use presidio_domain::audit::Anchor;
use presidio_domain::time::UtcMillis;

/// The file, inside the anchors folder, that anchors are appended to (one JSON object a line).
pub const FILE: &str = "presidio-audit-anchors.jsonl";

/// Where and how often the chain's head is anchored.
#[derive(Debug, Clone)]
pub struct AnchorConfig {
    pub dir: PathBuf,
    pub every: std::time::Duration,
    /// An address that receives each anchor too.
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{path}: {error}")]
    File { path: String, error: std::io::Error },
    #[error("{path}, line {line}: not an anchor")]
    Line { path: String, line: usize },
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> AnchorError + '_ {
    move |error| AnchorError::File {
        path: path.display().to_string(),
        error,
    }
}

/// Appends the chain's head at `now` to the anchors file in `dir` (created 0700 / 0600), synced
/// to disk before it returns.
pub async fn write(db: &Db, dir: &Path, now: UtcMillis) -> Result<Anchor, AnchorError> {
    let anchor = db.audit_anchor(now).await?;
    let line = serde_json::to_string(&anchor).expect("an anchor serialises") + "\n";
    let dir = dir.to_owned();
    let path = dir.join(FILE);
    tokio::task::spawn_blocking(move || {
        presidio_db::files::private_dir(&dir).map_err(file_error(&dir))?;
        let mut file = presidio_db::files::append_private(&path).map_err(file_error(&path))?;
        file.write_all(line.as_bytes()).map_err(file_error(&path))?;
        file.sync_all().map_err(file_error(&path))
    })
    .await
    .expect("the anchor writer does not panic")?;
    Ok(anchor)
}

/// Every anchor kept in `dir`, oldest first.
pub fn read_all(dir: &Path) -> Result<Vec<Anchor>, AnchorError> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(file_error(&path))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|_| AnchorError::Line {
                path: path.display().to_string(),
                line: i + 1,
            })
        })
        .collect()
}
