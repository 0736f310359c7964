//! Online backups: a consistent copy of the database while sync keeps writing, and a
//! rotating daily copy in the data folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// What a backup in progress is called beside its target; [`clean_partials`] removes any
/// an interrupted run left behind.
const PARTIAL: &str = ".partial";

/// Copies the database at `source` to `target` with SQLite's online backup while other
/// connections keep writing. The pages are copied in one step inside one read
/// transaction: a snapshot, so a writer's commit does not restart the copy (as it does
/// between the steps of a stepped backup), and in WAL mode the writer is not held up.
/// The copy is checked before it is moved into place, so `target` is either the old file
/// or a complete new one; on any error the partial copy is removed.
pub fn backup_to(source: &Path, target: &Path) -> Result<()> {
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {} for backup", source.display()))?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = Partial::new(with_suffix(target, PARTIAL))?;
    {
        let mut dst = Connection::open(&partial.path)
            .with_context(|| format!("creating {}", partial.path.display()))?;
        let backup = Backup::new(&src, &mut dst).context("starting the backup")?;
        match backup.step(-1).context("copying the database")? {
            StepResult::Done => {}
            other => anyhow::bail!("the backup stopped before the end: {other:?}"),
        }
        drop(backup);
        // A backup is one self-contained file: no WAL beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")
            .context("finishing the backup file")?;
    }
    let check = Connection::open_with_flags(&partial.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // `quick_check` reads every page and checks the b-trees; the index-to-table
    // comparison of `integrity_check` would take longer than the copy itself on a large
    // store, and a page-for-page copy of a consistent snapshot cannot disagree there.
    let verdict: String = check.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    drop(check);
    anyhow::ensure!(
        verdict == "ok",
        "the backup copy failed its check: {verdict}"
    );
    partial.commit(target)
}

/// A backup being written; removed with its journal files unless moved into place.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Partial {
    /// Starts afresh: whatever an earlier run left under this name goes first.
    fn new(path: PathBuf) -> Result<Partial> {
        let partial = Partial { path, done: false };
        partial.remove()?;
        Ok(partial)
    }

    fn commit(mut self, target: &Path) -> Result<()> {
        std::fs::rename(&self.path, target)
            .with_context(|| format!("moving the backup to {}", target.display()))?;
        self.done = true;
        self.remove()
    }

    /// The partial file and the journal files SQLite may have left beside it.
    fn remove(&self) -> Result<()> {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let file = with_suffix(&self.path, suffix);
            if self.done && suffix.is_empty() {
                continue;
            }
            remove_if_present(&file)?;
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            if let Err(err) = self.remove() {
                tracing::warn!(error = %format!("{err:#}"), "removing a partial backup");
            }
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

/// Removes the partial backups (and their journal files) a killed process left in `dir`:
/// `*.partial`, `*.partial-journal`, ... and the older `agentiq-DATE.partial` names.
pub fn clean_partials(dir: &Path) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    let mut removed = 0;
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(PARTIAL) || name.contains(".partial-") {
            remove_if_present(&entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Makes today's backup in `dir` unless it exists, and keeps only the newest `keep`.
/// Returns the path written, if any.
pub fn rotate_daily(
    source: &Path,
    dir: &Path,
    today: NaiveDate,
    keep: usize,
) -> Result<Option<PathBuf>> {
    // A run killed mid-copy (the app quit, the machine went down) left its partial file.
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clean_partials(dir)?;
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

    #[test]
    fn a_backup_completes_while_another_connection_writes() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{mpsc, Arc};

        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("agentiq.db")).unwrap();
        let conn = Connection::open(store.path()).unwrap();
        conn.execute_batch(
            "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
             WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 20000)
             INSERT INTO filler (body) SELECT printf('%.1000c', 'x') FROM n;",
        )
        .unwrap();
        drop(conn);

        let stop = Arc::new(AtomicBool::new(false));
        let (started, first_commit) = mpsc::channel();
        let writer = {
            let stop = Arc::clone(&stop);
            let path = store.path().to_path_buf();
            std::thread::spawn(move || {
                let conn = Connection::open(&path).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(10))
                    .unwrap();
                let mut commits = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    conn.execute(
                        "INSERT INTO filler (body) VALUES (printf('%.1000c', 'y'))",
                        [],
                    )
                    .unwrap();
                    commits += 1;
                    if commits == 1 {
                        started.send(()).unwrap();
                    }
                }
                commits
            })
        };
        first_commit
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        let copy = dir.path().join("copy.db");
        backup_to(store.path(), &copy).unwrap();
        stop.store(true, Ordering::Relaxed);
        let commits = writer.join().unwrap();
        assert!(commits >= 1);

        let c = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let verdict: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(verdict, "ok");
        let rows: i64 = c
            .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .unwrap();
        assert!(rows >= 20_001, "{rows}");
        assert!(!with_suffix(&copy, PARTIAL).exists());
    }

    #[test]
    fn partial_copies_do_not_outlive_their_run() {
        let dir = tempfile::tempdir().unwrap();
        // A failed run removes its own partial file.
        let not_a_database = dir.path().join("garbage.db");
        std::fs::write(&not_a_database, vec![7u8; 8192]).unwrap();
        let target = dir.path().join("out").join("copy.db");
        assert!(backup_to(&not_a_database, &target).is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{left:?}");

        // A killed run's leftovers go at the next daily backup; real backups stay.
        let store = Store::open(dir.path().join("agentiq.db")).unwrap();
        let backups = dir.path().join("backups");
        std::fs::create_dir_all(&backups).unwrap();
        for stale in [
            "agentiq-2026-11-01.db.partial",
            "agentiq-2026-11-01.db.partial-journal",
            "agentiq-2026-10-31.partial",
        ] {
            std::fs::write(backups.join(stale), b"half a copy").unwrap();
        }
        std::fs::write(backups.join("agentiq-2026-10-30.db"), b"kept").unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        rotate_daily(store.path(), &backups, today, 7).unwrap();
        let mut left: Vec<_> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["agentiq-2026-10-30.db", "agentiq-2026-11-02.db"]);
    }
}
