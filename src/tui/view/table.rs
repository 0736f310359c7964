//! Columns for the full screens' lists: which fit at this width, and how wide each is.

use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::format;
use crate::tui::theme::Slot;

use super::ViewCtx;

/// One column: its header, its least width, whether it takes the room left over, and
/// how much it matters (lower numbers are kept first when the terminal is narrow).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub min: usize,
    pub flex: bool,
    pub rank: u8,
}

impl Column {
    pub const fn new(header: &'static str, min: usize, flex: bool, rank: u8) -> Self {
        Column {
            header,
            min,
            flex,
            rank,
        }
    }
}

/// The one line a list screen shows in the middle of `area` while it loads or when it
/// has nothing to list.
pub fn centred_message(frame: &mut Frame<'_>, area: Rect, text: &str, ctx: &ViewCtx<'_>) {
    let inner = super::inner(area);
    if inner.height > 0 {
        frame.render_widget(
            Paragraph::new(Span::styled(text.to_string(), ctx.style(Slot::TextMuted)))
                .alignment(Alignment::Center),
            Rect::new(inner.x, inner.y + inner.height / 2, inner.width, 1),
        );
    }
}

/// The columns' headers in `area`, at the widths [`widths`] gave them.
pub fn render_header(
    frame: &mut Frame<'_>,
    area: Rect,
    columns: &[Column],
    widths: &[Option<usize>],
    ctx: &ViewCtx<'_>,
) {
    let header = columns
        .iter()
        .map(|c| (c.header.to_string(), ctx.style(Slot::TableHeader)))
        .collect();
    frame.render_widget(Paragraph::new(row(header, widths)), area);
}

/// The selected row's details under the list, below a rule.
pub fn render_footer(
    frame: &mut Frame<'_>,
    area: Rect,
    lines: Vec<Line<'static>>,
    ctx: &ViewCtx<'_>,
) {
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::new()
                .borders(Borders::TOP)
                .border_style(ctx.style(Slot::Border)),
        ),
        area,
    );
}

/// Widths of the columns that fit in `width` cells (one space between columns), in the
/// columns' order; a column that does not fit gets `None`. A column is never narrower
/// than its header.
pub fn widths(columns: &[Column], width: usize) -> Vec<Option<usize>> {
    let min: Vec<usize> = columns
        .iter()
        .map(|c| c.min.max(format::width(c.header)))
        .collect();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| columns[i].rank);
    let mut shown = vec![false; columns.len()];
    let mut used = 0;
    for i in order {
        let need = min[i] + usize::from(used > 0);
        if used + need <= width {
            shown[i] = true;
            used += need;
        }
    }
    let flex: Vec<usize> = (0..columns.len())
        .filter(|&i| shown[i] && columns[i].flex)
        .collect();
    let spare = width.saturating_sub(used);
    columns
        .iter()
        .enumerate()
        .map(|(i, _)| {
            shown[i].then(|| {
                let extra = match flex.iter().position(|&f| f == i) {
                    Some(pos) if !flex.is_empty() => {
                        spare / flex.len() + usize::from(pos < spare % flex.len())
                    }
                    _ => 0,
                };
                min[i] + extra
            })
        })
        .collect()
}

/// A row of cells fitted to `widths` (hidden columns skipped).
pub fn row(cells: Vec<(String, Style)>, widths: &[Option<usize>]) -> Line<'static> {
    let mut spans = Vec::new();
    let mut first = true;
    for ((text, style), width) in cells.into_iter().zip(widths) {
        let Some(width) = width else {
            continue;
        };
        if !first {
            spans.push(Span::raw(" "));
        }
        first = false;
        spans.push(Span::styled(format::fit(&text, *width), style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(min: usize, flex: bool, rank: u8) -> Column {
        Column {
            header: "",
            min,
            flex,
            rank,
        }
    }

    #[test]
    fn narrow_widths_drop_the_least_important_columns() {
        let cols = [
            col(10, true, 0),
            col(5, false, 2),
            col(8, false, 1),
            col(10, true, 3),
        ];
        assert_eq!(
            widths(&cols, 60),
            vec![Some(22), Some(5), Some(8), Some(22)]
        );
        assert_eq!(widths(&cols, 25), vec![Some(10), Some(5), Some(8), None]);
        assert_eq!(widths(&cols, 12), vec![Some(12), None, None, None]);
        assert_eq!(widths(&cols, 0), vec![None, None, None, None]);
    }
}
