//! Online backups: a consistent copy of the database while sync keeps writing, and a
//! rotating daily copy in the data folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

/// Copies the database at `source` to `target` with SQLite's online backup, a few pages at
/// a time so writers are never held up for long. The copy is checked before it is moved
/// into place, so `target` is either the old file or a complete new one.
pub fn backup_to(source: &Path, target: &Path) -> Result<()> {
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {} for backup", source.display()))?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = target.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    {
        let mut dst = Connection::open(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let backup = Backup::new(&src, &mut dst).context("starting the backup")?;
        backup
            .run_to_completion(256, Duration::from_millis(5), None)
            .context("copying the database")?;
        drop(backup);
        // A backup is one self-contained file: no WAL beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")
            .context("finishing the backup file")?;
    }
    let check = Connection::open_with_flags(&partial, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    drop(check);
    anyhow::ensure!(
        verdict == "ok",
        "the backup copy failed its integrity check: {verdict}"
    );
    std::fs::rename(&partial, target)
        .with_context(|| format!("moving the backup to {}", target.display()))?;
    Ok(())
}

/// Makes today's backup in `dir` unless it exists, and keeps only the newest `keep`.
/// Returns the path written, if any.
pub fn rotate_daily(
    source: &Path,
    dir: &Path,
    today: NaiveDate,
    keep: usize,
) -> Result<Option<PathBuf>> {
    let name = format!("agentiq-{}.db", today.format("%Y-%m-%d"));
    let target = dir.join(&name);
    let written = if target.exists() {
        None
    } else {
        backup_to(source, &target)?;
        Some(target)
    };
    let mut existing: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("agentiq-") && n.ends_with(".db"))
        })
        .collect();
    // Names carry the date, so the name order is the age order.
    existing.sort();
    let excess = existing.len().saturating_sub(keep.max(1));
    for old in existing.into_iter().take(excess) {
        std::fs::remove_file(&old)
            .with_context(|| format!("removing old backup {}", old.display()))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn backup_is_a_complete_copy_and_rotation_keeps_seven() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("agentiq.db")).unwrap();
        let conn = Connection::open(store.path()).unwrap();
        crate::store::upsert_account(&conn, "Уютный дом", crate::domain::Marketplace::Wb).unwrap();
        let copy = dir.path().join("copy.db");
        backup_to(store.path(), &copy).unwrap();
        let c = Connection::open(&copy).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);

        let backups = dir.path().join("backups");
        for day in 1..=10 {
            let date = NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
            let written = rotate_daily(store.path(), &backups, date, 7).unwrap();
            assert!(written.is_some());
            assert!(
                rotate_daily(store.path(), &backups, date, 7)
                    .unwrap()
                    .is_none(),
                "once a day"
            );
        }
        let mut left: Vec<_> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left.len(), 7);
        assert_eq!(left[0], "agentiq-2026-11-04.db");
    }
}
