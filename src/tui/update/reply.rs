//! The reply: opening the editor with a draft, editing (undo, redo, `$EDITOR`),
//! regenerating, and sending after confirmation.

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use crate::app::Command;
use crate::domain::{char_count, AnswerState, ChatMessage, InteractionId};

use super::super::action::{Action, Effect};
use super::super::sanitize;
use super::super::state::{AppState, Editor, Mode, Notice};
use super::super::templates::TemplatePicker;
use super::super::view::detail::{estimated_rows, pane_height, pane_width};
use super::{notify, queue};

pub(super) fn editor_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Send => {
            if let Some(notice) = state.editor.as_ref().and_then(refusal) {
                notify(state, notice);
            } else if state.editor.is_some() {
                state.mode = Mode::Confirm;
            }
        }
        Action::Cancel => close_editor(state, fx),
        Action::Regenerate => regenerate(state),
        Action::Undo => {
            if let Some(editor) = state.editor.as_mut() {
                editor.textarea.undo();
            }
        }
        Action::Redo => {
            if let Some(editor) = state.editor.as_mut() {
                editor.textarea.redo();
            }
        }
        Action::ExternalEditor => {
            if let Some(editor) = state.editor.as_ref() {
                fx.push(Effect::ExternalEditor(editor.text()));
            }
        }
        Action::InsertTemplate => open_picker(state),
        _ => {}
    }
}

/// Offers the templates for the item being answered.
fn open_picker(state: &mut AppState) {
    let id = state.editor.as_ref().map(|e| e.interaction_id);
    let detail = state
        .detail
        .as_ref()
        .filter(|d| Some(d.interaction.id) == id);
    let items = match (&state.templates, detail) {
        (Some(source), Some(d)) => source.for_item(&d.interaction, &d.messages),
        _ => Vec::new(),
    };
    if items.is_empty() {
        notify(state, Notice::NoTemplates);
        return;
    }
    state.picker = Some(TemplatePicker { items, selected: 0 });
    state.mode = Mode::Picker;
}

pub(super) fn picker_mode(state: &mut AppState, action: Action) {
    let Some(picker) = state.picker.as_mut() else {
        state.mode = Mode::Editor;
        return;
    };
    let last = picker.items.len().saturating_sub(1);
    match action {
        Action::MoveDown => picker.selected = (picker.selected + 1).min(last),
        Action::MoveUp => picker.selected = picker.selected.saturating_sub(1),
        Action::Top => picker.selected = 0,
        Action::Bottom => picker.selected = last,
        Action::Confirm => {
            let text = picker
                .items
                .get(picker.selected)
                .map(|t| sanitize::block(&t.text).into_owned());
            state.picker = None;
            state.mode = Mode::Editor;
            if let (Some(text), Some(editor)) = (text, state.editor.as_mut()) {
                editor.textarea.insert_str(text);
            }
        }
        Action::Cancel => {
            state.picker = None;
            state.mode = Mode::Editor;
        }
        _ => {}
    }
}

pub(super) fn confirm_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Confirm => send(state, fx),
        Action::Cancel => state.mode = Mode::Editor,
        _ => {}
    }
}

pub(super) fn open_editor(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(id) = state.queue.selected_id else {
        notify(state, Notice::NothingSelected);
        return;
    };
    let Some(detail) = state.selected_detail() else {
        notify(state, Notice::DetailLoading);
        fx.push(Effect::LoadDetail(id));
        return;
    };
    let failed_before = state
        .queue
        .selected_row()
        .is_some_and(|r| r.send_error.is_some());
    if detail.interaction.state == AnswerState::Pending
        || (state.awaiting.contains(&id) && !failed_before)
    {
        notify(state, Notice::AlreadySending);
        return;
    }
    if detail.interaction.state != AnswerState::Open {
        notify(state, Notice::NotOpen);
        return;
    }
    let (marketplace, channel) = (detail.interaction.marketplace, detail.interaction.channel);
    let (min_chars, max_chars) = channel.reply_length(marketplace);
    // The draft prepared in the background (what the outbox compares edits against), or
    // a fresh one when none is ready yet.
    let text = match state
        .selected_detail()
        .and_then(|d| d.prepared_draft.clone())
    {
        Some(prepared) => sanitize::block(&prepared).into_owned(),
        None => draft_text(state, id),
    };
    state.editor = Some(Editor {
        interaction_id: id,
        marketplace,
        channel,
        min_chars,
        max_chars,
        textarea: text_area(&text),
        return_to: state.mode,
    });
    state.mode = Mode::Editor;
}

/// A fresh draft for interaction `id` from the AI module, made safe to display.
fn draft_text(state: &mut AppState, id: InteractionId) -> String {
    let variant = state.draft_variant;
    state.draft_variant += 1;
    match state.detail.as_ref().filter(|d| d.interaction.id == id) {
        Some(d) => {
            // The drafter reads what the seller can read: very long text is cut first,
            // so a 1 MB review cannot stall the screen.
            let mut item = d.interaction.clone();
            item.text = bounded(&item.text);
            let messages: Vec<_> = d
                .messages
                .iter()
                .map(|m| ChatMessage {
                    text: bounded(&m.text),
                    ..m.clone()
                })
                .collect();
            let draft = crate::ai::draft_for(&item, &messages, variant);
            sanitize::block(&draft.text).into_owned()
        }
        None => String::new(),
    }
}

/// `text` cut to what the detail pane shows.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(sanitize::MAX_BLOCK_CHARS) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

fn text_area(text: &str) -> TextArea<'static> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let mut ta = TextArea::new(lines);
    ta.set_wrap_mode(WrapMode::WordOrGlyph);
    ta.set_cursor_line_style(Style::default());
    ta.move_cursor(CursorMove::Bottom);
    ta.move_cursor(CursorMove::End);
    ta
}

/// Replaces the editor's text as one edit, so undo brings the old text back.
fn replace_text(editor: &mut Editor, text: &str) {
    editor.textarea.select_all();
    editor.textarea.cut();
    editor.textarea.insert_str(text);
}

fn regenerate(state: &mut AppState) {
    let Some(id) = state.editor.as_ref().map(|e| e.interaction_id) else {
        return;
    };
    let text = draft_text(state, id);
    if let Some(editor) = state.editor.as_mut() {
        replace_text(editor, &text);
    }
    notify(state, Notice::DraftRegenerated);
}

/// The text came back from `$EDITOR` (or it failed).
pub(super) fn external_edited(state: &mut AppState, result: Result<String, String>) {
    match result {
        Ok(text) => {
            let text = sanitize::block(&text);
            let text = text.trim_end_matches('\n');
            if let Some(editor) = state.editor.as_mut() {
                if editor.text() != text {
                    replace_text(editor, text);
                }
                notify(state, Notice::ExternalEditorDone);
            }
        }
        Err(e) => notify(state, Notice::ExternalEditorFailed(e)),
    }
}

/// Why the editor's text cannot be sent, if it cannot.
fn refusal(editor: &Editor) -> Option<Notice> {
    let text = editor.text();
    let text = text.trim();
    let len = char_count(text);
    if text.is_empty() {
        Some(Notice::EmptyReply)
    } else if len > editor.max_chars {
        Some(Notice::TooLong {
            len,
            max: editor.max_chars,
        })
    } else if len < editor.min_chars {
        Some(Notice::TooShort {
            len,
            min: editor.min_chars,
        })
    } else {
        None
    }
}

fn close_editor(state: &mut AppState, fx: &mut Vec<Effect>) {
    if let Some(editor) = state.editor.take() {
        state.mode = editor.return_to;
    } else {
        state.mode = Mode::Queue;
    }
    let shown = state.detail.as_ref().map(|d| d.interaction.id);
    if state.queue.selected_id.is_some() && state.queue.selected_id != shown {
        state.detail_scroll = 0;
        queue::reload_detail(state, fx);
    }
}

fn send(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(editor) = state.editor.as_ref() else {
        state.mode = Mode::Queue;
        return;
    };
    if let Some(notice) = refusal(editor) {
        state.mode = Mode::Editor;
        notify(state, notice);
        return;
    }
    let interaction_id = editor.interaction_id;
    let text = editor.text().trim().to_string();
    state.send_seq += 1;
    let idempotency_key = format!(
        "tui-{}-{}-{}",
        state.session, interaction_id.0, state.send_seq
    );
    fx.push(Effect::Command(Command::SendReply {
        interaction_id,
        text,
        idempotency_key,
    }));
    state.awaiting.insert(interaction_id);
    close_editor(state, fx);
    notify(state, Notice::Queued);
}

pub(super) fn scroll_detail(state: &mut AppState, by: i32) {
    let width = pane_width(state);
    let rows = estimated_rows(state, width);
    let visible = usize::from(pane_height(state));
    let max = rows.saturating_sub(visible).min(usize::from(u16::MAX)) as i64;
    let next = (i64::from(state.detail_scroll) + i64::from(by)).clamp(0, max.max(0));
    state.detail_scroll = next as u16;
}
