//! The detail pane: everything known about the selected item.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::domain::{AnswerState, Channel};
use crate::sla;
use crate::tui::format;
use crate::tui::keymap::Keymap;
use crate::tui::layout;
use crate::tui::sanitize;
use crate::tui::state::{AppState, Detail, Mode};
use crate::tui::strings::Strings;
use crate::tui::theme::{Slot, Theme};

use super::queue::sla_slot;
use super::ViewCtx;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let detail = shown(state);
    let title = match detail {
        Some(d) => format!(
            " {} · {} · {} ",
            (s.channel_name)(d.interaction.channel),
            d.interaction.marketplace.mark(),
            sanitize::line(&d.interaction.account_name)
        ),
        None => format!(" {} ", s.detail_title),
    };
    let title = match detail {
        Some(d) => crate::tui::team::detail_title(title, state, d.interaction.id),
        None => title,
    };
    let block = ctx
        .pane(state.mode == Mode::Detail)
        .title(Span::styled(title, ctx.style(Slot::TextTitle)));
    let inner = super::inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let Some(detail) = detail else {
        let text = if state.queue.selected_id.is_some() {
            s.loading
        } else {
            s.no_selection
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, ctx.style(Slot::TextMuted)))
                .alignment(Alignment::Center),
            Rect::new(inner.x, inner.y + inner.height / 2, inner.width, 1),
        );
        return;
    };
    let lines = content(detail, state, ctx);
    let rows = wrapped_rows(&lines, inner.width);
    let max_scroll = rows.saturating_sub(usize::from(inner.height));
    let scroll = usize::from(state.detail_scroll).min(max_scroll) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// The item the pane shows: the one being answered, else the selected one.
fn shown(state: &AppState) -> Option<&Detail> {
    let id = match &state.editor {
        Some(e) => Some(e.interaction_id),
        None => state.queue.selected_id,
    };
    state
        .detail
        .as_ref()
        .filter(|d| Some(d.interaction.id) == id)
}

fn label<'a>(text: &str, ctx: &ViewCtx<'_>) -> Span<'a> {
    Span::styled(format!("{text}: "), ctx.style(Slot::Label))
}

fn paragraph(lines: &mut Vec<Line<'static>>, text: &str, ctx: &ViewCtx<'_>, slot: Slot) {
    for l in sanitize::block(text).lines() {
        lines.push(Line::styled(l.to_string(), ctx.style(slot)));
    }
}

/// What the item puts at risk or protects, in roubles, when the revenue model applies.
fn revenue_line(detail: &Detail, state: &AppState, ctx: &ViewCtx<'_>) -> Option<Line<'static>> {
    use crate::analytics::{roubles, RevenueStatus};
    let s = ctx.strings;
    let r = detail.extras.as_ref()?.revenue.as_ref()?;
    let (text, slot) = match r.status {
        RevenueStatus::AtRisk => ((s.revenue_at_risk)(&roubles(r.at_risk)), Slot::MetricFail),
        RevenueStatus::Protected => (
            (s.revenue_protected)(&roubles(r.protected)),
            Slot::MetricPass,
        ),
        RevenueStatus::Pending => (
            (s.revenue_pending)(
                &roubles(r.gain_if_fast),
                &format::date_time(r.protect_by, state.tz),
            ),
            Slot::SlaAtRisk,
        ),
        RevenueStatus::Neutral => return None,
    };
    Some(Line::styled(text, ctx.style(slot)))
}

/// The pane's lines before wrapping: the product card, the facts of the item, what the
/// customer wrote, the chat thread, and an earlier answer.
pub fn content(detail: &Detail, state: &AppState, ctx: &ViewCtx<'_>) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    product_card(&mut lines, detail, ctx);
    facts(&mut lines, detail, state, ctx);
    // A chat's text is its thread, shown below instead.
    let thread = detail.interaction.channel == Channel::Chat && !detail.messages.is_empty();
    if !thread {
        written_text(&mut lines, detail, ctx);
    }
    written_extras(&mut lines, detail, ctx);
    if thread {
        chat_thread(&mut lines, detail, state, ctx);
    }
    earlier_answer(&mut lines, detail, ctx);
    lines
}

/// The product's name, brand and article.
fn product_card(lines: &mut Vec<Line<'static>>, detail: &Detail, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let item = &detail.interaction;
    match &item.product {
        Some(p) => {
            let name = p.name.as_deref().unwrap_or(s.unknown_product);
            lines.push(Line::styled(
                sanitize::line(name).into_owned(),
                ctx.style(Slot::TextTitle),
            ));
            let mut card = Vec::new();
            if let Some(brand) = &p.brand {
                card.push(label(s.label_brand, ctx));
                card.push(Span::styled(
                    format!("{}  ", sanitize::line(brand)),
                    ctx.style(Slot::Text),
                ));
            }
            card.push(label(s.label_article, ctx));
            card.push(Span::styled(
                sanitize::line(&p.external_id).into_owned(),
                ctx.style(Slot::Text),
            ));
            lines.push(Line::from(card));
        }
        None => lines.push(Line::styled(s.unknown_product, ctx.style(Slot::TextMuted))),
    }
}

/// Stars, customer, dates, revenue at stake and the answer's state.
fn facts(lines: &mut Vec<Line<'static>>, detail: &Detail, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let item = &detail.interaction;
    if item.rating.is_some() {
        lines.push(Line::styled(
            format::stars(item.rating),
            ctx.style(Slot::Stars),
        ));
    }
    lines.push(Line::from(vec![
        label(s.label_customer, ctx),
        Span::styled(
            sanitize::line(item.customer_name.as_deref().unwrap_or(s.unknown_customer))
                .into_owned(),
            ctx.style(Slot::Text),
        ),
    ]));
    lines.extend(super::detail_customer::lines(
        detail.extras.as_ref().and_then(|e| e.customer.as_ref()),
        item.id,
        ctx,
    ));
    lines.push(Line::from(vec![
        label(s.label_created, ctx),
        Span::styled(
            format::date_time(item.created_at, state.tz),
            ctx.style(Slot::Text),
        ),
    ]));
    let sla_state = sla::state_at(item.at_risk_at, item.due_at, state.now);
    lines.push(Line::from(vec![
        label(s.label_deadline, ctx),
        Span::styled(
            format::date_time(item.due_at, state.tz),
            ctx.style(Slot::Text),
        ),
        Span::styled(
            format!(" ({})", format::countdown(item.due_at, state.now, s)),
            ctx.style(sla_slot(sla_state)),
        ),
    ]));
    if let Some(line) = revenue_line(detail, state, ctx) {
        lines.push(line);
    }
    if item.state == AnswerState::Pending || state.awaiting.contains(&item.id) {
        lines.push(Line::styled(s.answer_pending, ctx.style(Slot::TextMuted)));
    } else if item.state != AnswerState::Open {
        lines.push(Line::from(vec![
            label(s.label_state, ctx),
            Span::styled((s.answer_state)(item.state), ctx.style(Slot::QueueAnswered)),
        ]));
    }
}

/// What the customer wrote.
fn written_text(lines: &mut Vec<Line<'static>>, detail: &Detail, ctx: &ViewCtx<'_>) {
    let text = &detail.interaction.text;
    if !text.trim().is_empty() {
        lines.push(Line::default());
        paragraph(lines, text, ctx, Slot::Text);
    }
}

/// A review's pros and cons, and how many photos came with it.
fn written_extras(lines: &mut Vec<Line<'static>>, detail: &Detail, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let item = &detail.interaction;
    for (name, value) in [(s.label_pros, &item.pros), (s.label_cons, &item.cons)] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            lines.push(Line::default());
            lines.push(Line::from(label(name, ctx)));
            paragraph(lines, v, ctx, Slot::Text);
        }
    }
    if item.photos > 0 {
        lines.push(Line::from(vec![
            label(s.label_photos, ctx),
            Span::styled(item.photos.to_string(), ctx.style(Slot::Text)),
        ]));
    }
}

/// A chat's messages, oldest first, each under its sender and time.
fn chat_thread(
    lines: &mut Vec<Line<'static>>,
    detail: &Detail,
    state: &AppState,
    ctx: &ViewCtx<'_>,
) {
    let s = ctx.strings;
    lines.push(Line::default());
    lines.push(Line::from(label(s.label_thread, ctx)));
    for m in &detail.messages {
        let slot = match m.sender {
            crate::domain::Sender::Buyer => Slot::ChatBuyer,
            crate::domain::Sender::Seller => Slot::ChatSeller,
        };
        lines.push(Line::from(vec![
            Span::styled((s.sender)(m.sender), ctx.style(slot)),
            Span::styled(
                format!(" {}", format::date_time(m.sent_at, state.tz)),
                ctx.style(Slot::TextMuted),
            ),
        ]));
        paragraph(lines, &m.text, ctx, Slot::Text);
    }
}

/// An answer already given, with its moderation state.
fn earlier_answer(lines: &mut Vec<Line<'static>>, detail: &Detail, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let Some(answer) = &detail.interaction.answer else {
        return;
    };
    lines.push(Line::default());
    let mut head = vec![
        label(s.label_answer, ctx),
        Span::styled(
            (s.moderation)(answer.moderation).to_string(),
            ctx.style(Slot::TextMuted),
        ),
    ];
    if answer.editable {
        head.push(Span::styled(
            format!(", {}", s.answer_editable),
            ctx.style(Slot::TextMuted),
        ));
    }
    lines.push(Line::from(head));
    paragraph(lines, &answer.text, ctx, Slot::Text);
}

/// Rows `lines` take when wrapped to `width` cells; this bounds scrolling.
fn wrapped_rows(lines: &[Line<'_>], width: u16) -> usize {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            word_wrapped_rows(&text, width)
        })
        .sum()
}

/// Rows `text` takes when wrapped at word boundaries to `width` cells, the way the
/// paragraph widget wraps it (a word longer than a row is broken).
fn word_wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let w = format::width(word);
        let visible = format::width(word.trim_end_matches(' '));
        if used > 0 && used + visible > width {
            rows += 1;
            used = 0;
        }
        if w > width && used == 0 {
            rows += (w - 1) / width;
            used = w % width;
        } else {
            used += w;
        }
    }
    rows
}

/// Width inside the detail pane's border at the current terminal size.
pub fn pane_width(state: &AppState) -> u16 {
    let area = Rect::new(0, 0, state.width, state.height);
    let body = layout::body(layout::frame(area).body, true);
    body.right.map_or(0, |r| r.width.saturating_sub(2))
}

/// Height inside the detail pane's border at the current terminal size.
pub fn pane_height(state: &AppState) -> u16 {
    let area = Rect::new(0, 0, state.width, state.height);
    layout::frame(area).body.height.saturating_sub(2)
}

/// Rows the selected item's detail takes at the current size, for bounding scrolling.
pub fn estimated_rows(state: &AppState, width: u16) -> usize {
    let Some(detail) = shown(state) else {
        return 0;
    };
    let theme = Theme::plain();
    let keymap = Keymap::empty();
    let ctx = ViewCtx {
        theme: &theme,
        keymap: &keymap,
        strings: Strings::for_lang(state.lang),
    };
    wrapped_rows(&content(detail, state, &ctx), width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::widgets::Widget;

    /// Rows the paragraph widget really uses for `text` at `width`.
    fn rendered_rows(text: &str, width: u16) -> usize {
        let area = Rect::new(0, 0, width, 400);
        let mut buffer = Buffer::empty(area);
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .render(area, &mut buffer);
        (0..area.height)
            .rev()
            .find(|&y| (0..width).any(|x| buffer[(x, y)].symbol() != " "))
            .map_or(1, |y| usize::from(y) + 1)
    }

    #[test]
    fn the_wrap_estimate_matches_the_widget() {
        let texts = [
            "Очень длинный отзыв. ".repeat(40),
            "Пришёл с дыркой на углу, продавец не отвечает уже третий день подряд".into(),
            format!("{} конец", "а".repeat(130)),
            "коротко".into(),
            "слово слово".into(),
        ];
        for text in &texts {
            for width in [10u16, 23, 40, 58, 77] {
                let text = text.trim_end();
                assert_eq!(
                    word_wrapped_rows(text, usize::from(width)),
                    rendered_rows(text, width),
                    "{width}: {text}"
                );
            }
        }
        // Wide characters break differently; the estimate may be a little long, never
        // short (short would hide the end of the text).
        let wide = "日本語のテキスト 😀😀😀 混在 wide ＡＢＣ text ".repeat(6);
        for width in [10u16, 23, 40, 58, 77] {
            let (estimate, real) = (
                word_wrapped_rows(&wide, usize::from(width)),
                rendered_rows(&wide, width),
            );
            assert!(
                real <= estimate && estimate <= real + real / 4 + 1,
                "{width}: {estimate} vs {real}"
            );
        }
    }
}
