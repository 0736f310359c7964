//! CSV exports of interactions and of daily metrics (`agentiq export`).
//!
//! [`ExportFormat::Csv`] is RFC 4180: `,` between fields, CRLF after each record, a field
//! quoted when it holds `,`, `"`, CR or LF (quotes doubled), UTF-8 without BOM.
//! [`ExportFormat::Excel`] is what Excel in a Russian locale opens correctly by double
//! click: a UTF-8 byte-order mark first (else Cyrillic turns to mojibake), `;` between
//! fields (the list separator there, since `,` is the decimal separator), decimal commas
//! in numbers, CRLF, the same quoting with `;` as the separator.
//!
//! In both flavours a text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
//! `'`, so no spreadsheet runs marketplace text as a formula whichever way the file is
//! opened, and every field loses its control characters (ESC and the rest of C0 but tab,
//! LF and CR; DEL; C1), so a file shown in a terminal cannot drive it.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::facts::{self, ItemRow};
use super::metrics::{metrics_with_days, MetricSet};
use super::period::TIME_ZONE;
use super::MetricsQuery;

/// Which flavour of CSV to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// RFC 4180, for scripts and spreadsheets that ask how to read it.
    Csv,
    /// UTF-8 BOM, `;`, decimal commas, CRLF: opens in Excel with Cyrillic intact.
    Excel,
}

/// What to export: the items created in (or the days of) the filter's period, with SLA
/// outcomes judged at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuery {
    pub filter: MetricsQuery,
    pub now: DateTime<Utc>,
}

impl ExportQuery {
    pub fn new(filter: MetricsQuery, now: DateTime<Utc>) -> ExportQuery {
        ExportQuery { filter, now }
    }
}

/// The UTF-8 byte-order mark that tells Excel the file is UTF-8.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

fn writer(format: ExportFormat, out: &mut dyn Write) -> Result<csv::Writer<&mut dyn Write>> {
    let delimiter = match format {
        ExportFormat::Csv => b',',
        ExportFormat::Excel => {
            out.write_all(BOM)?;
            b';'
        }
    };
    Ok(csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out))
}

/// Formats cells for one flavour.
#[derive(Clone, Copy)]
struct Cells(ExportFormat);

impl Cells {
    /// Free text (names, findings), without control characters and with a leading
    /// formula character neutralised, in every flavour.
    #[cfg(test)]
    fn text(self, s: &str) -> String {
        let mut out = String::new();
        self.text_into(s, &mut out);
        out
    }

    /// [`Cells::text`] appended to `out`.
    fn text_into(self, s: &str, out: &mut String) {
        let start = out.len();
        push_without_controls(s, out);
        if out[start..].starts_with(['=', '+', '-', '@', '\t', '\r']) {
            out.insert(start, '\'');
        }
    }

    /// A decimal number with `places` decimals; a comma in the Excel flavour.
    fn number(self, x: f64, places: usize) -> String {
        let s = format!("{x:.places$}");
        match self.0 {
            ExportFormat::Csv => s,
            ExportFormat::Excel => s.replace('.', ","),
        }
    }

    fn opt_number(self, x: Option<f64>, places: usize) -> String {
        x.map(|x| self.number(x, places)).unwrap_or_default()
    }

    /// A ratio as a percentage with one decimal (`85.0`), empty without data.
    fn percent(self, r: Option<f64>) -> String {
        self.opt_number(r.map(|r| r * 100.0), 1)
    }
}

/// Whether `c` is a control character a terminal acts on: C0 (ESC among them) except tab,
/// LF and CR, which are text and quoted by the CSV writer; DEL; C1.
fn is_terminal_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `s` without the control characters a terminal acts on ([`is_terminal_control`]).
fn without_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_without_controls(s, &mut out);
    out
}

/// Appends `s` to `out` without the control characters a terminal acts on; text without
/// any (nearly all of it) is copied whole.
fn push_without_controls(s: &str, out: &mut String) {
    // C0 and DEL are single bytes below 0x80; C1 is U+0080..U+009F, encoded 0xC2 0x80..0x9F.
    let suspect = s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2);
    if suspect {
        out.extend(s.chars().filter(|&c| !is_terminal_control(c)));
    } else {
        out.push_str(s);
    }
}

/// Writes one record with every field stripped of control characters, whatever column it
/// is; text columns were neutralised already by [`Cells::text`].
fn write_clean<const N: usize>(
    w: &mut csv::Writer<&mut dyn Write>,
    record: [String; N],
) -> Result<()> {
    w.write_record(record.iter().map(|f| without_controls(f)))?;
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS` in Europe/Moscow, which every spreadsheet reads as a date-time,
/// appended to `out`; nothing for no time.
fn local_time_into(secs: Option<i64>, out: &mut String) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    if let Some(t) = secs.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)) {
        let t = t.with_timezone(&TIME_ZONE).naive_local();
        // Written field by field: `format("%Y-...")` parses its pattern on every call.
        let _ = write!(
            out,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
    }
}

/// Where an item stands against its SLA deadline at `now`:
/// `met` answered before the deadline; `missed` answered at or after it, or unanswered
/// past it; `open` unanswered with the deadline still ahead; `not_due` closed without a
/// known answer time (answered at an unrecorded time, or archived before the deadline),
/// so no outcome is due.
pub(crate) fn sla_outcome(item: &ItemRow, now: i64) -> &'static str {
    match item.answer_at(now) {
        Some(a) if a < item.due_at => "met",
        Some(_) => "missed",
        None if item.answered_at_unknown_time(now) => "not_due",
        None if now >= item.due_at => "missed",
        None if item.state == "archived" => "not_due",
        None => "open",
    }
}

/// `rule:severity` of each finding, comma-separated; text that is not a findings list is
/// passed through as it is.
fn findings_cell(findings: &str) -> String {
    if findings.trim() == "[]" {
        // Most replies have no findings: no JSON to parse.
        return String::new();
    }
    match serde_json::from_str::<serde_json::Value>(findings) {
        Ok(serde_json::Value::Array(list)) => list
            .iter()
            .map(|f| {
                let rule = f.get("rule").and_then(|v| v.as_str()).unwrap_or("?");
                match f.get("severity").and_then(|v| v.as_str()) {
                    Some(sev) => format!("{rule}:{sev}"),
                    None => rule.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => findings.trim().to_string(),
    }
}

/// The interactions export's columns, in order.
pub const INTERACTION_COLUMNS: [&str; 25] = [
    "id",
    "account",
    "marketplace",
    "channel",
    "external_id",
    "product_id",
    "product_name",
    "rating",
    "intent",
    "sentiment",
    "state",
    "sla_tier",
    "created_at",
    "due_at",
    "first_answered_at",
    "answer_minutes",
    "sla_outcome",
    "reply_actor",
    "draft_source",
    "edit_distance",
    "verdict",
    "overridden",
    "findings",
    "version",
    "open_to_send_seconds",
];

/// One row per interaction created in the period (oldest first) with its times (Europe/
/// Moscow), SLA tier and outcome, and the first reply AgentIQ delivered for it (actor,
/// draft source, edit distance, verdict, override, findings, the prompt/template version
/// of its draft, the seconds from opening the editor to sending; empty when none). Returns the
/// number of rows written, header excluded.
pub fn export_interactions(
    conn: &Connection,
    query: &ExportQuery,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize> {
    write_interactions(query, format, out, &mut |each| {
        facts::each_created_with_reply(conn, &query.filter, each)
    })
}

/// Hands each item of the period with its first reply, oldest first, as a store reads
/// them; returns how many.
pub(crate) type EachItem<'a> = dyn FnMut(&mut dyn FnMut(ItemRow, Option<facts::FirstReply>) -> Result<()>) -> Result<usize>
    + 'a;

/// The interactions export of the items `read` hands over, streamed as they come.
pub(crate) fn write_interactions(
    query: &ExportQuery,
    format: ExportFormat,
    out: &mut dyn Write,
    read: &mut EachItem<'_>,
) -> Result<usize> {
    let now = query.now.timestamp();
    let cells = Cells(format);
    let mut w = writer(format, out)?;
    w.write_record(INTERACTION_COLUMNS)?;
    let mut record = Record::default();
    let rows = if query.filter.from < query.filter.to {
        read(&mut |item, reply| record.interaction(&mut w, cells, &item, reply.as_ref(), now))?
    } else {
        0
    };
    w.flush()?;
    Ok(rows)
}

/// Writes records field by field through one reused buffer: the export makes no
/// allocation per cell. Every field loses its control characters, whatever column it is;
/// text columns are also neutralised by [`Cells::text_into`].
#[derive(Default)]
struct Record {
    cell: String,
}

impl Record {
    /// Fills the buffer with `fill` and writes it as the next field.
    fn field(
        &mut self,
        w: &mut csv::Writer<&mut dyn Write>,
        fill: impl FnOnce(&mut String),
    ) -> Result<()> {
        self.cell.clear();
        fill(&mut self.cell);
        if self
            .cell
            .bytes()
            .any(|b| b < 0x20 || b == 0x7f || b == 0xc2)
        {
            w.write_field(without_controls(&self.cell))?;
        } else {
            w.write_field(&self.cell)?;
        }
        Ok(())
    }

    /// A text cell ([`Cells::text_into`]); empty for none.
    fn text(
        &mut self,
        w: &mut csv::Writer<&mut dyn Write>,
        cells: Cells,
        s: Option<&str>,
    ) -> Result<()> {
        self.field(w, |o| {
            if let Some(s) = s {
                cells.text_into(s, o);
            }
        })
    }

    fn interaction(
        &mut self,
        w: &mut csv::Writer<&mut dyn Write>,
        cells: Cells,
        item: &ItemRow,
        reply: Option<&facts::FirstReply>,
        now: i64,
    ) -> Result<()> {
        use std::fmt::Write as _;
        let answer = item.answer_at(now);
        self.field(w, |o| {
            let _ = write!(o, "{}", item.id);
        })?;
        self.text(w, cells, Some(&item.account_name))?;
        self.field(w, |o| o.push_str(item.marketplace.as_str()))?;
        self.field(w, |o| o.push_str(item.channel.as_str()))?;
        self.text(w, cells, Some(&item.external_id))?;
        self.text(w, cells, item.product_external_id.as_deref())?;
        self.text(w, cells, item.product_name.as_deref())?;
        self.field(w, |o| {
            if let Some(r) = item.rating {
                let _ = write!(o, "{r}");
            }
        })?;
        self.text(w, cells, item.intent.as_deref())?;
        self.text(w, cells, item.sentiment.as_deref())?;
        self.field(w, |o| o.push_str(&item.state))?;
        self.field(w, |o| o.push_str(&item.tier))?;
        self.field(w, |o| local_time_into(Some(item.created_at), o))?;
        self.field(w, |o| local_time_into(Some(item.due_at), o))?;
        self.field(w, |o| local_time_into(answer, o))?;
        self.field(w, |o| {
            if let Some(a) = answer {
                let _ = write!(o, "{}", (a - item.created_at) / 60);
            }
        })?;
        self.field(w, |o| o.push_str(sla_outcome(item, now)))?;
        self.field(w, |o| o.push_str(reply.map_or("", |r| r.actor.as_str())))?;
        self.field(w, |o| {
            o.push_str(reply.map_or("", |r| r.draft_source.as_str()))
        })?;
        self.field(w, |o| {
            if let Some(d) = reply.and_then(|r| r.edit_distance) {
                o.push_str(&cells.number(d, 3));
            }
        })?;
        self.text(w, cells, reply.and_then(|r| r.verdict.as_deref()))?;
        self.field(w, |o| {
            if let Some(r) = reply {
                o.push(if r.overridden { '1' } else { '0' });
            }
        })?;
        self.field(w, |o| {
            if let Some(r) = reply {
                cells.text_into(&findings_cell(&r.findings), o);
            }
        })?;
        self.text(w, cells, reply.and_then(|r| r.version.as_deref()))?;
        self.field(w, |o| {
            if let Some(s) = reply.and_then(|r| r.open_to_send) {
                let _ = write!(o, "{}", s.max(0));
            }
        })?;
        w.write_record(None::<&[u8]>)?;
        Ok(())
    }
}

/// The metrics export's columns, in order.
pub const METRIC_COLUMNS: [&str; 17] = [
    "day",
    "questions_sla_met",
    "questions_sla_due",
    "questions_sla_pct",
    "reviews_24h_answered",
    "reviews_24h_received",
    "reviews_24h_pct",
    "drafts_accepted",
    "human_replies_sent",
    "draft_acceptance_pct",
    "auto_replies_sent",
    "harmful_replies",
    "replies_sent",
    "harmful_pct",
    "sync_ok",
    "sync_runs",
    "sync_success_pct",
];

fn metric_record(cells: Cells, day: String, m: &MetricSet) -> [String; 17] {
    [
        day,
        m.questions_sla.numerator.to_string(),
        m.questions_sla.denominator.to_string(),
        cells.percent(m.questions_sla.ratio),
        m.reviews_24h.numerator.to_string(),
        m.reviews_24h.denominator.to_string(),
        cells.percent(m.reviews_24h.ratio),
        m.draft_acceptance.numerator.to_string(),
        m.draft_acceptance.denominator.to_string(),
        cells.percent(m.draft_acceptance.ratio),
        m.auto_replies.sent.to_string(),
        m.harmful_rate.numerator.to_string(),
        m.harmful_rate.denominator.to_string(),
        cells.percent(m.harmful_rate.ratio),
        m.sync_success.numerator.to_string(),
        m.sync_success.denominator.to_string(),
        cells.percent(m.sync_success.ratio),
    ]
}

/// One row per local day (Europe/Moscow) of the period with the five metrics' counts and
/// percentages (empty without data), then a `total` row for the whole period. Returns the
/// number of day rows written (header and total excluded).
pub fn export_metrics(
    conn: &Connection,
    query: &ExportQuery,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize> {
    let (total, daily) = metrics_with_days(conn, &query.filter, query.now)?;
    let cells = Cells(format);
    let mut w = writer(format, out)?;
    w.write_record(METRIC_COLUMNS)?;
    for d in &daily {
        write_clean(
            &mut w,
            metric_record(cells, d.day.format("%Y-%m-%d").to_string(), &d.metrics),
        )?;
    }
    write_clean(&mut w, metric_record(cells, "total".into(), &total))?;
    w.flush()?;
    Ok(daily.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A sink that notes how far the query had stepped when the first bytes arrived.
    struct Probe {
        steps: Arc<AtomicUsize>,
        first_bytes_at: Option<usize>,
        bytes: usize,
    }

    impl Write for Probe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.first_bytes_at
                .get_or_insert(self.steps.load(Ordering::Relaxed));
            self.bytes += buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn interactions_are_written_while_the_query_steps() {
        let (_dir, store) = crate::store::test_support::temp_store();
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (id, name, marketplace, created_at) VALUES (1, 'Уютный дом', 'wb', 0);
             WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 5000)
             INSERT INTO interactions (account_id, channel, external_id, source, text, created_at,
                 waiting_since, synced_at, state, tier, at_risk_at, due_at, raw)
             SELECT 1, 'review', 'r' || k, 'test', 'Плед пришёл мятый, но тёплый и мягкий', 1000 + k,
                    1000 + k, 1000 + k, 'open', 'normal', 5000 + k, 9000 + k, '{}' FROM n;",
        )
        .unwrap();
        let steps = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&steps);
        conn.progress_handler(
            100,
            Some(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                false
            }),
        )
        .unwrap();
        let from = DateTime::<Utc>::from_timestamp(0, 0).unwrap();
        let to = DateTime::<Utc>::from_timestamp(100_000, 0).unwrap();
        let query = ExportQuery::new(MetricsQuery::new(from, to), to);
        let mut probe = Probe {
            steps: Arc::clone(&steps),
            first_bytes_at: None,
            bytes: 0,
        };
        let rows = export_interactions(&conn, &query, ExportFormat::Csv, &mut probe).unwrap();
        assert_eq!(rows, 5000);
        let total = steps.load(Ordering::Relaxed);
        let first = probe.first_bytes_at.expect("something was written");
        assert!(probe.bytes > 500_000, "{} bytes", probe.bytes);
        assert!(
            first * 10 < total,
            "the first bytes came after {first} of {total} progress ticks: the rows were collected first"
        );
    }

    #[test]
    fn excel_cells_use_commas_and_both_flavours_defuse_formulas() {
        let x = Cells(ExportFormat::Excel);
        assert_eq!(x.number(0.05, 3), "0,050");
        assert_eq!(x.text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(x.text("Плед"), "Плед");
        let c = Cells(ExportFormat::Csv);
        assert_eq!(c.number(0.05, 3), "0.050");
        for risky in ["=1+1", "+7 999", "-10%", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(c.text(risky), format!("'{risky}"), "{risky:?}");
            assert_eq!(x.text(risky), format!("'{risky}"), "{risky:?}");
        }
        assert_eq!(
            c.text("a=b-c"),
            "a=b-c",
            "only a leading character is risky"
        );
    }

    #[test]
    fn control_characters_are_stripped_before_the_formula_check() {
        let c = Cells(ExportFormat::Csv);
        assert_eq!(c.text("\u{1b}[31mred\u{1b}[0m"), "[31mred[0m");
        assert_eq!(c.text("\u{1b}=cmd"), "'=cmd");
        assert_eq!(c.text("a\u{7}b\u{0}c\u{7f}d\u{9b}e"), "abcde");
        assert_eq!(c.text("line one\nline two"), "line one\nline two");
    }

    #[test]
    fn findings_become_rule_severity_pairs() {
        assert_eq!(
            findings_cell(
                r#"[{"rule":"promise_money","severity":"block"},{"rule":"brush_off","severity":"warn"}]"#
            ),
            "promise_money:block, brush_off:warn"
        );
        assert_eq!(findings_cell("[]"), "");
        assert_eq!(findings_cell("oops"), "oops");
    }
}
