//! The local SQLite cache: schema, migrations, and the queries every layer uses.
//!
//! One writer owns the writable connection ([`Writer`]); every reader opens its own
//! read-only connection ([`Store::reader`]). WAL mode lets readers run beside the writer.

mod accounts;
pub mod backup;
pub mod cli;
mod customers;
mod deadline;
mod drafts;
mod experiments;
mod health;
mod heartbeat;
pub mod intents;
mod interactions;
mod kb;
pub mod learning;
mod leases;
mod outbox;
pub mod pg;
mod processes;
mod products;
mod reconcile;
mod replies;
pub mod schema;
pub mod search;
mod settings;
mod sync_state;
pub mod team_cache;
mod text_test;
pub mod ui_reads;
mod upsert;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags};

pub use accounts::{account_by_name, accounts, upsert_account, AccountRow};
pub use customers::{customer_profile, name_key, CustomerProfile, HistoryItem};
pub use deadline::{is_interrupted, within_deadline};
pub use drafts::{
    insert_draft, items_needing_drafts, latest_draft, recent_answers, set_draft_outcome, NewDraft,
    StoredDraft,
};
pub use experiments::{
    active_experiment, draft_version, experiment, latest_experiment, record_draft_version,
    record_reply_opened, record_reply_version, set_experiment_state, start_experiment,
    ExperimentRow, NewExperiment,
};
pub use health::{llm_unavailable, offline_accounts, record_llm_health};
pub use heartbeat::Heartbeat;
pub use interactions::{
    chat_messages, interaction, item_texts, queue_count, queue_count_by_channel, queue_page,
    queue_window, AnswerFilter, IntentFilter, ItemText, PendingAutoReply, QueueFilter, QueueKey,
    QueueRow, QueueSort, QueueWindow, Seek,
};
pub use kb::{kb_entries, kb_search, replace_kb, KbScope};
pub use leases::{lease_holder, release_lease, renew_held, sync_holders, try_lease};
pub use outbox::{
    accepted_count, claim_outbox, due_outbox, due_outbox_for, enqueue_edit, enqueue_reply,
    mark_accepted, mark_failed, mark_rejected, mark_sending, mark_visible, note_reply_editable,
    outbox_size, release_claim, schedule_check, settle_accepted_from_items, Claim, OutboxItem,
    OutboxKind, OutboxState,
};
pub use processes::{
    holder_id_for, live_processes, register_process, unreachable_outbox_accounts,
    unregister_process, Holder, ProcessKind, ProcessRow,
};
pub use products::{product_card, products_needing_cards, save_cards, CARD_REFRESH_AFTER};
pub use reconcile::{archive_vanished, reconcile_candidates};
pub use replies::{
    audit_guardrail_overridden, audit_reply_shadowed, cancel_queued_reply, enqueue_shadow,
    hold_in_queue, record_reply_details, supersede_auto_replies, ReplyDetails,
};
pub use settings::{clear_setting, reclassify_open_items, save_setting, stored_setting};
pub use sync_state::{cursor, record_sync_run, set_cursor, SyncRunRecord};
pub use upsert::{upsert_interactions, Intake, ItemClock, ItemClocks, UpsertSummary};
pub use writer::Writer;

/// See [`Store::current_reader_at`].
pub fn current_reader(path: &Path) -> Result<Option<Connection>> {
    Store::current_reader_at(path)
}

/// How long a connection waits for a lock held by another connection before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle on the database file; cheap to clone and share.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: impl Into<PathBuf>) -> Result<Store> {
        let path = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating database folder {}", parent.display()))?;
        }
        let mut conn = open_writable(&path)?;
        schema::migrate(&mut conn)
            .with_context(|| format!("migrating database {}", path.display()))?;
        Ok(Store { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection for queries; the UI and CLI readers each own one.
    pub fn reader(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .with_context(|| format!("opening {} for reading", self.path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    }

    /// A read-only connection to the database at `path` when its schema is the latest,
    /// without opening it for writing; `None` when it needs migrating first.
    pub fn current_reader_at(path: &Path) -> Result<Option<Connection>> {
        let conn = Store {
            path: path.to_path_buf(),
        }
        .reader()?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok((usize::try_from(version).ok() == Some(schema::latest_version())).then_some(conn))
    }

    /// Starts the single writer task that owns the writable connection.
    pub fn writer(&self) -> Result<Writer> {
        let conn = open_writable(&self.path)?;
        Ok(Writer::spawn(conn))
    }
}

fn open_writable(path: &Path) -> Result<Connection> {
    let mut conn =
        Connection::open(path).with_context(|| format!("opening database {}", path.display()))?;
    // Every transaction takes the write lock when it begins. A deferred one that reads
    // first and then writes cannot wait for another process's writer (SQLite answers
    // "database is locked" at once), and several processes share this file.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .context("switching the database to WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Times are stored as unix seconds.
pub(crate) fn to_db_time(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_db_time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// Applies the migrations to a connection (in-memory databases in tests).
#[doc(hidden)]
pub fn migrate_for_tests(conn: &mut Connection) {
    schema::migrate(conn).expect("migrations apply");
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A migrated store in a temporary folder that lives as long as the returned guard.
    pub fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("agentiq.db")).expect("open store");
        (dir, store)
    }

    /// A store with `replies` answered items, each with a reply that reached the
    /// marketplace, alternating between two shops (ids 1 and 2; shop 1 has the even items).
    pub fn store_with_sent_replies(replies: i64) -> (tempfile::TempDir, Store) {
        let (dir, store) = temp_store();
        let mut conn = Connection::open(store.path()).expect("test data");
        let tx = conn.transaction().expect("test data");
        for account in ["a", "b"] {
            tx.execute(
                "INSERT INTO accounts (name, marketplace, created_at) VALUES (?1, 'wb', 0)",
                [account],
            )
            .expect("test data");
        }
        for n in 1..=replies {
            let account = 1 + n % 2;
            tx.execute(
                "INSERT INTO interactions (id, account_id, channel, external_id, source, text,
                     created_at, waiting_since, synced_at, state, tier, at_risk_at, due_at, raw,
                     answer_text)
                 VALUES (?1, ?2, 'review', 'r' || ?1, 't', 'Плед', ?1, ?1, ?1, 'answered',
                         'low', ?1, ?1, '{}', 'answer ' || ?1)",
                rusqlite::params![n, account],
            )
            .expect("test data");
            tx.execute(
                "INSERT INTO outbox (interaction_id, idempotency_key, text, state,
                     next_attempt_at, created_at, updated_at)
                 VALUES (?1, 'k' || ?1, 'reply ' || ?1, 'visible', ?1, ?1 + 1, ?1)",
                rusqlite::params![n],
            )
            .expect("test data");
        }
        tx.commit().expect("test data");
        drop(conn);
        (dir, store)
    }

    /// `read`'s result and the virtual-machine steps SQLite took for it on `conn`: what a
    /// query examines, whatever the machine's speed.
    pub fn vm_steps<T>(conn: &Connection, read: impl FnOnce() -> T) -> (T, u64) {
        use std::sync::atomic::{AtomicU64, Ordering};
        let steps = std::sync::Arc::new(AtomicU64::new(0));
        let counter = steps.clone();
        conn.progress_handler(
            1,
            Some(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                false
            }),
        )
        .expect("progress handler");
        let out = read();
        conn.progress_handler(0, None::<fn() -> bool>)
            .expect("progress handler off");
        (out, steps.load(Ordering::Relaxed))
    }
}
