//! Online backups: a consistent copy of the database while sync keeps writing, and a
//! rotating daily copy in the data folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// What a backup in progress is called beside its target; [`clean_partials`] removes any
/// an interrupted run left behind.
const PARTIAL: &str = ".partial";

/// Pages copied between two looks at [`cancel_running`]: 4 096 pages of 4 KiB are 16 MiB,
/// a few milliseconds, so an interrupted backup stops well within the 200 ms the app
/// gives its blocking tasks on quit.
const PAGES_PER_STEP: i32 = 4096;

/// How far the source may be memory-mapped: pages are then read by copying from the
/// page cache rather than by one `pread` each.
const SOURCE_MMAP_BYTES: i64 = 1 << 31;

/// Counts [`cancel_running`] calls: a backup stops when it moved on since the backup
/// started.
static CANCELS: AtomicU64 = AtomicU64::new(0);

/// Stops every backup in progress in this process (not those started later): each removes
/// its partial file and returns an error. Called on quit and on SIGINT/SIGTERM.
pub fn cancel_running() {
    CANCELS.fetch_add(1, Ordering::SeqCst);
}

/// How thoroughly [`backup_to`] checks the copy before moving it into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// The copy's size in pages is the snapshot's, its header and schema read, and it
    /// reached the disk (`fsync`): what can go wrong in a page-for-page copy (a short
    /// write, a failed write, a truncated file) is caught; the pages themselves are
    /// SQLite's own copies of one consistent snapshot.
    Structure,
    /// [`Verify::Structure`] and `PRAGMA quick_check` of the copy: every page read and
    /// every b-tree walked. It also catches damage the source already had (a page-for-page
    /// copy carries it over), at the cost of reading the whole file again.
    QuickCheck,
}

/// Copies the database at `source` to `target` with SQLite's online backup while other
/// connections keep writing. The copy runs inside one read transaction held from the
/// first step to the last: every step reads the same snapshot, so a writer's commit does
/// not restart the copy (as it does between the steps of a backup without one), and in
/// WAL mode the writer is not held up. The steps are large (16 MiB) and the copy is
/// written without a journal and synced once at the end: the partial file is ours alone
/// until it is renamed. `target` is either the old file or a complete, checked new one;
/// on any error or interruption ([`cancel_running`]) the partial copy is removed.
pub fn backup_to(source: &Path, target: &Path, verify: Verify) -> Result<()> {
    backup_until(source, target, verify, &|| false)
}

/// [`backup_to`] that also stops, as if interrupted, once `stop` says so (asked between
/// steps).
fn backup_until(
    source: &Path,
    target: &Path,
    verify: Verify,
    stop: &dyn Fn() -> bool,
) -> Result<()> {
    let cancels = CANCELS.load(Ordering::SeqCst);
    let stop = || CANCELS.load(Ordering::SeqCst) != cancels || stop();
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {} for backup", source.display()))?;
    src.pragma_update(None, "mmap_size", SOURCE_MMAP_BYTES)
        .context("mapping the source")?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = Partial::new(with_suffix(target, PARTIAL))?;
    // The snapshot: a read transaction that every step below shares.
    src.execute_batch("BEGIN")?;
    let pages: i64 = src
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .context("reading the source")?;
    {
        let mut dst = Connection::open(&partial.path)
            .with_context(|| format!("creating {}", partial.path.display()))?;
        // Nothing to roll back into: a failed copy is deleted whole.
        dst.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .context("preparing the backup file")?;
        copy_snapshot(&src, &mut dst, &stop)?;
        // A backup is one self-contained file: no WAL beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")
            .context("finishing the backup file")?;
    }
    src.execute_batch("COMMIT")?;
    drop(src);
    std::fs::File::open(&partial.path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {} to disk", partial.path.display()))?;
    check_copy(&partial.path, pages, verify)?;
    partial.commit(target)
}

/// Steps the backup to the end in [`PAGES_PER_STEP`] pages, asking `stop` between
/// steps.
fn copy_snapshot(src: &Connection, dst: &mut Connection, stop: &dyn Fn() -> bool) -> Result<()> {
    let backup = Backup::new(src, dst).context("starting the backup")?;
    loop {
        anyhow::ensure!(!stop(), "the backup was interrupted");
        match backup
            .step(PAGES_PER_STEP)
            .context("copying the database")?
        {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // Only our own connections touch the partial file and the source is read
            // through a transaction already open: neither can be busy or locked.
            other => anyhow::bail!("the backup stopped before the end: {other:?}"),
        }
    }
}

/// Opens the finished copy on its own and checks it as `verify` says.
fn check_copy(path: &Path, snapshot_pages: i64, verify: Verify) -> Result<()> {
    let check = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening the copy {}", path.display()))?;
    let pages: i64 = check.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    anyhow::ensure!(
        pages == snapshot_pages,
        "the backup copy has {pages} pages, the database had {snapshot_pages}"
    );
    let file_pages = std::fs::metadata(path)?.len()
        / check.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))? as u64;
    anyhow::ensure!(
        file_pages == pages as u64,
        "the backup file holds {file_pages} pages, its header says {pages}"
    );
    check
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .context("reading the copy's schema")?;
    if verify == Verify::QuickCheck {
        let verdict: String = check.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        anyhow::ensure!(
            verdict == "ok",
            "the backup copy failed its check: {verdict}"
        );
    }
    Ok(())
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
        backup_to(source, &target, Verify::Structure)?;
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
        backup_to(store.path(), &copy, Verify::QuickCheck).unwrap();
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

    /// A store with 20 000 rows of 1 kB besides its schema: about 20 MB, more than one step.
    fn store_with_filler() -> (tempfile::TempDir, Store) {
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
        (dir, store)
    }

    #[test]
    fn a_backup_completes_while_another_connection_writes() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{mpsc, Arc};

        let (dir, store) = store_with_filler();

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
        backup_to(store.path(), &copy, Verify::QuickCheck).unwrap();
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
    fn an_interrupted_backup_leaves_no_file_behind() {
        // More pages than one step copies, so the copy is interrupted half-way.
        let (dir, store) = store_with_filler();
        let out = dir.path().join("out");
        let target = out.join("copy.db");
        let partial = with_suffix(&target, PARTIAL);
        let asked = std::cell::Cell::new(0);
        let half_written = std::cell::Cell::new(0u64);
        let stop = || {
            asked.set(asked.get() + 1);
            if asked.get() == 2 {
                half_written.set(std::fs::metadata(&partial).map_or(0, |m| m.len()));
                return true;
            }
            false
        };
        let err = backup_until(store.path(), &target, Verify::Structure, &stop).unwrap_err();
        assert!(format!("{err:#}").contains("interrupted"), "{err:#}");
        assert!(
            half_written.get() > 0,
            "the first step wrote part of the copy"
        );
        let left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn partial_copies_do_not_outlive_their_run() {
        let dir = tempfile::tempdir().unwrap();
        // A failed run removes its own partial file.
        let not_a_database = dir.path().join("garbage.db");
        std::fs::write(&not_a_database, vec![7u8; 8192]).unwrap();
        let target = dir.path().join("out").join("copy.db");
        assert!(backup_to(&not_a_database, &target, Verify::Structure).is_err());
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
