//! Whether the auto-responder sends, and the two deliberate steps that change it.
//!
//! Enabling auto-replies in the settings runs them in **shadow mode**: every reply is
//! recorded in the outbox with `shadow = 1` and never sent. Nothing in the settings makes
//! them live: that takes a go-live record ([`go_live`]), written only after the seller saw
//! the shadow period's figures and typed the confirmation word. A settings change that
//! turns the section off (or forces shadow) drops the record, so enabling again starts in
//! shadow again. The kill switch ([`kill_switch`]) turns auto-replies off, drops the
//! record and cancels every auto-reply not yet sent, in one transaction.

use anyhow::{bail, Result};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};

use super::auto::AutoPolicy;
pub use crate::domain::{ShadowCounts, ShadowFigures};
use crate::outbox::edit_distance;
use crate::settings::editable::{get_path, store_section, with_path};
use crate::settings::{Scope, Section};

/// The word typed to go live, in the UI's two languages; either is accepted.
pub const LIVE_WORD_RU: &str = "ВКЛЮЧИТЬ";
pub const LIVE_WORD_EN: &str = "ENABLE";

/// Whether `typed` is the go-live confirmation word (case and surrounding space ignored).
pub fn is_live_word(typed: &str) -> bool {
    let t = typed.trim().to_uppercase();
    t == LIVE_WORD_RU || t == LIVE_WORD_EN
}

/// What the auto-responder does for one account now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AutoMode {
    /// Disabled in the settings (or stopped by the kill switch).
    Off,
    /// Records what it would send; sends nothing.
    Shadow,
    /// Sends, since the go-live confirmation at `since` (unix seconds).
    Live { since: i64 },
}

impl AutoMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoMode::Off => "off",
            AutoMode::Shadow => "shadow",
            AutoMode::Live { .. } => "live",
        }
    }
}

fn live_since(conn: &Connection, account_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT since FROM autoreply_live WHERE account_id = ?1",
            [account_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The mode `policy` (the account's effective `[auto_response]`) and the go-live record
/// give: live only with both the settings allowing it and the deliberate record.
pub fn mode(conn: &Connection, policy: &AutoPolicy, account_id: i64) -> Result<AutoMode> {
    if !policy.enabled {
        return Ok(AutoMode::Off);
    }
    match live_since(conn, account_id)? {
        Some(since) if !policy.shadow => Ok(AutoMode::Live { since }),
        _ => Ok(AutoMode::Shadow),
    }
}

/// The account's mode, reading its settings.
pub fn account_mode(conn: &Connection, account_id: i64) -> Result<AutoMode> {
    let policy: AutoPolicy = crate::settings::load(conn, Some(account_id))?;
    mode(conn, &policy, account_id)
}

/// Auto-replies of the account created since `now - 1 h` that count against the hourly
/// cap: live ones (or shadow ones, for the shadow cap), cancelled and superseded excluded.
pub fn used_this_hour(
    conn: &Connection,
    account_id: i64,
    shadow: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox o JOIN interactions i ON i.id = o.interaction_id
         WHERE i.account_id = ?1 AND o.actor = 'auto' AND o.shadow = ?2 AND o.created_at > ?3
           AND NOT (o.state = 'failed' AND coalesce(o.last_error, '') IN ('cancelled', 'superseded'))",
        params![account_id, shadow, (now - Duration::hours(1)).timestamp()],
        |r| r.get(0),
    )?)
}

/// The shadow figures of `account_id`: each shadow reply against the seller's own reply to
/// the item (through AgentIQ, else the answer the marketplace shows).
pub fn shadow_figures(conn: &Connection, account_id: i64) -> Result<ShadowFigures> {
    let mut stmt = conn.prepare(
        "SELECT o.text, o.created_at, i.state,
                (SELECT h.text FROM outbox h
                  WHERE h.interaction_id = i.id AND h.actor = 'human' AND h.shadow = 0
                    AND h.state != 'failed'
                  ORDER BY h.id LIMIT 1),
                i.answer_text,
                EXISTS (SELECT 1 FROM outbox a
                         WHERE a.interaction_id = i.id AND a.actor = 'auto' AND a.shadow = 0
                           AND a.state != 'failed')
         FROM outbox o JOIN interactions i ON i.id = o.interaction_id
         WHERE i.account_id = ?1 AND o.actor = 'auto' AND o.shadow = 1
         ORDER BY o.id",
    )?;
    let rows = stmt.query_map([account_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    let mut f = ShadowFigures::default();
    let mut distances = Vec::new();
    for row in rows {
        let (shadow_text, at, state, ours, marketplace, auto_live) = row?;
        f.would_send += 1;
        f.from = Some(f.from.map_or(at, |x| x.min(at)));
        f.to = Some(f.to.map_or(at, |x| x.max(at)));
        if ours.is_none() && auto_live {
            f.answered_live += 1;
            continue;
        }
        match ours.or(marketplace).filter(|t| !t.trim().is_empty()) {
            Some(sent) => {
                let d = edit_distance(&shadow_text, &sent);
                distances.push(d);
                if d == 0.0 {
                    f.sent_as_is += 1;
                } else {
                    f.edited += 1;
                }
            }
            None if matches!(state.as_str(), "open" | "pending") => f.undecided += 1,
            None => f.rejected += 1,
        }
    }
    if !distances.is_empty() {
        f.mean_edit_distance = Some(distances.iter().sum::<f64>() / distances.len() as f64);
    }
    Ok(f)
}

/// Makes `account_id`'s auto-replies live, if `word` is the confirmation word and the
/// account runs in shadow mode now. Records the go-live with the figures it was shown in
/// the audit log. Run it inside a transaction with nothing else.
pub fn go_live(
    conn: &Connection,
    account_id: i64,
    word: &str,
    via: &str,
    now: DateTime<Utc>,
) -> Result<ShadowFigures> {
    if !is_live_word(word) {
        bail!("type {LIVE_WORD_RU} (or {LIVE_WORD_EN}) to make auto-replies live");
    }
    match account_mode(conn, account_id)? {
        AutoMode::Off => bail!(
            "auto-replies are off for this account: enable them ([auto_response] enabled = true), \
             let shadow mode record what it would send, then go live"
        ),
        AutoMode::Live { .. } => bail!("auto-replies of this account are live already"),
        AutoMode::Shadow => {}
    }
    let policy: AutoPolicy = crate::settings::load(conn, Some(account_id))?;
    if policy.shadow {
        bail!("[auto_response] shadow = true keeps this account in shadow mode; set it to false first");
    }
    let figures = shadow_figures(conn, account_id)?;
    let detail = json!({"account_id": account_id, "via": via, "figures": figures});
    conn.execute(
        "INSERT INTO autoreply_live (account_id, since, via, figures) VALUES (?1, ?2, ?3, ?4)",
        params![
            account_id,
            now.timestamp(),
            via,
            serde_json::to_string(&figures)?
        ],
    )?;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, 'human', 'autoreply_live', ?2)",
        params![now.timestamp(), detail.to_string()],
    )?;
    Ok(figures)
}

/// A settings change to `[auto_response]` at `scope` was stored: accounts it turned off
/// or forced into shadow lose their go-live record, so turning them on again starts in
/// shadow mode.
pub fn settings_changed(conn: &Connection, scope: Scope, now: DateTime<Utc>) -> Result<()> {
    let live: Vec<i64> = match scope {
        Scope::Account(id) => vec![id],
        Scope::Global => conn
            .prepare("SELECT account_id FROM autoreply_live")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
    };
    for account_id in live {
        let policy: AutoPolicy = crate::settings::load(conn, Some(account_id))?;
        if !policy.enabled || policy.shadow {
            end_live(conn, account_id, "settings", now)?;
        }
    }
    Ok(())
}

fn end_live(conn: &Connection, account_id: i64, why: &str, now: DateTime<Utc>) -> Result<bool> {
    let ended = conn.execute(
        "DELETE FROM autoreply_live WHERE account_id = ?1",
        [account_id],
    )? > 0;
    if ended {
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, 'human', 'autoreply_live_ended', ?2)",
            params![
                now.timestamp(),
                json!({"account_id": account_id, "why": why}).to_string()
            ],
        )?;
    }
    Ok(ended)
}

/// What the kill switch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stopped {
    /// Accounts whose auto-replies were live.
    pub were_live: usize,
    /// Auto-replies cancelled before they were sent.
    pub cancelled: usize,
}

/// The kill switch: auto-replies off for `account` (every account for `None`), the
/// go-live record gone and every auto-reply not yet sent cancelled (the item goes back
/// to the queue). Run it inside one transaction.
pub fn kill_switch(
    conn: &Connection,
    account: Option<i64>,
    via: &str,
    now: DateTime<Utc>,
) -> Result<Stopped> {
    let accounts: Vec<i64> = match account {
        Some(id) => vec![id],
        None => conn
            .prepare("SELECT id FROM accounts")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
    };
    let mut stopped = Stopped::default();
    for &id in &accounts {
        if end_live(conn, id, "kill_switch", now)? {
            stopped.were_live += 1;
        }
    }
    // Off in the settings: globally and in every account's own layer that says otherwise,
    // or in the one account's layer.
    let scopes: Vec<Scope> = match account {
        Some(id) => vec![Scope::Account(id)],
        None => std::iter::once(Scope::Global)
            .chain(
                accounts
                    .iter()
                    .filter(|&&id| {
                        stored_layer(conn, Scope::Account(id))
                            .ok()
                            .flatten()
                            .is_some_and(|l| get_path(&l, &["enabled".into()]).is_some())
                    })
                    .map(|&id| Scope::Account(id)),
            )
            .collect(),
    };
    for scope in scopes {
        let layer = stored_layer(conn, scope)?;
        let off = with_path(layer.as_ref(), &["enabled".into()], Value::Bool(false));
        store_section(conn, scope, &super::AUTO_RESPONSE_SECTION, Some(&off))?;
    }
    let pending: Vec<i64> = conn
        .prepare(
            "SELECT o.id FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             WHERE o.actor = 'auto' AND o.state = 'queued' AND o.attempts = 0 AND o.shadow = 0
               AND (?1 IS NULL OR i.account_id = ?1)",
        )?
        .query_map([account], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in pending {
        if crate::outbox::cancel_reply(conn, id, now)? {
            stopped.cancelled += 1;
        }
    }
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, 'human', 'autoreply_off', ?2)",
        params![
            now.timestamp(),
            json!({"account_id": account, "via": via, "were_live": stopped.were_live,
                   "cancelled": stopped.cancelled})
            .to_string()
        ],
    )?;
    Ok(stopped)
}

fn stored_layer(conn: &Connection, scope: Scope) -> Result<Option<Value>> {
    let scope_text = match scope {
        Scope::Global => "global".to_string(),
        Scope::Account(id) => format!("account:{id}"),
    };
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE scope = ?1 AND key = ?2",
            params![scope_text, AutoPolicy::KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// One account's auto-responder, for `agentiq autoreply status` and the settings screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStatus {
    pub account_id: i64,
    pub account: String,
    #[serde(flatten)]
    pub mode: AutoMode,
    pub hourly_cap: u32,
    /// Live auto-replies counted against the cap in the last hour.
    pub live_last_hour: i64,
    /// Live auto-replies queued and not yet sent (the kill switch would cancel them).
    pub waiting: i64,
    pub shadow: ShadowFigures,
}

/// Every account's auto-responder at `now`.
pub fn status(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<AccountStatus>> {
    let mut out = Vec::new();
    for account in crate::store::accounts(conn)? {
        let policy: AutoPolicy = crate::settings::load(conn, Some(account.id))?;
        let waiting = conn.query_row(
            "SELECT count(*) FROM outbox o JOIN interactions i ON i.id = o.interaction_id
             WHERE i.account_id = ?1 AND o.actor = 'auto' AND o.shadow = 0
               AND o.state = 'queued' AND o.attempts = 0",
            [account.id],
            |r| r.get(0),
        )?;
        out.push(AccountStatus {
            account_id: account.id,
            mode: mode(conn, &policy, account.id)?,
            hourly_cap: policy.hourly_cap,
            live_last_hour: used_this_hour(conn, account.id, false, now)?,
            waiting,
            shadow: shadow_figures(conn, account.id)?,
            account: account.name,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        conn.execute(
            "INSERT INTO accounts (id, name, marketplace, created_at) VALUES (1, 'shop', 'wb', 0)",
            [],
        )
        .unwrap();
        conn
    }

    /// An item in `state` with the marketplace's `answer`, a shadow reply, and the other
    /// outbox rows `(actor, shadow, state, text)`.
    fn item(
        conn: &Connection,
        n: i64,
        state: &str,
        answer: Option<&str>,
        rows: &[(&str, bool, &str, &str)],
    ) {
        conn.execute(
            "INSERT INTO interactions (id, account_id, channel, external_id, source, text, created_at,
                 waiting_since, synced_at, state, tier, at_risk_at, due_at, raw, answer_text)
             VALUES (?1, 1, 'review', ?1, 't', 'Спасибо!', 0, 0, 0, ?2, 'low', 0, 0, '{}', ?3)",
            params![n, state, answer],
        )
        .unwrap();
        let shadow = [("auto", true, "queued", "Спасибо за отзыв, Анна!")];
        for (k, (actor, shadow, state, text)) in shadow.iter().chain(rows).enumerate() {
            conn.execute(
                "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                     created_at, updated_at, actor, shadow)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5, ?6, ?7)",
                params![n, format!("{n}-{k}"), text, state, 100 + n, actor, shadow],
            )
            .unwrap();
        }
    }

    #[test]
    fn each_shadow_reply_is_judged_by_what_the_seller_did() {
        let conn = db();
        let same = "Спасибо за отзыв, Анна!";
        item(
            &conn,
            1,
            "answered",
            Some(same),
            &[("human", false, "visible", same)],
        );
        item(
            &conn,
            2,
            "answered",
            None,
            &[("human", false, "visible", "Анна, благодарим! Ждём снова.")],
        );
        item(&conn, 3, "archived", None, &[]);
        item(&conn, 4, "open", None, &[]);
        item(
            &conn,
            5,
            "answered",
            Some(same),
            &[("auto", false, "visible", same)],
        );
        // Answered on the marketplace itself, with the same words.
        item(&conn, 6, "answered", Some(same), &[]);
        // A cancelled human reply is not what the seller sent.
        item(&conn, 7, "open", None, &[("human", false, "failed", "x")]);
        let f = shadow_figures(&conn, 1).unwrap();
        assert_eq!(
            (
                f.would_send,
                f.sent_as_is,
                f.edited,
                f.rejected,
                f.undecided,
                f.answered_live
            ),
            (7, 2, 1, 1, 2, 1),
            "{f:?}"
        );
        assert_eq!((f.from, f.to), (Some(101), Some(107)));
        let mean = f.mean_edit_distance.unwrap();
        assert!(mean > 0.0 && mean < 1.0, "{mean}");
        assert_eq!(f.changed_share(), Some(2.0 / 7.0));
    }

    #[test]
    fn the_word_is_either_language_in_any_case() {
        for word in ["ВКЛЮЧИТЬ", " включить ", "ENABLE", "enable\n"] {
            assert!(is_live_word(word), "{word:?}");
        }
        for word in ["", "да", "yes", "ВКЛЮЧИ", "ОТПРАВИТЬ"] {
            assert!(!is_live_word(word), "{word:?}");
        }
    }
}
