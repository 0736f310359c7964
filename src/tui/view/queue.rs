//! The queue: one item per one or two rows, most urgent deadline first.

use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::domain::{first_line, AnswerState, Channel, Priority, SlaState};
use crate::sla;
use crate::store::QueueRow;
use crate::tui::format;
use crate::tui::layout;
use crate::tui::lens::describe_refine;
use crate::tui::sanitize;
use crate::tui::state::{AppState, Mode};
use crate::tui::theme::Slot;

use super::ViewCtx;

/// Width of the countdown column.
const COUNTDOWN_WIDTH: usize = 8;
/// Narrower than this, a row shows stars as a number.
const COMPACT_BELOW: usize = 50;

pub fn priority_mark(p: Priority) -> &'static str {
    match p {
        Priority::Urgent => "▲",
        Priority::High => "△",
        Priority::Normal => "•",
        Priority::Low => "·",
    }
}

pub fn priority_slot(p: Priority) -> Slot {
    match p {
        Priority::Urgent => Slot::PriorityUrgent,
        Priority::High => Slot::PriorityHigh,
        Priority::Normal => Slot::PriorityNormal,
        Priority::Low => Slot::PriorityLow,
    }
}

pub fn sla_slot(s: SlaState) -> Slot {
    match s {
        SlaState::Ok => Slot::SlaOk,
        SlaState::AtRisk => Slot::SlaAtRisk,
        SlaState::Breached => Slot::SlaBreached,
    }
}

/// What narrows the queue beyond its tab, in words: account, marketplace, answered,
/// order, and the rest of the query. Empty for the plain inbox.
pub fn lens_summary(state: &AppState, ctx: &ViewCtx<'_>) -> String {
    let s = ctx.strings;
    let lens = &state.lens;
    let base = state.base_lens();
    let mut parts: Vec<String> = Vec::new();
    if let Some(id) = lens.account {
        let name = state.accounts.iter().find(|a| a.id == id).map_or_else(
            || format!("#{id}"),
            |a| sanitize::line(&a.name).into_owned(),
        );
        parts.push(name);
    }
    if let Some(m) = lens.marketplace {
        parts.push(m.mark().to_string());
    }
    if lens.answered != base.answered {
        parts.push((s.answered)(lens.answered).to_string());
    }
    if lens.sort != base.sort {
        parts.push((s.sort)(lens.sort).to_string());
    }
    let refine = describe_refine(&lens.refine);
    if !refine.is_empty() {
        parts.push(sanitize::line(&refine).into_owned());
    }
    parts.join(" · ")
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let q = &state.queue;
    let s = ctx.strings;
    let name = if state.search.is_some() {
        s.search_title
    } else {
        s.queue_title
    };
    let title = match q.total {
        Some(0) | None => format!(" {name} "),
        Some(_) if state.counting => {
            format!(" {name} {}/{} ", q.selected + 1, super::tabs::COUNTING)
        }
        Some(total) => format!(" {name} {}/{} ", q.selected + 1, total),
    };
    let mut block = ctx
        .pane(state.mode == Mode::Queue)
        .title(Span::styled(title, ctx.style(Slot::TextTitle)));
    let summary = lens_summary(state, ctx);
    if !summary.is_empty() {
        let room = usize::from(area.width.saturating_sub(4));
        block = block.title_bottom(Span::styled(
            format!(" {} ", format::truncate(&summary, room.saturating_sub(2))),
            ctx.style(Slot::FilterBar),
        ));
    }
    let inner = super::inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let empty = match q.total {
        None => Some(s.loading),
        Some(0) if state.search.is_some() => Some(s.queue_empty_search),
        Some(0) if state.lens.breached_only => Some(s.queue_empty_breached),
        Some(0) if !summary.is_empty() => Some(s.queue_empty_filtered),
        Some(0) => Some(s.queue_empty),
        Some(_) => None,
    };
    if let Some(text) = empty {
        let y = inner.y + inner.height / 2;
        frame.render_widget(
            Paragraph::new(Span::styled(text, ctx.style(Slot::TextMuted)))
                .alignment(Alignment::Center),
            Rect::new(inner.x, y, inner.width, 1),
        );
        return;
    }
    let two_lines = layout::rows_per_item(state.height) == 2 && inner.height >= 2;
    let width = usize::from(inner.width);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut index = q.scroll;
    while lines.len() < usize::from(inner.height) && index < q.total() {
        let selected = index == q.selected;
        let mut item = match q.row(index) {
            Some(row) => item_lines(row, state, ctx, width, two_lines),
            None => vec![Line::styled("…", ctx.style(Slot::TextMuted))],
        };
        if selected {
            let style = ctx.style(Slot::QueueSelected);
            for line in &mut item {
                pad(line, width);
                *line = std::mem::take(line).style(style);
            }
        }
        lines.extend(item);
        index += 1;
    }
    lines.truncate(usize::from(inner.height));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The prepared draft's confidence at a glance: `●` sure (≥ 70%), `◐` middling, `○` weak
/// (< 40%); the editor's title says why.
pub fn confidence_mark(confidence: f32) -> String {
    let glyph = if confidence >= 0.7 {
        '●'
    } else if confidence >= 0.4 {
        '◐'
    } else {
        '○'
    };
    format!("{glyph} ")
}

/// The priority mark of a row under its own account's thresholds (read once per full
/// reload of the queue, not per row or frame).
pub fn row_priority(row: &QueueRow, sla_state: SlaState, state: &AppState) -> Priority {
    let inputs = sla::PriorityInputs {
        channel: Some(row.channel),
        rating: row.rating,
        intent: row.intent.as_deref(),
        prior_complaints: row.prior_complaints,
        unanswered_buyer_messages: row.unanswered_buyer_messages,
        // The preview is the start of the latest text: shouting shows at once.
        shouting: row.channel == Channel::Chat && sla::is_shouting(&row.preview),
        ..sla::PriorityInputs::new(row.tier, sla_state)
    };
    state.policies.for_account(row.account_id).priority(&inputs)
}

/// A short mark for an item that is not waiting: answered, on its way, archived.
pub fn state_mark(state: AnswerState) -> &'static str {
    match state {
        AnswerState::Open => "",
        AnswerState::Pending => "→",
        AnswerState::Answered => "✓",
        AnswerState::Archived => "⌀",
    }
}

/// Pads a line with spaces to `width` cells so a highlight fills the row.
fn pad(line: &mut Line<'static>, width: usize) {
    let w = line.width();
    if w < width {
        line.spans.push(Span::raw(" ".repeat(width - w)));
    }
}

/// The one or two rows of one item.
pub fn item_lines(
    row: &QueueRow,
    state: &AppState,
    ctx: &ViewCtx<'_>,
    width: usize,
    two_lines: bool,
) -> Vec<Line<'static>> {
    let mut head = head_spans(row, state, ctx, width);
    let used: usize = head.iter().map(|sp| sp.width()).sum();
    let rest = width.saturating_sub(used);
    let text = RowText::of(row, state, ctx);
    if two_lines {
        let second_line = text.push_two_line_head(&mut head, rest, width, ctx);
        vec![Line::from(head), Line::from(second_line)]
    } else {
        text.push_one_line_tail(&mut head, rest, ctx);
        vec![Line::from(head).style(Style::default())]
    }
}

/// The fixed-width start of a row: priority (or state) mark, countdown, marketplace and
/// channel, stars.
fn head_spans(
    row: &QueueRow,
    state: &AppState,
    ctx: &ViewCtx<'_>,
    width: usize,
) -> Vec<Span<'static>> {
    let s = ctx.strings;
    let (mark, clock) = mark_and_clock(row, state, ctx);
    vec![
        mark,
        clock,
        Span::styled(
            format!(
                "{} {} ",
                row.marketplace.mark(),
                (s.channel_short)(row.channel)
            ),
            ctx.style(Slot::Label),
        ),
        Span::styled(
            if width < COMPACT_BELOW {
                // `2★` instead of five stars on narrow panes.
                row.rating
                    .map_or_else(|| "   ".to_string(), |r| format!("{}★ ", r.stars()))
            } else {
                format!("{} ", format::stars(row.rating))
            },
            ctx.style(Slot::Stars),
        ),
    ]
}

/// The priority mark and the countdown of an open item; answered items (search results)
/// have no clock: a mark of their state instead.
fn mark_and_clock(
    row: &QueueRow,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) -> (Span<'static>, Span<'static>) {
    let s = ctx.strings;
    match row.state {
        AnswerState::Open => {
            let sla_state = sla::state_at(row.at_risk_at, row.due_at, state.now);
            let priority = row_priority(row, sla_state, state);
            (
                Span::styled(
                    priority_mark(priority).to_string(),
                    ctx.style(priority_slot(priority)),
                ),
                Span::styled(
                    format!(
                        "{:>COUNTDOWN_WIDTH$} ",
                        format::countdown(row.due_at, state.now, s)
                    ),
                    ctx.style(sla_slot(sla_state)),
                ),
            )
        }
        other => (
            Span::raw(" "),
            Span::styled(
                format!("{:>COUNTDOWN_WIDTH$} ", state_mark(other)),
                ctx.style(Slot::QueueAnswered),
            ),
        ),
    }
}

/// The free-text cells of a row, sanitized, before they are fitted to the width.
struct RowText {
    product: String,
    customer: String,
    preview: String,
    confidence: Option<String>,
    /// Why the last send failed, in place of the preview.
    failed: Option<String>,
    /// An auto-reply waiting out its undo window, counted down with the tick.
    auto: Option<String>,
}

impl RowText {
    fn of(row: &QueueRow, state: &AppState, ctx: &ViewCtx<'_>) -> Self {
        let s = ctx.strings;
        // A chat is often about no product: its customer heads the row instead.
        let (product, customer) = match (&row.product_name, &row.customer_name) {
            (Some(p), c) => (
                sanitize::line(p),
                sanitize::line(c.as_deref().unwrap_or("")),
            ),
            (None, Some(c)) if row.channel == Channel::Chat => (sanitize::line(c), "".into()),
            (None, c) => (
                s.unknown_product.into(),
                sanitize::line(c.as_deref().unwrap_or("")),
            ),
        };
        let failed = row
            .send_error
            .as_deref()
            .map(|e| format!("✗ {}: {}", s.send_failed_mark, sanitize::line(e)));
        let auto = row
            .auto_reply
            .filter(|a| a.undo_until > state.now)
            .map(|a| {
                let left_ms = (a.undo_until - state.now).num_milliseconds();
                format!("⏱ {} ", (s.auto_reply_in)((left_ms + 999) / 1000))
            });
        RowText {
            product: product.into_owned(),
            customer: customer.into_owned(),
            preview: crate::tui::team::with_claim(
                row.claimed_by.as_deref(),
                state,
                sanitize::line(first_line(&row.preview)).into_owned(),
            ),
            confidence: row.draft_confidence.map(confidence_mark),
            failed,
            auto,
        }
    }

    /// Two rows per item: product and customer end the first row; confidence, auto-reply
    /// and the preview (or the send error) make the indented second row, returned.
    fn push_two_line_head(
        self,
        head: &mut Vec<Span<'static>>,
        rest: usize,
        width: usize,
        ctx: &ViewCtx<'_>,
    ) -> Vec<Span<'static>> {
        let customer_part = if self.customer.is_empty() {
            String::new()
        } else {
            format!(
                " · {}",
                format::truncate(&self.customer, (rest / 3).min(18))
            )
        };
        let product_width = rest.saturating_sub(format::width(&customer_part));
        head.push(Span::styled(
            format::truncate(&self.product, product_width),
            ctx.style(Slot::Text),
        ));
        head.push(Span::styled(customer_part, ctx.style(Slot::TextMuted)));
        let indent = " ".repeat(COUNTDOWN_WIDTH + 2);
        let mut body_width = width.saturating_sub(indent.len());
        let mut second_line = vec![Span::raw(indent)];
        if let Some(c) = self.confidence {
            body_width = body_width.saturating_sub(format::width(&c));
            second_line.push(Span::styled(c, ctx.style(Slot::TextMuted)));
        }
        if let Some(a) = self.auto {
            let a = format::truncate(&a, body_width);
            body_width = body_width.saturating_sub(format::width(&a));
            second_line.push(Span::styled(a, ctx.style(Slot::QueueAutoReply)));
        }
        let second = match self.failed {
            Some(f) => Span::styled(
                format::truncate(&f, body_width),
                ctx.style(Slot::QueueError),
            ),
            None => Span::styled(
                format::truncate(&self.preview, body_width),
                ctx.style(Slot::TextMuted),
            ),
        };
        second_line.push(second);
        second_line
    }

    /// One row per item: product, customer, confidence, auto-reply and the preview (or
    /// the send error) share what is left of the row.
    fn push_one_line_tail(self, head: &mut Vec<Span<'static>>, rest: usize, ctx: &ViewCtx<'_>) {
        let product_width = (rest * 2 / 5).min(30);
        let product_cell = format::truncate(&self.product, product_width);
        let after_product = rest.saturating_sub(format::width(&product_cell) + 1);
        let customer_cell = format::truncate(&self.customer, after_product.min(12));
        let mut after_customer = after_product.saturating_sub(format::width(&customer_cell) + 1);
        head.push(Span::styled(product_cell, ctx.style(Slot::Text)));
        head.push(Span::raw(" "));
        head.push(Span::styled(customer_cell, ctx.style(Slot::TextMuted)));
        head.push(Span::raw(" "));
        if let Some(c) = self
            .confidence
            .filter(|c| format::width(c) < after_customer)
        {
            after_customer = after_customer.saturating_sub(format::width(&c));
            head.push(Span::styled(c, ctx.style(Slot::TextMuted)));
        }
        if let Some(a) = self.auto {
            let a = format::truncate(&a, after_customer);
            after_customer = after_customer.saturating_sub(format::width(&a));
            head.push(Span::styled(a, ctx.style(Slot::QueueAutoReply)));
        }
        let (tail, style) = match self.failed {
            Some(f) => (f, ctx.style(Slot::QueueError)),
            None => (self.preview, ctx.style(Slot::TextMuted)),
        };
        head.push(Span::styled(format::truncate(&tail, after_customer), style));
    }
}
