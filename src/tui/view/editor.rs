//! The reply editor under the detail pane, and the send confirmation.

use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::ai::guardrails::{Finding, ReplyWindow, Rule, Severity};
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::state::{AppState, Editor, Mode};
use crate::tui::theme::Slot;
use crate::tui::Lang;
use crate::tui::{format, layout, sanitize};

use super::ViewCtx;

/// Where the draft came from, the drafter's confidence and why: `шаблон 76%`,
/// `LLM gpt-4o-mini (drafts-ru-v1) 82%`, `шаблон 84% · ответ из карточки`.
pub fn origin_label(
    origin: &crate::tui::state::DraftOrigin,
    s: &crate::tui::strings::Strings,
) -> String {
    let version = drafter_label(origin.model.as_deref(), origin.version.as_deref());
    let reasons = if origin.reasons.is_empty() {
        String::new()
    } else {
        let reasons: Vec<&str> = origin.reasons.iter().map(|r| (s.draft_reason)(r)).collect();
        format!(" · {}", reasons.join(", "))
    };
    format!(
        "{}{version} {:.0}%{reasons}",
        (s.draft_source)(origin.source),
        f64::from(origin.confidence.clamp(0.0, 1.0)) * 100.0
    )
}

/// The model and prompt version after the source, each when known: ` gpt-4o-mini
/// (drafts-ru-v1)`, ` drafts-ru-v1` for LLM drafts stored before the model was.
fn drafter_label(model: Option<&str>, version: Option<&str>) -> String {
    match (model, version) {
        (Some(model), Some(version)) => format!(" {} ({version})", sanitize::line(model)),
        (Some(one), None) | (None, Some(one)) => format!(" {}", sanitize::line(one)),
        (None, None) => String::new(),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let Some(editor) = &state.editor else {
        return;
    };
    let block = frame_block(editor, state, ctx, area.width);
    let inner = super::inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    // Findings under the text: as many as fit while the text keeps two thirds.
    let findings_height = (inner.height / 3)
        .max(1)
        .min(editor.findings.len().max(1) as u16)
        .min(inner.height.saturating_sub(1));
    let text_area = Rect {
        height: inner.height - findings_height,
        ..inner
    };
    let findings_area = Rect {
        y: inner.y + text_area.height,
        height: findings_height,
        ..inner
    };
    frame.render_widget(Block::new().style(ctx.style(Slot::EditorText)), text_area);
    frame.render_widget(&editor.textarea, text_area);
    if findings_area.height > 0 {
        let lines = finding_lines(
            editor,
            state.lang,
            usize::from(findings_area.height),
            usize::from(findings_area.width),
            ctx,
        );
        frame.render_widget(Paragraph::new(lines), findings_area);
    }
}

/// What is being written and where the draft came from, cut with `…` to `room` cells so
/// it never runs into the character counter on the same border.
pub(crate) fn title_text(editor: &Editor, s: &crate::tui::strings::Strings, room: usize) -> String {
    let what = if editor.edit.is_some() {
        s.edit_title
    } else {
        s.editor_title
    };
    let origin = editor
        .origin
        .as_ref()
        .map(|o| format!(" · {}", origin_label(o, s)))
        .unwrap_or_default();
    let title = format!(
        "{what} · {} {}{origin}",
        (s.channel_name)(editor.channel),
        editor.marketplace.mark()
    );
    format!(" {} ", format::truncate(&title, room.saturating_sub(2)))
}

/// The editor's frame: what is being written (channel, marketplace, the draft's
/// origin), the character count against the limit, and the reply window's time left.
fn frame_block(editor: &Editor, state: &AppState, ctx: &ViewCtx<'_>, width: u16) -> Block<'static> {
    let s = ctx.strings;
    let counter = format!(" {}/{} ", editor.char_count(), editor.max_chars);
    let counter_slot = if editor.over_limit() {
        Slot::EditorOverLimit
    } else {
        Slot::EditorCounter
    };
    let block = ctx
        .pane(matches!(
            state.mode,
            Mode::Editor | Mode::Confirm | Mode::Picker | Mode::Override
        ))
        .title(Span::styled(
            title_text(
                editor,
                s,
                usize::from(width).saturating_sub(counter.len() + 4),
            ),
            ctx.style(Slot::TextTitle),
        ))
        .title_top(Line::from(Span::styled(counter, ctx.style(counter_slot))).right_aligned());
    // Where the marketplace limits how long a reply can be sent: the time left.
    match editor.reply_window.as_of(state.now) {
        ReplyWindow::Unlimited => block,
        ReplyWindow::Open { closes_at } => block.title_bottom(
            Line::from(Span::styled(
                format!(
                    " {} {} ",
                    s.reply_window_left,
                    format::countdown(closes_at, state.now, s)
                ),
                ctx.style(Slot::EditorCounter),
            ))
            .right_aligned(),
        ),
        ReplyWindow::Closed { .. } => block.title_bottom(
            Line::from(Span::styled(
                format!(" {} ", s.reply_window_closed),
                ctx.style(Slot::EditorOverLimit),
            ))
            .right_aligned(),
        ),
    }
}

/// Longest quote of the matched text in a finding's line, in cells.
const QUOTE_CELLS: usize = 40;

/// One line per finding, block first: severity, reason in the UI language, and the text
/// it points at, quoted; the last line says how many more when they do not fit.
fn finding_lines(
    editor: &Editor,
    lang: Lang,
    height: usize,
    width: usize,
    ctx: &ViewCtx<'_>,
) -> Vec<Line<'static>> {
    let s = ctx.strings;
    if editor.findings.is_empty() {
        // Nothing said before the first check has come back.
        let none = if editor.full_check.is_some() {
            s.findings_none
        } else {
            ""
        };
        return vec![Line::styled(
            format::truncate(none, width),
            ctx.style(Slot::TextMuted),
        )];
    }
    let text = &editor.checked_text;
    let mut ordered: Vec<&Finding> = editor.findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let shown = if ordered.len() > height {
        height.saturating_sub(1)
    } else {
        ordered.len()
    };
    let mut lines: Vec<Line<'static>> = ordered[..shown]
        .iter()
        .map(|f| {
            let (slot, label) = match f.severity {
                Severity::Block => (Slot::EditorFindingBlock, s.finding_block),
                Severity::Warn => (Slot::EditorFindingWarn, s.finding_warn),
            };
            let reason = match lang {
                Lang::Ru => &f.reason_ru,
                Lang::En => &f.reason_en,
            };
            let whole_text = matches!(f.rule, Rule::NearDuplicate | Rule::Length);
            let quote = text
                .get(f.span.clone())
                .filter(|m| !whole_text && !m.trim().is_empty())
                .map(|m| {
                    format!(
                        " «{}» —",
                        format::truncate(&sanitize::line(m.trim()), QUOTE_CELLS)
                    )
                })
                .unwrap_or_default();
            // The quoted text first: in a narrow pane it is what says where to look.
            let head = format!("■ {label}{quote} ");
            let rest = format::truncate(reason, width.saturating_sub(format::width(&head)));
            Line::from(vec![
                Span::styled(head, ctx.style(slot)),
                Span::styled(rest, ctx.style(Slot::Text)),
            ])
        })
        .collect();
    if shown < ordered.len() {
        lines.push(Line::styled(
            format!("… +{}", ordered.len() - shown),
            ctx.style(Slot::TextMuted),
        ));
    }
    lines
}

/// "Send the reply? y/n" over the screen, keys taken from the live keymap.
pub fn render_confirm(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let s = ctx.strings;
    let layers = [Layer::Confirm];
    let yes = ctx
        .keymap
        .first_key(&layers, &Action::Confirm)
        .unwrap_or_default();
    let no = ctx
        .keymap
        .first_key(&layers, &Action::Cancel)
        .unwrap_or_default();
    let count = state.editor.as_ref().map_or(0, |e| e.char_count());
    let warnings = state.editor.as_ref().map_or(0, |e| e.findings.len());
    let question = if warnings > 0 {
        format!(
            "{} ({count}; {})",
            s.confirm_question,
            (s.confirm_warnings)(warnings)
        )
    } else {
        format!("{} ({count})", s.confirm_question)
    };
    let lines = vec![
        Line::styled(question, ctx.style(Slot::TextTitle)),
        Line::from(vec![
            Span::styled(yes, ctx.style(Slot::StatusKey)),
            Span::styled(format!(" {}   ", s.confirm_yes), ctx.style(Slot::Overlay)),
            Span::styled(no, ctx.style(Slot::StatusKey)),
            Span::styled(format!(" {}", s.confirm_no), ctx.style(Slot::Overlay)),
        ]),
    ];
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 4;
    let popup = layout::centered(area, width, 4);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .style(ctx.style(Slot::Overlay))
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .border_style(ctx.style(Slot::BorderFocused))
                    .title(Span::styled(
                        format!(" {} ", s.confirm_title),
                        ctx.style(Slot::TextTitle),
                    )),
            ),
        popup,
    );
}

/// The block override over the screen: what blocks, and the word to type.
pub fn render_override(frame: &mut Frame<'_>, area: Rect, state: &AppState, ctx: &ViewCtx<'_>) {
    let Some(editor) = &state.editor else {
        return;
    };
    let s = ctx.strings;
    let key = ctx
        .keymap
        .first_key(&[Layer::Override], &Action::Confirm)
        .unwrap_or_default();
    let back = ctx
        .keymap
        .first_key(&[Layer::Override], &Action::Cancel)
        .unwrap_or_default();
    let word = crate::tui::update::override_word(state);
    let width = area.width.saturating_sub(4).clamp(20, 100);
    let inner_width = usize::from(width.saturating_sub(4));
    let mut lines = vec![Line::styled(
        format::truncate(s.override_question, inner_width),
        ctx.style(Slot::TextTitle),
    )];
    for f in editor
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Block)
        .take(3)
    {
        let reason = match state.lang {
            Lang::Ru => &f.reason_ru,
            Lang::En => &f.reason_en,
        };
        lines.push(Line::from(vec![
            Span::styled("■ ", ctx.style(Slot::EditorFindingBlock)),
            Span::styled(
                format::truncate(reason, inner_width.saturating_sub(2)),
                ctx.style(Slot::Overlay),
            ),
        ]));
    }
    lines.push(Line::styled(
        format::truncate(&(s.override_hint)(word, &key), inner_width),
        ctx.style(Slot::Overlay),
    ));
    let typed = editor.override_word.lines().join("");
    lines.push(Line::from(vec![
        Span::styled("> ", ctx.style(Slot::StatusKey)),
        Span::styled(
            format::truncate(&sanitize::line(&typed), inner_width.saturating_sub(3)),
            ctx.style(Slot::Prompt),
        ),
        Span::styled("▏", ctx.style(Slot::Prompt)),
    ]));
    lines.push(Line::from(vec![
        Span::styled(back, ctx.style(Slot::StatusKey)),
        Span::styled(format!(" {}", s.confirm_no), ctx.style(Slot::Overlay)),
    ]));
    let height = lines.len() as u16 + 2;
    let popup = layout::centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).style(ctx.style(Slot::Overlay)).block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(ctx.style(Slot::EditorFindingBlock))
                .title(Span::styled(
                    format!(" {} ", s.override_title),
                    ctx.style(Slot::EditorFindingBlock),
                )),
        ),
        popup,
    );
}
