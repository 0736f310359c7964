//! The UI's reads: one page of the queue, one item, the sync health table, one page of
//! the audit log (each small and indexed: they run on the UI task), and the counts of a
//! view, search pages and the detail pane's look-ups (they grow with the store or read
//! beyond the item: they run off it, see `tui::io`);
//! [`ReadStats`] counts what they cost.

pub mod audit;
pub mod health;

use anyhow::Result;
use rusqlite::Connection;

use crate::domain::{Channel, InteractionId};
use crate::store::{self, QueueFilter, Seek};

use super::action::{PageSeek, QueueRequest};
use super::state::{Counts, Detail, DetailExtras, QueueSnapshot};

pub use audit::{read_audit, AuditRow, AuditSnapshot};
pub use health::{read_health, HealthRow};

/// What the reads cost so far; tests assert that scrolling costs the same at any depth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Queue pages read.
    pub pages: u64,
    /// Queue rows those pages returned.
    pub rows: u64,
    /// SQLite steps those pages took (grows with rows skipped or scanned).
    pub page_steps: u64,
    /// `count(*)` queries run (the total, tab counts, breached count).
    pub counts: u64,
}

/// One page of the queue, and the counts when asked, from one consistent snapshot.
pub fn read_queue(
    conn: &Connection,
    request: QueueRequest,
    stats: &mut ReadStats,
) -> Result<QueueSnapshot> {
    let tx = conn.unchecked_transaction()?;
    let counted = if request.with_counts {
        Some(counts(&tx, &request, stats)?)
    } else {
        None
    };
    let total = counted.as_ref().map(|c| c.total);
    let (seek, limit) = match (request.seek, total) {
        (PageSeek::Exact(seek), _) => (seek, request.limit),
        (PageSeek::Nearest, Some(total)) => nearest(request.offset, request.limit, total),
        (PageSeek::Nearest, None) => (
            Seek::Start {
                skip: request.offset,
            },
            request.limit,
        ),
    };
    let rows = page(&tx, &request, seek, limit, stats)?;
    drop(tx);
    Ok(match counted {
        Some(c) => QueueSnapshot {
            rows,
            ..c.into_snapshot(request)
        },
        None => QueueSnapshot {
            request,
            total: None,
            rows,
            counts: None,
            outbox_size: None,
            presence: None,
            policies: None,
        },
    })
}

/// The counts of `request`'s view alone (no rows): the tab counts, the current tab's
/// total, the breached count, the outbox size, who else works on the store and the
/// accounts' rules. They cost in proportion to the view, so the inbox reads them off
/// the UI task.
pub fn read_counts(
    conn: &Connection,
    request: QueueRequest,
    stats: &mut ReadStats,
) -> Result<QueueSnapshot> {
    let tx = conn.unchecked_transaction()?;
    let counted = counts(&tx, &request, stats)?;
    drop(tx);
    Ok(counted.into_snapshot(request))
}

/// Rows `offset .. offset + limit` of the queue at `seek`: one indexed page.
fn page(
    conn: &Connection,
    request: &QueueRequest,
    seek: Seek,
    limit: usize,
    stats: &mut ReadStats,
) -> Result<Vec<crate::store::QueueRow>> {
    let window = store::queue_window(conn, &request.filter, seek, limit)?;
    stats.pages += 1;
    stats.rows += window.rows.len() as u64;
    stats.page_steps += window.vm_steps;
    Ok(window.rows)
}

/// What [`counts`] read.
struct Counted {
    total: usize,
    counts: Counts,
    outbox_size: usize,
    presence: crate::tui::state::Presence,
    policies: std::sync::Arc<crate::sla::Policies>,
}

impl Counted {
    fn into_snapshot(self, request: QueueRequest) -> QueueSnapshot {
        QueueSnapshot {
            request,
            total: Some(self.total),
            rows: Vec::new(),
            counts: Some(self.counts),
            outbox_size: Some(self.outbox_size),
            presence: Some(self.presence),
            policies: Some(self.policies),
        }
    }
}

fn counts(conn: &Connection, request: &QueueRequest, stats: &mut ReadStats) -> Result<Counted> {
    // One pass counts every tab; the total is the current tab's count.
    stats.counts += 1;
    let by_channel = store::queue_count_by_channel(conn, &request.filter)?;
    let total = match request.filter.channel {
        Some(c) => Channel::ALL
            .iter()
            .position(|x| *x == c)
            .map_or(0, |i| by_channel[i]),
        None => by_channel.iter().sum(),
    };
    // The accounts' rules: the queue's priority marks use them.
    let ids: Vec<i64> = store::accounts(conn)?.iter().map(|a| a.id).collect();
    let policies = std::sync::Arc::new(crate::sla::Policies::load(conn, &ids));
    // Breached items: a range of the deadline index, however big the queue.
    stats.counts += 1;
    let breached = store::queue_count(
        conn,
        &QueueFilter {
            account_id: request.filter.account_id,
            marketplace: request.filter.marketplace,
            breached_at: Some(request.now),
            ..QueueFilter::default()
        },
    )?;
    let [reviews, questions, chats] = by_channel;
    Ok(Counted {
        total,
        counts: Counts {
            all: reviews + questions + chats,
            reviews,
            questions,
            chats,
            breached,
        },
        outbox_size: store::outbox_size(conn)?,
        presence: read_presence(conn, request.now)?,
        policies,
    })
}

/// Who else works on the store: a handful of rows in the process and lease tables.
fn read_presence(
    conn: &Connection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::tui::state::Presence> {
    Ok(crate::tui::state::Presence {
        sync_by: store::sync_holders(conn, now)?,
        waiting: store::unreachable_outbox_accounts(conn)?,
        accepted: store::accepted_count(conn)?,
        llm_down: store::llm_unavailable(conn)?,
        offline: store::offline_accounts(conn)?,
    })
}

/// Rows `offset .. offset + limit` of `total`, reached from the nearer end.
pub fn nearest(offset: usize, limit: usize, total: usize) -> (Seek, usize) {
    let end = offset.saturating_add(limit).min(total);
    let from_bottom = total - end;
    if offset < total && offset > from_bottom {
        (Seek::End { skip: from_bottom }, end - offset)
    } else {
        (Seek::Start { skip: offset }, limit)
    }
}

/// The whole interaction, for a chat its thread, and the draft waiting for it: rows of
/// the item alone, read on the UI task. Its look-ups come from [`read_detail_extras`].
pub fn read_detail(conn: &Connection, id: InteractionId) -> Result<Option<Detail>> {
    let Some(interaction) = store::interaction(conn, id)? else {
        return Ok(None);
    };
    let messages = thread(conn, &interaction)?;
    let stored = store::latest_draft(conn, id)?;
    let prepared_origin = stored.as_ref().map(|d| super::state::DraftOrigin {
        source: crate::ai::DraftSource::parse(&d.source).unwrap_or(crate::ai::DraftSource::Manual),
        confidence: d.confidence as f32,
        version: d.prompt_version.clone(),
        reasons: d.reasons.clone(),
        model: d.model.clone(),
    });
    let prepared_draft = stored.map(|d| d.text);
    Ok(Some(Detail {
        interaction,
        messages,
        prepared_draft,
        prepared_origin,
        extras: None,
    }))
}

/// What the detail pane looks up beyond the item (the settings of its account, the
/// revenue model): the roubles it puts at risk or protects at `now`, and what a reply to
/// it is checked against. Read off the UI task.
pub fn read_detail_extras(
    conn: &Connection,
    id: InteractionId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<DetailExtras>> {
    let Some(interaction) = store::interaction(conn, id)? else {
        return Ok(None);
    };
    let messages = thread(conn, &interaction)?;
    let revenue = crate::analytics::revenue_for_item(conn, id, now)?;
    let guard = crate::prepare::reply_guard(conn, &interaction, &messages)?;
    let customer = read_customer(conn, id)?;
    Ok(Some(DetailExtras {
        revenue,
        guard,
        customer,
    }))
}

/// A chat's messages, oldest first; nothing for reviews and questions.
fn thread(
    conn: &Connection,
    interaction: &crate::domain::Interaction,
) -> Result<Vec<crate::domain::ChatMessage>> {
    if interaction.channel == Channel::Chat {
        store::chat_messages(conn, interaction.id)
    } else {
        Ok(Vec::new())
    }
}

/// The item's linked customer and their items, for the detail pane and `o`: one indexed
/// lookup and at most 100 rows.
fn read_customer(
    conn: &Connection,
    id: InteractionId,
) -> Result<Option<crate::store::CustomerProfile>> {
    store::customer_profile(conn, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_end_wins() {
        assert_eq!(nearest(0, 30, 1000), (Seek::Start { skip: 0 }, 30));
        assert_eq!(nearest(400, 30, 1000), (Seek::Start { skip: 400 }, 30));
        assert_eq!(nearest(970, 30, 1000), (Seek::End { skip: 0 }, 30));
        assert_eq!(nearest(980, 30, 1000), (Seek::End { skip: 0 }, 20));
        assert_eq!(nearest(600, 30, 1000), (Seek::End { skip: 370 }, 30));
        assert_eq!(nearest(5, 30, 3), (Seek::Start { skip: 5 }, 30));
    }
}
