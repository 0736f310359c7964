//! Ingest: N synthetic items through the real sync path (the store's writer thread, one
//! transaction per page: the cursor read, `upsert_interactions`, the cursor write, as
//! `sync::commit_page` does) against a bare rusqlite bulk insert of the same rows into the
//! same schema (one transaction, prepared statements, no look-ups). Goal: the real path
//! reaches at least half the bare speed. Each iteration starts from an empty, migrated
//! database; creating it is not timed.
//!
//! `cargo bench --bench ingest`

mod common;

use std::time::{Duration, Instant};

use agentiq::domain::linking::LinkingSettings;
use agentiq::domain::{Marketplace, NewInteraction, Rating};
use agentiq::settings::{self, Scope};
use agentiq::store::{self, name_key, Store};
use agentiq::synthetic::{self, SyntheticItem};
use chrono::{DateTime, Utc};
use common::{Goal, Line};
use rusqlite::{params, Connection};

/// Items per page as the connectors read them: WB 1 000, Ozon 100.
fn page_size(marketplace: Marketplace) -> usize {
    match marketplace {
        Marketplace::Wb => 1_000,
        Marketplace::Ozon => 100,
    }
}

struct Page {
    account: usize,
    source: &'static str,
    items: Vec<NewInteraction>,
}

/// The items grouped the way sync reads them: per account and connector, in pages.
fn pages(items: &[SyntheticItem], accounts: &[(String, Marketplace)]) -> Vec<Page> {
    let mut by_source: Vec<(usize, &'static str, Vec<NewInteraction>)> = Vec::new();
    for s in items {
        match by_source
            .iter_mut()
            .find(|(a, src, _)| *a == s.account && *src == s.source)
        {
            Some(entry) => entry.2.push(s.item.clone()),
            None => by_source.push((s.account, s.source, vec![s.item.clone()])),
        }
    }
    let mut pages = Vec::new();
    for (account, source, items) in by_source {
        for chunk in items.chunks(page_size(accounts[account].1)) {
            pages.push(Page {
                account,
                source,
                items: chunk.to_vec(),
            });
        }
    }
    pages
}

/// An empty, migrated store with the accounts, in a folder that lives as long as the guard.
fn fresh_store(accounts: &[(String, Marketplace)]) -> (tempfile::TempDir, Store, Vec<i64>) {
    fresh_store_with(accounts, true)
}

/// [`fresh_store`]; without `linking`, the `[linking]` setting's window is 0 days, so no
/// item is compared with others by name (a diagnostic: what name linking costs).
fn fresh_store_with(
    accounts: &[(String, Marketplace)],
    linking: bool,
) -> (tempfile::TempDir, Store, Vec<i64>) {
    let tmp = common::target_dir().join("bench-db");
    std::fs::create_dir_all(&tmp).unwrap();
    let dir = tempfile::tempdir_in(tmp).unwrap();
    let store = Store::open(dir.path().join("agentiq.db")).unwrap();
    let conn = Connection::open(store.path()).unwrap();
    let ids = accounts
        .iter()
        .map(|(name, mp)| store::upsert_account(&conn, name, *mp).unwrap())
        .collect();
    if !linking {
        let off = LinkingSettings {
            window_days: 0,
            ..LinkingSettings::default()
        };
        settings::save(&conn, Scope::Global, &off).unwrap();
    }
    (dir, store, ids)
}

/// The real path: what `sync::sync_pass` does per page, through the writer thread.
fn ingest_real(
    rt: &tokio::runtime::Runtime,
    store: &Store,
    ids: &[i64],
    pages: Vec<Page>,
    now: DateTime<Utc>,
) {
    let writer = store.writer().unwrap();
    rt.block_on(async {
        for page in pages {
            let account_id = ids[page.account];
            let source = page.source;
            let _cursor = writer
                .call(move |conn| store::cursor(conn, account_id, source))
                .await
                .unwrap();
            let items = page.items;
            writer
                .call(move |conn| {
                    let tx = conn.transaction()?;
                    agentiq::sync::upsert_interactions(&tx, account_id, source, &items, now)?;
                    store::set_cursor(&tx, account_id, source, "next", now)?;
                    tx.commit()?;
                    Ok(())
                })
                .await
                .unwrap();
        }
    });
}

/// The baseline: the same rows written with plain prepared INSERTs in one transaction.
fn ingest_bare(path: &std::path::Path, ids: &[i64], pages: &[Page], now: DateTime<Utc>) {
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut interaction = tx
            .prepare(
                "INSERT INTO interactions (
                    account_id, channel, external_id, source, product_external_id, product_name,
                    product_brand, customer_id, customer_name, text, pros, cons, photos, rating,
                    created_at, waiting_since, synced_at, state, answer_text, answer_moderation,
                    answer_editable, tier, at_risk_at, due_at, reply_handle, raw,
                    customer_confidence, customer_link_method, customer_name_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                         ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
            )
            .unwrap();
        let mut message = tx
            .prepare(
                "INSERT INTO chat_messages (interaction_id, external_id, sender, text, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .unwrap();
        let mut customer = tx
            .prepare(
                "INSERT INTO customers (account_id, external_id, name, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, external_id) DO UPDATE SET name = excluded.name
                 RETURNING id",
            )
            .unwrap();
        let mut product = tx
            .prepare(
                "INSERT INTO products (account_id, external_id, name, brand) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id, external_id) DO NOTHING",
            )
            .unwrap();
        for page in pages {
            let account_id = ids[page.account];
            for item in &page.items {
                let customer_id: Option<i64> = item.customer_external_id.as_ref().map(|ext| {
                    customer
                        .query_row(
                            params![account_id, ext, item.customer_name, now.timestamp()],
                            |r| r.get(0),
                        )
                        .unwrap()
                });
                let waiting_since = item.waiting_since();
                let clock = agentiq::sla::clock(item.channel, item.rating, None, waiting_since);
                let p = item.product.as_ref();
                let a = item.answer.as_ref();
                interaction
                    .execute(params![
                        account_id,
                        item.channel.as_str(),
                        item.external_id,
                        page.source,
                        p.map(|p| p.external_id.as_str()),
                        p.and_then(|p| p.name.as_deref()),
                        p.and_then(|p| p.brand.as_deref()),
                        customer_id,
                        item.customer_name,
                        item.text,
                        item.pros,
                        item.cons,
                        item.photos,
                        item.rating.map(Rating::stars),
                        item.created_at.timestamp(),
                        waiting_since.timestamp(),
                        now.timestamp(),
                        item.answer_state().as_str(),
                        a.map(|a| a.text.as_str()),
                        a.map(|a| a.moderation.as_str()),
                        a.map(|a| a.editable),
                        clock.tier.as_str(),
                        clock.at_risk_at.timestamp(),
                        clock.due_at.timestamp(),
                        item.reply_handle,
                        serde_json::to_string(&item.raw).unwrap(),
                        customer_id.map(|_| 1.0),
                        customer_id.map(|_| "deterministic"),
                        item.customer_name.as_deref().and_then(name_key),
                    ])
                    .unwrap();
                let id = tx.last_insert_rowid();
                for m in &item.messages {
                    message
                        .execute(params![
                            id,
                            m.external_id,
                            m.sender.as_str(),
                            m.text,
                            m.sent_at.timestamp()
                        ])
                        .unwrap();
                }
                if let Some(p) = p {
                    product
                        .execute(params![account_id, p.external_id, p.name, p.brand])
                        .unwrap();
                }
            }
        }
    }
    tx.commit().unwrap();
}

fn main() {
    let mut c = common::criterion();
    let n = common::small();
    let now = common::anchor();
    let accounts = synthetic::accounts().unwrap();
    let items: Vec<SyntheticItem> = synthetic::items(n, common::SEED, now).unwrap().collect();
    let all_pages = pages(&items, &accounts);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let real_id = format!("ingest/{n}/sync writer");
    let bare_id = format!("ingest/{n}/bare bulk insert");
    let unlinked_id = format!("ingest/{n}/sync writer, no name linking");
    {
        let mut group = c.benchmark_group(format!("ingest/{n}"));
        group.sample_size(common::SAMPLES);
        group.measurement_time(Duration::from_secs(8));
        group.bench_function("sync writer", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (_dir, store, ids) = fresh_store(&accounts);
                    let pages: Vec<Page> = all_pages
                        .iter()
                        .map(|p| Page {
                            account: p.account,
                            source: p.source,
                            items: p.items.clone(),
                        })
                        .collect();
                    let started = Instant::now();
                    ingest_real(&rt, &store, &ids, pages, now);
                    total += started.elapsed();
                }
                common::record(&real_id, total, iters)
            })
        });
        group.bench_function("bare bulk insert", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (_dir, store, ids) = fresh_store(&accounts);
                    let started = Instant::now();
                    ingest_bare(store.path(), &ids, &all_pages, now);
                    total += started.elapsed();
                }
                common::record(&bare_id, total, iters)
            })
        });
        group.bench_function("sync writer, no name linking", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (_dir, store, ids) = fresh_store_with(&accounts, false);
                    let pages: Vec<Page> = all_pages
                        .iter()
                        .map(|p| Page {
                            account: p.account,
                            source: p.source,
                            items: p.items.clone(),
                        })
                        .collect();
                    let started = Instant::now();
                    ingest_real(&rt, &store, &ids, pages, now);
                    total += started.elapsed();
                }
                common::record(&unlinked_id, total, iters)
            })
        });
        group.finish();
    }
    // The goal's ratio: the two paths in alternating rounds, so both see the same load.
    let (paired_real, paired_bare) = (format!("paired:{real_id}"), format!("paired:{bare_id}"));
    let rounds = if common::measuring() { 8 } else { 1 };
    for round in 0..rounds {
        for path in [round % 2, 1 - round % 2] {
            let (_dir, store, ids) = fresh_store(&accounts);
            if path == 0 {
                let pages: Vec<Page> = all_pages
                    .iter()
                    .map(|p| Page {
                        account: p.account,
                        source: p.source,
                        items: p.items.clone(),
                    })
                    .collect();
                let started = Instant::now();
                ingest_real(&rt, &store, &ids, pages, now);
                common::record(&paired_real, started.elapsed(), 1);
            } else {
                let started = Instant::now();
                ingest_bare(store.path(), &ids, &all_pages, now);
                common::record(&paired_bare, started.elapsed(), 1);
            }
        }
    }

    // One sync page of 1 000 new WB items into a database that already holds 10k or 1M
    // items: the same work, but each item's customer is looked for among the items
    // already there. Timed inside the writer; the transaction is rolled back, so the
    // cached database stays as it was.
    let fresh: Vec<NewInteraction> = synthetic::items(2_000, common::SEED + 1, now)
        .unwrap()
        .filter(|s| s.account == 0)
        .map(|s| s.item)
        .take(1_000)
        .collect();
    let (small, large) = (common::small(), common::large());
    for size in [small, large] {
        let store = Store::open(common::bench_db(size)).unwrap();
        let writer = store.writer().unwrap();
        let account_id = store::account_by_name(&store.reader().unwrap(), &accounts[0].0)
            .unwrap()
            .unwrap()
            .id;
        let mut group = c.benchmark_group("ingest");
        for linking in [true, false] {
            let name = if linking {
                format!("page into {size}")
            } else {
                format!("page into {size}, no name linking")
            };
            let id = format!("ingest/{name}");
            group.bench_function(&name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let items = fresh.clone();
                        total += writer
                            .call_blocking(move |conn| {
                                let tx = conn.transaction()?;
                                if !linking {
                                    let off = LinkingSettings {
                                        window_days: 0,
                                        ..LinkingSettings::default()
                                    };
                                    settings::save(&tx, Scope::Global, &off)?;
                                }
                                let started = Instant::now();
                                agentiq::sync::upsert_interactions(
                                    &tx,
                                    account_id,
                                    "wb_feedbacks",
                                    &items,
                                    now,
                                )?;
                                let elapsed = started.elapsed();
                                drop(tx);
                                Ok(elapsed)
                            })
                            .unwrap();
                    }
                    common::record(&id, total, iters)
                })
            });
        }
        group.finish();
    }
    c.final_summary();
    common::report(
        "ingest",
        &[
            Line::new(
                format!(
                    "ingest {n} items: sync writer ({} pages) vs bare insert",
                    all_pages.len()
                ),
                paired_real,
                paired_bare,
                Goal::SpeedAtLeast(0.5),
            ),
            Line::new(
                format!("ingest {n} items: sync writer with name linking off vs bare insert (diagnostic)"),
                unlinked_id,
                bare_id.clone(),
                Goal::SpeedAtLeast(0.5),
            ),
            Line::new(
                format!(
                    "one page of {} new items into the {large}-item vs the {small}-item database",
                    fresh.len()
                ),
                format!("ingest/page into {large}"),
                format!("ingest/page into {small}"),
                Goal::None,
            ),
            Line::new(
                format!(
                    "the same page with name linking off: {large}-item vs {small}-item database (diagnostic)"
                ),
                format!("ingest/page into {large}, no name linking"),
                format!("ingest/page into {small}, no name linking"),
                Goal::None,
            ),
        ],
    );
}
