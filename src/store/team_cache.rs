//! The local cache of a team's shared inbox (team mode): the items of the shared
//! PostgreSQL database the operator may see, written into this SQLite store by the mirror
//! (`team::mirror`), so the inbox reads pages, counts and search from the same local
//! store as a single seller's. Each cached item keeps its id in the shared database
//! (`team_id`) and its claim; writes (claims, replies) go to the shared database, never
//! through this store's outbox.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_db_time, to_db_time};
use crate::domain::{InteractionId, Marketplace};

/// One item as the shared database has it, with its claim.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamItem {
    /// Its id in the shared database.
    pub team_id: i64,
    pub account: String,
    pub marketplace: Marketplace,
    pub channel: String,
    pub external_id: String,
    pub source: String,
    pub product_external_id: Option<String>,
    pub product_name: Option<String>,
    pub customer_name: Option<String>,
    pub text: String,
    pub pros: Option<String>,
    pub cons: Option<String>,
    pub rating: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub waiting_since: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
    pub state: String,
    pub answer_text: Option<String>,
    pub tier: String,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub reply_handle: Option<String>,
    pub raw: String,
    pub claim: Option<Claim>,
}

/// Who holds an item and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub by: String,
    pub expires_at: DateTime<Utc>,
}

/// Writes `items` into the cache (new ones inserted, known ones replaced), in one
/// transaction; returns how many rows changed.
pub fn apply_team_items(conn: &mut Connection, items: &[TeamItem]) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut changed = 0;
    for item in items {
        let account_id = super::upsert_account(&tx, &item.account, item.marketplace)
            .with_context(|| format!("caching shop {}", item.account))?;
        changed += write_item(&tx, account_id, item)
            .with_context(|| format!("caching shared item {}", item.team_id))?;
    }
    tx.commit()?;
    Ok(changed)
}

fn write_item(conn: &Connection, account_id: i64, item: &TeamItem) -> Result<usize> {
    let claim = item.claim.as_ref();
    let written = conn
        .prepare_cached(
            "INSERT INTO interactions AS i (
                account_id, channel, external_id, source, product_external_id, product_name,
                customer_name, text, pros, cons, rating, created_at, waiting_since, synced_at,
                state, answer_text, tier, at_risk_at, due_at, reply_handle, raw, team_id,
                claimed_by, claim_expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
             ON CONFLICT (account_id, channel, external_id) DO UPDATE SET
                source = excluded.source, product_external_id = excluded.product_external_id,
                product_name = excluded.product_name, customer_name = excluded.customer_name,
                text = excluded.text, pros = excluded.pros, cons = excluded.cons,
                rating = excluded.rating, created_at = excluded.created_at,
                waiting_since = excluded.waiting_since, synced_at = excluded.synced_at,
                state = excluded.state, answer_text = excluded.answer_text,
                tier = excluded.tier, at_risk_at = excluded.at_risk_at,
                due_at = excluded.due_at, reply_handle = excluded.reply_handle,
                raw = excluded.raw, team_id = excluded.team_id,
                claimed_by = excluded.claimed_by, claim_expires_at = excluded.claim_expires_at",
        )?
        .execute(params![
            account_id,
            item.channel,
            item.external_id,
            item.source,
            item.product_external_id,
            item.product_name,
            item.customer_name,
            item.text,
            item.pros,
            item.cons,
            item.rating,
            to_db_time(item.created_at),
            to_db_time(item.waiting_since),
            to_db_time(item.synced_at),
            item.state,
            item.answer_text,
            item.tier,
            to_db_time(item.at_risk_at),
            to_db_time(item.due_at),
            item.reply_handle,
            item.raw,
            item.team_id,
            claim.map(|c| c.by.as_str()),
            claim.map(|c| to_db_time(c.expires_at)),
        ])?;
    Ok(written)
}

/// The last change of shared database `source` this cache has read (0: none yet).
pub fn team_cursor(conn: &Connection, source: &str) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT change_seq FROM team_mirror WHERE source = ?1",
            [source],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub fn set_team_cursor(conn: &Connection, source: &str, change_seq: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO team_mirror (source, change_seq) VALUES (?1, ?2)
         ON CONFLICT (source) DO UPDATE SET change_seq = excluded.change_seq",
        params![source, change_seq],
    )?;
    Ok(())
}

/// The shared database's id of cached item `id`, or `None` for an item not from it.
pub fn team_id(conn: &Connection, id: InteractionId) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT team_id FROM interactions WHERE id = ?1",
            [id.0],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// The cached item whose id in the shared database is `team_id`, if it is cached yet.
pub fn local_id(conn: &Connection, team_id: i64) -> Result<Option<InteractionId>> {
    Ok(conn
        .query_row(
            "SELECT id FROM interactions WHERE team_id = ?1",
            [team_id],
            |r| r.get(0),
        )
        .optional()?
        .map(InteractionId))
}

/// Records a claim change made from this inbox at once, before the mirror reads it back.
pub fn set_team_claim(conn: &Connection, team_id: i64, claim: Option<&Claim>) -> Result<()> {
    conn.execute(
        "UPDATE interactions SET claimed_by = ?2, claim_expires_at = ?3 WHERE team_id = ?1",
        params![
            team_id,
            claim.map(|c| c.by.as_str()),
            claim.map(|c| to_db_time(c.expires_at))
        ],
    )?;
    Ok(())
}

/// The live claim on cached item `id`, judged at `now`.
pub fn team_claim(
    conn: &Connection,
    id: InteractionId,
    now: DateTime<Utc>,
) -> Result<Option<Claim>> {
    let row: Option<(Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT claimed_by, claim_expires_at FROM interactions WHERE id = ?1",
            [id.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((Some(by), Some(until))) if until > to_db_time(now) => Some(Claim {
            by,
            expires_at: from_db_time(until),
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;
    use crate::store::{queue_page, QueueFilter};

    fn item(team_id: i64, claim: Option<Claim>) -> TeamItem {
        let t = Utc::now();
        TeamItem {
            team_id,
            account: "Дом".into(),
            marketplace: Marketplace::Wb,
            channel: "review".into(),
            external_id: format!("fb-{team_id}"),
            source: "wb".into(),
            product_external_id: None,
            product_name: Some("Плед".into()),
            customer_name: Some("Анна".into()),
            text: "Плед пришёл с дыркой".into(),
            pros: None,
            cons: None,
            rating: Some(2),
            created_at: t,
            waiting_since: t,
            synced_at: t,
            state: "open".into(),
            answer_text: None,
            tier: "normal".into(),
            at_risk_at: t + chrono::Duration::hours(1),
            due_at: t + chrono::Duration::hours(2),
            reply_handle: None,
            raw: "{}".into(),
            claim,
        }
    }

    #[test]
    fn cached_items_show_their_live_claims_and_my_items() {
        let (_dir, store) = temp_store();
        let mut conn = rusqlite::Connection::open(store.path()).unwrap();
        let maria = Claim {
            by: "maria".into(),
            expires_at: Utc::now() + chrono::Duration::minutes(15),
        };
        let expired = Claim {
            by: "ivan".into(),
            expires_at: Utc::now() - chrono::Duration::minutes(1),
        };
        let items = [item(7, Some(maria)), item(8, Some(expired)), item(9, None)];
        assert_eq!(apply_team_items(&mut conn, &items).unwrap(), 3);
        assert_eq!(
            apply_team_items(&mut conn, &items[..1]).unwrap(),
            1,
            "replaced"
        );
        let rows = queue_page(&conn, &QueueFilter::default(), 0, 10).unwrap();
        let claims: Vec<_> = rows.iter().map(|r| r.claimed_by.as_deref()).collect();
        assert_eq!(
            claims,
            [Some("maria"), None, None],
            "an expired claim is none"
        );
        let mine = QueueFilter {
            claimed_by: Some("maria".into()),
            ..QueueFilter::default()
        };
        let rows = queue_page(&conn, &mine, 0, 10).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(team_id(&conn, rows[0].id).unwrap(), Some(7));
        set_team_claim(&conn, 7, None).unwrap();
        assert!(queue_page(&conn, &mine, 0, 10).unwrap().is_empty());
        set_team_cursor(&conn, "pg://x", 42).unwrap();
        assert_eq!(team_cursor(&conn, "pg://x").unwrap(), 42);
        assert_eq!(team_cursor(&conn, "pg://y").unwrap(), 0);
    }
}
