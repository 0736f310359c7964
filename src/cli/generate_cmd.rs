//! `agentiq generate --items N`: a realistic store of N items in the data folder, dated up
//! to now, for trying the inbox and measuring the app at scale (docs/performance.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use rusqlite::OpenFlags;

use super::exit::{fail, Failure};
use crate::config::Paths;

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// How many items (reviews, questions, chats) to write.
    #[arg(long)]
    pub items: usize,
    /// The random seed: the same seed and item count give the same texts.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Replace a database that already holds items.
    #[arg(long)]
    pub force: bool,
}

/// Builds the store; a database that already holds items is kept unless `--force`.
pub fn run(args: &GenerateArgs, paths: &Paths) -> Result<()> {
    if args.items == 0 {
        return Err(fail(Failure::Usage, "--items must be at least 1"));
    }
    let database = paths.database();
    let existing = items_in(&database)?;
    if existing > 0 && !args.force {
        return Err(fail(
            Failure::Data,
            format!(
                "{} already holds {existing} items; pass --force to replace it, or --data-dir for another folder",
                database.display()
            ),
        ));
    }
    std::fs::create_dir_all(&paths.data_dir)
        .with_context(|| format!("creating {}", paths.data_dir.display()))?;
    // A store that exists but is empty keeps its settings; any other is built aside and
    // moved in whole, so an interrupted run never leaves a half-built store in place.
    let in_place = database.exists() && existing == 0;
    let target = if in_place {
        database.clone()
    } else {
        let building = with_suffix(&database, ".generating");
        remove_database_files(&building)?;
        building
    };
    let started = Instant::now();
    let total = args.items;
    let mut progress = |written: usize| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "generated {written} of {total} items ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    };
    crate::synthetic::generate_with_progress(
        &target,
        total,
        args.seed,
        chrono::Utc::now(),
        &mut progress,
    )
    .with_context(|| format!("generating {total} items into {}", target.display()))?;
    if !in_place {
        remove_database_files(&database)?;
        std::fs::rename(&target, &database)
            .with_context(|| format!("moving {} to {}", target.display(), database.display()))?;
    }
    eprintln!(
        "{total} items written to {} in {:.1} s",
        database.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The interactions the database at `path` holds; 0 when there is no database yet.
fn items_in(path: &Path) -> Result<i64> {
    if !path.exists() {
        return Ok(0);
    }
    let conn = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))?;
    crate::store::cli::items_stored(&conn)
        .with_context(|| format!("counting the items in {}", path.display()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a database file with its WAL and shared-memory files; absent ones are fine.
fn remove_database_files(path: &Path) -> Result<()> {
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", file.display())),
        }
    }
    Ok(())
}
