//! Metrics per version, from the replies delivered in a period: acceptance (sent from the
//! draft unchanged or with a small edit), mean edit distance, harmful rate, and the pilot
//! metrics a version can move (draft acceptance at the pilot's 0.1, questions within SLA,
//! reviews within 24 h), each with counts and a 95 % interval, and a verdict on whether a
//! winner can be called.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use serde::Serialize;

use super::stats::{two_proportion, verdict, Comparison, Proportion, Verdict};
use super::DEFAULT_VERSION;
use crate::analytics::MetricsQuery;

/// A reply counts as accepted below this normalised edit distance from its draft.
pub const ACCEPTED_BELOW: f64 = 0.2;
/// The pilot metric's stricter bound (`draft_acceptance`, SPEC section 7).
pub const PILOT_ACCEPTED_AT_MOST: f64 = 0.1;

/// One delivered reply of a version.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionReply {
    pub version: String,
    pub human: bool,
    pub edit_distance: Option<f64>,
    pub harmful: bool,
    pub channel: String,
    /// Seconds from the item's creation to the reply.
    pub after_created: i64,
    /// The reply went out by the item's deadline.
    pub by_deadline: bool,
    /// Seconds from the seller opening the editor to sending (the reply's queueing);
    /// `None` when it was not written in the inbox's editor.
    pub open_to_send: Option<i64>,
}

/// The figures of one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionMetrics {
    pub version: String,
    /// Delivered replies drafted by this version (the seller's and the auto-responder's).
    pub replies: u64,
    /// The seller's replies from the draft with edit distance < 0.2 ÷ the seller's replies.
    pub acceptance: Proportion,
    pub mean_edit_distance: Option<f64>,
    /// Replies with a block-level finding or a deliberate override ÷ replies.
    pub harmful: Proportion,
    /// Pilot: the seller's replies with edit distance <= 0.1 ÷ the seller's replies.
    pub pilot_draft_acceptance: Proportion,
    /// Pilot: question replies sent by the deadline ÷ question replies.
    pub pilot_questions_sla: Proportion,
    /// Pilot: review replies sent within 24 h of the review ÷ review replies.
    pub pilot_reviews_24h: Proportion,
    /// Time from opening the editor to sending, over the seller's replies written in it.
    pub open_to_send: OpenToSend,
}

/// Time from opening an item's editor to sending its reply, over a version's replies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OpenToSend {
    /// Replies with the time recorded.
    pub replies: u64,
    pub median_seconds: Option<f64>,
    pub mean_seconds: Option<f64>,
}

impl OpenToSend {
    /// Over these durations (seconds; negative ones, from a clock set back, count as 0).
    pub fn of(mut seconds: Vec<i64>) -> OpenToSend {
        seconds.iter_mut().for_each(|s| *s = (*s).max(0));
        seconds.sort_unstable();
        let n = seconds.len();
        if n == 0 {
            return OpenToSend::default();
        }
        let median = if n % 2 == 1 {
            seconds[n / 2] as f64
        } else {
            (seconds[n / 2 - 1] + seconds[n / 2]) as f64 / 2.0
        };
        OpenToSend {
            replies: n as u64,
            median_seconds: Some(median),
            mean_seconds: Some(seconds.iter().sum::<i64>() as f64 / n as f64),
        }
    }
}

/// A version's acceptance against the baseline's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionComparison {
    pub version: String,
    pub baseline: String,
    #[serde(flatten)]
    pub test: Comparison,
}

/// Every version's figures in a period, the comparisons and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub experiment_id: Option<i64>,
    pub versions: Vec<VersionMetrics>,
    pub comparisons: Vec<VersionComparison>,
    pub verdict: Verdict,
}

/// The delivered replies of the query's period with a recorded version, optionally of one
/// experiment only.
pub fn version_replies(
    conn: &Connection,
    q: &MetricsQuery,
    experiment_id: Option<i64>,
) -> Result<Vec<VersionReply>> {
    let mut sql = String::from(
        "SELECT o.version, o.actor, o.edit_distance, o.verdict, o.findings, o.overridden,
                i.channel, coalesce(o.sent_at, o.confirmed_at) - i.created_at,
                coalesce(o.sent_at, o.confirmed_at) <= i.due_at, o.created_at - o.opened_at
         FROM outbox o
         JOIN interactions i ON i.id = o.interaction_id
         JOIN accounts a ON a.id = i.account_id
         WHERE o.state IN ('accepted', 'visible') AND o.shadow = 0 AND o.cancelled_at IS NULL
           AND o.kind = 'reply' AND o.version IS NOT NULL
           AND coalesce(o.sent_at, o.confirmed_at) >= ? AND coalesce(o.sent_at, o.confirmed_at) < ?",
    );
    let mut values = vec![
        Value::Integer(q.from.timestamp()),
        Value::Integer(q.to.timestamp()),
    ];
    if let Some(id) = q.account_id {
        sql.push_str(" AND i.account_id = ?");
        values.push(Value::Integer(id));
    }
    if let Some(m) = q.marketplace {
        sql.push_str(" AND a.marketplace = ?");
        values.push(Value::Text(m.as_str().into()));
    }
    if let Some(c) = q.channel {
        sql.push_str(" AND i.channel = ?");
        values.push(Value::Text(c.as_str().into()));
    }
    if let Some(id) = experiment_id {
        sql.push_str(" AND o.experiment_id = ?");
        values.push(Value::Integer(id));
    }
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(values.iter()), |r| {
        let actor: String = r.get(1)?;
        let verdict: Option<String> = r.get(3)?;
        let findings: String = r.get(4)?;
        let overridden: bool = r.get(5)?;
        Ok(VersionReply {
            version: r.get(0)?,
            human: actor == "human",
            edit_distance: r.get(2)?,
            harmful: overridden
                || verdict.as_deref() == Some("block")
                || crate::analytics::findings_have_block(&findings),
            channel: r.get(6)?,
            after_created: r.get(7)?,
            by_deadline: r.get(8)?,
            open_to_send: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Default)]
struct Tally {
    replies: u64,
    human: u64,
    accepted: u64,
    pilot_accepted: u64,
    distance_sum: f64,
    distances: u64,
    harmful: u64,
    questions: u64,
    questions_in_sla: u64,
    reviews: u64,
    reviews_in_24h: u64,
    open_to_send: Vec<i64>,
}

/// The figures per version of `replies`, versions in name order.
pub fn summarise(replies: &[VersionReply]) -> Vec<VersionMetrics> {
    let mut by: BTreeMap<&str, Tally> = BTreeMap::new();
    for r in replies {
        let t = by.entry(&r.version).or_default();
        t.replies += 1;
        t.harmful += u64::from(r.harmful);
        if r.human {
            t.human += 1;
            t.open_to_send.extend(r.open_to_send);
            if let Some(d) = r.edit_distance {
                t.accepted += u64::from(d < ACCEPTED_BELOW);
                t.pilot_accepted += u64::from(d <= PILOT_ACCEPTED_AT_MOST);
                t.distance_sum += d;
                t.distances += 1;
            }
        }
        match r.channel.as_str() {
            "question" => {
                t.questions += 1;
                t.questions_in_sla += u64::from(r.by_deadline);
            }
            "review" => {
                t.reviews += 1;
                t.reviews_in_24h += u64::from(r.after_created <= 24 * 3600);
            }
            _ => {}
        }
    }
    by.into_iter()
        .map(|(version, t)| VersionMetrics {
            version: version.to_string(),
            replies: t.replies,
            acceptance: Proportion::new(t.accepted, t.human),
            mean_edit_distance: (t.distances > 0).then(|| t.distance_sum / t.distances as f64),
            harmful: Proportion::new(t.harmful, t.replies),
            pilot_draft_acceptance: Proportion::new(t.pilot_accepted, t.human),
            pilot_questions_sla: Proportion::new(t.questions_in_sla, t.questions),
            pilot_reviews_24h: Proportion::new(t.reviews_in_24h, t.reviews),
            open_to_send: OpenToSend::of(t.open_to_send),
        })
        .collect()
}

/// The baseline others are compared with: the shipped default when present, else the
/// first version listed.
fn baseline(versions: &[VersionMetrics]) -> Option<&VersionMetrics> {
    versions
        .iter()
        .find(|v| v.version == DEFAULT_VERSION)
        .or_else(|| versions.first())
}

/// The report over `replies`.
pub fn report_of(
    q: &MetricsQuery,
    experiment_id: Option<i64>,
    replies: &[VersionReply],
) -> VersionReport {
    let versions = summarise(replies);
    let comparisons = match baseline(&versions) {
        Some(base) => versions
            .iter()
            .filter(|v| v.version != base.version)
            .filter_map(|v| {
                two_proportion(&v.acceptance, &base.acceptance).map(|test| VersionComparison {
                    version: v.version.clone(),
                    baseline: base.version.clone(),
                    test,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let verdict = verdict(
        &versions
            .iter()
            .map(|v| (v.version.clone(), v.acceptance))
            .collect::<Vec<_>>(),
    );
    VersionReport {
        from: q.from,
        to: q.to,
        experiment_id,
        versions,
        comparisons,
        verdict,
    }
}

/// Reads the period's replies and reports per version.
pub fn version_report(
    conn: &Connection,
    q: &MetricsQuery,
    experiment_id: Option<i64>,
) -> Result<VersionReport> {
    let replies = version_replies(conn, q, experiment_id)?;
    Ok(report_of(q, experiment_id, &replies))
}

fn pct(p: &Proportion) -> String {
    match (p.rate, p.low, p.high) {
        (Some(r), Some(l), Some(h)) => format!(
            "{:.0}% ({}/{}, 95% CI {:.0}–{:.0}%)",
            r * 100.0,
            p.successes,
            p.trials,
            l * 100.0,
            h * 100.0
        ),
        _ => "—".to_string(),
    }
}

/// "median 42 s, mean 1 min 5 s (12 replies)", or "—" with none recorded.
pub fn open_to_send_text(t: &OpenToSend) -> String {
    match (t.median_seconds, t.mean_seconds) {
        (Some(median), Some(mean)) => format!(
            "median {}, mean {} ({} replies)",
            duration_text(median),
            duration_text(mean),
            t.replies
        ),
        _ => "—".to_string(),
    }
}

/// Seconds as "42 s" or "3 min 5 s".
pub fn duration_text(seconds: f64) -> String {
    let s = seconds.round() as i64;
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}

/// The plain sentence for a verdict (English, for the CLI; the TUI has its own).
pub fn verdict_line(v: &Verdict) -> String {
    match v {
        Verdict::NothingToCompare => "Nothing to compare yet: fewer than two versions have replies.".into(),
        Verdict::NotEnoughData { needed, smallest } => format!(
            "Not enough data to call a winner yet: each version needs {needed} of the seller's replies, the smallest has {smallest}."
        ),
        Verdict::NoClearWinner { leader, p_value } => format!(
            "No clear winner yet: {leader} leads, but the difference is not significant (p = {p_value:.3})."
        ),
        Verdict::Winner { version, p_value } => {
            format!("Winner: {version} (acceptance higher than every other version, p = {p_value:.3}).")
        }
    }
}

/// The report as text, one block per version.
pub fn render_text(report: &VersionReport) -> String {
    let mut out = format!(
        "Metrics by version, {} – {}\n",
        report.from.format("%Y-%m-%d %H:%M"),
        report.to.format("%Y-%m-%d %H:%M")
    );
    if report.versions.is_empty() {
        out.push_str("No replies sent from a versioned draft in this period.\n");
    }
    for v in &report.versions {
        out.push_str(&format!("\n{} — {} replies\n", v.version, v.replies));
        out.push_str(&format!(
            "  acceptance (edit < 0.2):   {}\n",
            pct(&v.acceptance)
        ));
        out.push_str(&format!(
            "  mean edit distance:        {}\n",
            v.mean_edit_distance
                .map_or("—".to_string(), |d| format!("{d:.3}"))
        ));
        out.push_str(&format!(
            "  harmful:                   {}\n",
            pct(&v.harmful)
        ));
        out.push_str(&format!(
            "  pilot draft acceptance:    {}\n",
            pct(&v.pilot_draft_acceptance)
        ));
        out.push_str(&format!(
            "  pilot questions in SLA:    {}\n",
            pct(&v.pilot_questions_sla)
        ));
        out.push_str(&format!(
            "  pilot reviews within 24 h: {}\n",
            pct(&v.pilot_reviews_24h)
        ));
        out.push_str(&format!(
            "  time from open to send:    {}\n",
            open_to_send_text(&v.open_to_send)
        ));
    }
    for c in &report.comparisons {
        out.push_str(&format!(
            "\n{} vs {}: acceptance {:+.1} pp (95% CI {:+.1}…{:+.1}), z = {:.2}, p = {:.3}",
            c.version,
            c.baseline,
            c.test.difference * 100.0,
            c.test.low * 100.0,
            c.test.high * 100.0,
            c.test.z,
            c.test.p_value
        ));
    }
    if !report.comparisons.is_empty() {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&verdict_line(&report.verdict));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn reply(version: &str, human: bool, d: Option<f64>, channel: &str) -> VersionReply {
        VersionReply {
            version: version.into(),
            human,
            edit_distance: d,
            harmful: false,
            channel: channel.into(),
            after_created: 3600,
            by_deadline: true,
            open_to_send: None,
        }
    }

    #[test]
    fn time_from_open_to_send_counts_the_sellers_replies_written_in_the_editor() {
        let mut replies = vec![
            reply("a", true, Some(0.0), "review"),
            reply("a", true, Some(0.0), "review"),
            reply("a", true, Some(0.0), "review"),
            reply("a", false, Some(0.0), "review"),
            reply("a", true, Some(0.0), "review"),
        ];
        replies[0].open_to_send = Some(30);
        replies[1].open_to_send = Some(90);
        replies[2].open_to_send = Some(300);
        // An auto-reply never had an editor; a typed CLI reply has no time.
        replies[3].open_to_send = Some(5);
        let m = summarise(&replies);
        let t = m[0].open_to_send;
        assert_eq!(t.replies, 3);
        assert_eq!(t.median_seconds, Some(90.0));
        assert_eq!(t.mean_seconds, Some(140.0));
        assert_eq!(
            open_to_send_text(&t),
            "median 1 min 30 s, mean 2 min 20 s (3 replies)"
        );
        assert_eq!(OpenToSend::of(vec![10, 20]).median_seconds, Some(15.0));
        assert_eq!(OpenToSend::of(Vec::new()).median_seconds, None);
    }

    #[test]
    fn versions_are_tallied_with_the_right_denominators() {
        let mut replies = vec![
            reply("a", true, Some(0.0), "review"),
            reply("a", true, Some(0.15), "review"),
            reply("a", true, Some(0.5), "question"),
            reply("a", false, Some(0.0), "review"),
            reply("b", true, Some(0.05), "chat"),
        ];
        replies[2].by_deadline = false;
        replies[1].after_created = 25 * 3600;
        replies[3].harmful = true;
        let m = summarise(&replies);
        assert_eq!(m.len(), 2);
        let a = &m[0];
        assert_eq!(a.replies, 4);
        // Auto-replies are not the seller's acceptance.
        assert_eq!((a.acceptance.successes, a.acceptance.trials), (2, 3));
        assert_eq!(a.pilot_draft_acceptance.successes, 1);
        assert!((a.mean_edit_distance.unwrap() - 0.65 / 3.0).abs() < 1e-12);
        assert_eq!((a.harmful.successes, a.harmful.trials), (1, 4));
        assert_eq!(
            (
                a.pilot_questions_sla.successes,
                a.pilot_questions_sla.trials
            ),
            (0, 1)
        );
        assert_eq!(
            (a.pilot_reviews_24h.successes, a.pilot_reviews_24h.trials),
            (2, 3)
        );
        assert_eq!(m[1].pilot_reviews_24h.trials, 0);
    }

    #[test]
    fn the_report_compares_with_the_default_and_says_when_data_are_short() {
        let q = MetricsQuery::new(
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 8, 0, 0, 0).unwrap(),
        );
        let replies = vec![
            reply("drafts-ru-brief", true, Some(0.0), "review"),
            reply("drafts-ru-v2", true, Some(0.5), "review"),
            reply("drafts-ru-v2", true, Some(0.0), "review"),
        ];
        let report = report_of(&q, None, &replies);
        assert_eq!(report.comparisons.len(), 1);
        assert_eq!(report.comparisons[0].baseline, DEFAULT_VERSION);
        assert!(matches!(
            report.verdict,
            Verdict::NotEnoughData { smallest: 1, .. }
        ));
        let text = render_text(&report);
        assert!(text.contains("Not enough data to call a winner"), "{text}");
        assert!(text.contains("drafts-ru-brief — 1 replies"), "{text}");
    }
}
