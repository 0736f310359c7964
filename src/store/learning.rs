//! What the drafts learnt from the seller's edits, as rows: phrases to avoid or add, and
//! the length of the seller's replies per channel. The learning itself (what a sent reply
//! teaches) is in `crate::learning`; this is only their storage.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::from_db_time;

/// Rows an account keeps at most; past it, phrases seen once are dropped oldest first, so
/// one-off edits never grow the table without bound.
const MAX_PHRASES_PER_ACCOUNT: i64 = 1000;
/// The running mean of reply lengths weighs the newest this many replies.
const LENGTH_WINDOW: i64 = 50;

/// One learnt phrase as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LearntPhrase {
    pub id: i64,
    pub account_id: i64,
    /// avoid | opening | closing | body
    pub kind: String,
    /// '' for every channel.
    pub channel: String,
    /// '' for every product.
    pub product_external_id: String,
    /// With {name} and {product} where the customer's and the product's names were.
    pub phrase: String,
    pub norm: String,
    /// How many sent replies taught it.
    pub seen: i64,
    pub last_at: DateTime<Utc>,
}

/// A phrase one sent reply taught.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhraseLesson<'a> {
    pub kind: &'a str,
    pub channel: &'a str,
    pub product_external_id: &'a str,
    pub phrase: &'a str,
    pub norm: &'a str,
}

/// Counts one more sighting of a phrase (adding it if new). Adding a phrase forgets the
/// same phrase as one to avoid, and avoiding it forgets it as an addition: the newest
/// edit wins.
pub fn note_phrase(
    conn: &Connection,
    account_id: i64,
    lesson: &PhraseLesson<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let opposite = if lesson.kind == "avoid" {
        "kind != 'avoid'"
    } else {
        "kind = 'avoid'"
    };
    conn.prepare_cached(&format!(
        "DELETE FROM learnt_phrases WHERE account_id = ?1 AND norm = ?2 AND {opposite}"
    ))?
    .execute(params![account_id, lesson.norm])?;
    conn.prepare_cached(
        "INSERT INTO learnt_phrases (account_id, kind, channel, product_external_id, phrase, norm,
                                     seen, first_at, last_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)
         ON CONFLICT (account_id, kind, channel, product_external_id, norm)
         DO UPDATE SET seen = seen + 1, last_at = excluded.last_at, phrase = excluded.phrase",
    )?
    .execute(params![
        account_id,
        lesson.kind,
        lesson.channel,
        lesson.product_external_id,
        lesson.phrase,
        lesson.norm,
        now.timestamp()
    ])?;
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM learnt_phrases WHERE account_id = ?1")?
        .query_row(params![account_id], |r| r.get(0))?;
    if count > MAX_PHRASES_PER_ACCOUNT {
        conn.prepare_cached(
            "DELETE FROM learnt_phrases WHERE id IN (
                 SELECT id FROM learnt_phrases WHERE account_id = ?1
                 ORDER BY seen, last_at LIMIT ?2)",
        )?
        .execute(params![account_id, count - MAX_PHRASES_PER_ACCOUNT])?;
    }
    Ok(())
}

/// Adds one sent reply's length to the channel's running mean.
pub fn note_length(
    conn: &Connection,
    account_id: i64,
    channel: &str,
    chars: usize,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO learnt_lengths (account_id, channel, mean_chars, samples, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT (account_id, channel) DO UPDATE SET
             samples = min(samples + 1, ?5),
             mean_chars = mean_chars + (excluded.mean_chars - mean_chars) / min(samples + 1, ?5),
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        account_id,
        channel,
        chars as f64,
        now.timestamp(),
        LENGTH_WINDOW
    ])?;
    Ok(())
}

/// An account's learnt phrases seen at least `min_seen` times, most seen first.
pub fn learnt_phrases(
    conn: &Connection,
    account_id: i64,
    min_seen: i64,
) -> Result<Vec<LearntPhrase>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, account_id, kind, channel, product_external_id, phrase, norm, seen, last_at
         FROM learnt_phrases WHERE account_id = ?1 AND seen >= ?2
         ORDER BY seen DESC, last_at DESC, id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(
            params![account_id, min_seen, MAX_PHRASES_PER_ACCOUNT],
            |r| {
                Ok(LearntPhrase {
                    id: r.get(0)?,
                    account_id: r.get(1)?,
                    kind: r.get(2)?,
                    channel: r.get(3)?,
                    product_external_id: r.get(4)?,
                    phrase: r.get(5)?,
                    norm: r.get(6)?,
                    seen: r.get(7)?,
                    last_at: from_db_time(r.get(8)?),
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The learnt reply length of one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct LearntLength {
    pub account_id: i64,
    pub channel: String,
    pub mean_chars: f64,
    pub samples: i64,
}

/// An account's learnt reply lengths, by channel.
pub fn learnt_lengths(conn: &Connection, account_id: i64) -> Result<Vec<LearntLength>> {
    let mut stmt = conn.prepare_cached(
        "SELECT account_id, channel, mean_chars, samples FROM learnt_lengths
         WHERE account_id = ?1 ORDER BY channel",
    )?;
    let rows = stmt
        .query_map(params![account_id], |r| {
            Ok(LearntLength {
                account_id: r.get(0)?,
                channel: r.get(1)?,
                mean_chars: r.get(2)?,
                samples: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Forgets one learnt phrase of the account; whether there was one.
pub fn forget_phrase(conn: &Connection, account_id: i64, id: i64) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM learnt_phrases WHERE account_id = ?1 AND id = ?2",
        params![account_id, id],
    )? > 0)
}

/// Forgets the learnt length of one channel; whether there was one.
pub fn forget_length(conn: &Connection, account_id: i64, channel: &str) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM learnt_lengths WHERE account_id = ?1 AND channel = ?2",
        params![account_id, channel],
    )? > 0)
}

/// Forgets everything the account's drafts learnt; how many entries went.
pub fn forget_all(conn: &Connection, account_id: i64) -> Result<usize> {
    let phrases = conn.execute(
        "DELETE FROM learnt_phrases WHERE account_id = ?1",
        params![account_id],
    )?;
    let lengths = conn.execute(
        "DELETE FROM learnt_lengths WHERE account_id = ?1",
        params![account_id],
    )?;
    Ok(phrases + lengths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        conn.execute(
            "INSERT INTO accounts (name, marketplace, created_at) VALUES ('a', 'wb', 0)",
            [],
        )
        .unwrap();
        conn
    }

    fn lesson<'a>(kind: &'a str, phrase: &'a str) -> PhraseLesson<'a> {
        PhraseLesson {
            kind,
            channel: "review",
            product_external_id: "",
            phrase,
            norm: phrase,
        }
    }

    #[test]
    fn phrases_count_and_the_newest_edit_wins() {
        let conn = db();
        let now = Utc::now();
        note_phrase(&conn, 1, &lesson("closing", "с уважением"), now).unwrap();
        note_phrase(&conn, 1, &lesson("closing", "с уважением"), now).unwrap();
        let rows = learnt_phrases(&conn, 1, 2).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].seen, 2);
        note_phrase(&conn, 1, &lesson("avoid", "с уважением"), now).unwrap();
        let rows = learnt_phrases(&conn, 1, 1).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, "avoid");
        assert!(forget_phrase(&conn, 1, rows[0].id).unwrap());
        assert!(learnt_phrases(&conn, 1, 1).unwrap().is_empty());
    }

    #[test]
    fn lengths_are_a_running_mean() {
        let conn = db();
        let now = Utc::now();
        note_length(&conn, 1, "review", 100, now).unwrap();
        note_length(&conn, 1, "review", 200, now).unwrap();
        let l = learnt_lengths(&conn, 1).unwrap();
        assert_eq!(l.len(), 1);
        assert!(
            (l[0].mean_chars - 150.0).abs() < 1e-9,
            "{}",
            l[0].mean_chars
        );
        assert_eq!(l[0].samples, 2);
        assert!(forget_length(&conn, 1, "review").unwrap());
        assert_eq!(forget_all(&conn, 1).unwrap(), 0);
    }
}
