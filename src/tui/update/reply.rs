//! The reply: opening the editor with a draft, editing (undo, redo, `$EDITOR`),
//! regenerating, and sending after confirmation.

use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use crate::ai::guardrails::{ReplyWindow, Rule, Verdict, OZON_CHAT_REPLY_HOURS};
use crate::domain::{
    char_count, edit_refusal, AnswerState, ChatMessage, EditRefusal, InteractionId, Sender,
};
use crate::protocol::Command;

use super::super::action::{Action, Effect, ReplyCheck};
use super::super::sanitize;
use super::super::state::{
    AppState, Detail, DetailExtras, DraftOrigin, Editor, Mode, Notice, PendingEditor,
};
use super::super::strings::Strings;
use super::super::templates::TemplatePicker;
use super::super::view::detail::{estimated_rows, pane_height, pane_width};
use super::{notify, queue};

pub(super) fn editor_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Send => {
            let now = state.now;
            if let Some(notice) = state.editor.as_ref().and_then(|e| refusal(e, now)) {
                notify(state, notice);
            } else if let Some(editor) = state.editor.as_mut() {
                check_current(editor);
                if editor.blocked() {
                    open_override(editor);
                    state.mode = Mode::Override;
                } else {
                    state.mode = Mode::Confirm;
                }
            }
        }
        Action::Cancel => close_editor(state, fx),
        Action::Regenerate => regenerate(state, fx),
        Action::Undo => {
            if let Some(editor) = state.editor.as_mut() {
                if editor.textarea.undo() {
                    text_changed(editor, fx);
                }
            }
        }
        Action::Redo => {
            if let Some(editor) = state.editor.as_mut() {
                if editor.textarea.redo() {
                    text_changed(editor, fx);
                }
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

pub(super) fn picker_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
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
                if editor.textarea.insert_str(text) {
                    text_changed(editor, fx);
                }
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
        // A block needs the typed word, never a single key: `y` is refused with how.
        Action::Confirm if state.editor.as_ref().is_some_and(Editor::blocked) => {
            if let Some(editor) = state.editor.as_mut() {
                open_override(editor);
            }
            state.mode = Mode::Override;
            refuse_override(state);
        }
        Action::Confirm => send(state, false, fx),
        Action::Cancel => state.mode = Mode::Editor,
        _ => {}
    }
}

/// The word the seller types to send despite a block, in the UI language.
pub fn override_word(state: &AppState) -> &'static str {
    Strings::for_lang(state.lang).override_word
}

/// Whether `typed` is the confirmation word (case and surrounding blanks aside).
fn is_override_word(typed: &str, word: &str) -> bool {
    typed.trim().to_lowercase() == word.to_lowercase()
}

fn open_override(editor: &mut Editor) {
    editor.override_word = one_line();
}

fn refuse_override(state: &mut AppState) {
    let word = override_word(state).to_string();
    notify(state, Notice::OverrideWordNeeded(word));
}

/// The block override: the seller types the word and confirms, or goes back to the text.
pub(super) fn override_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Confirm => {
            let typed = state
                .editor
                .as_ref()
                .map(|e| e.override_word.lines().join(""))
                .unwrap_or_default();
            if is_override_word(&typed, override_word(state)) {
                send(state, true, fx);
            } else {
                if let Some(editor) = state.editor.as_mut() {
                    open_override(editor);
                }
                refuse_override(state);
            }
        }
        Action::Cancel => state.mode = Mode::Editor,
        Action::OverrideInput(input) => {
            if let Some(editor) = state.editor.as_mut() {
                editor.override_word.input(input);
            }
        }
        _ => {}
    }
}

/// The text changed: a new revision, checked in full off the UI thread once typing
/// pauses. The check of a 1000-character reply takes about a millisecond even without
/// the store's part (docs/guardrails.md), too much for every keystroke.
pub(super) fn text_changed(editor: &mut Editor, fx: &mut Vec<Effect>) {
    editor.revision += 1;
    fx.push(Effect::CheckReply(ReplyCheck {
        interaction_id: editor.interaction_id,
        revision: editor.revision,
        text: editor.text(),
    }));
}

/// Before deciding between the confirmation and the override: when the last full check
/// is for older text, the rules that read nothing from the store run once on the text
/// as it is (near-duplicates only ever warn, so they cannot change that decision).
fn check_current(editor: &mut Editor) {
    if editor.full_check == Some(editor.revision) {
        return;
    }
    let text = editor.text();
    editor.findings = editor.guard.check(&text).findings;
    editor.checked_text = text;
    highlight_findings(editor);
}

/// The full check of the text at `revision` came back; older revisions are dropped.
pub(super) fn checked(
    state: &mut AppState,
    interaction_id: InteractionId,
    revision: u64,
    verdict: Verdict,
) {
    let Some(editor) = state.editor.as_mut() else {
        return;
    };
    if editor.interaction_id != interaction_id || editor.revision != revision {
        return;
    }
    editor.findings = verdict.findings;
    editor.checked_text = editor.text();
    editor.full_check = Some(revision);
    highlight_findings(editor);
}

/// Longest matched text highlighted in place; longer ones are only quoted in the list.
const HIGHLIGHT_MAX_CHARS: usize = 80;

/// Marks the matched text of each finding with the text area's search highlight: by the
/// words, so it stays on them while the text moves on before the next check. Findings
/// about the whole text (length, near-duplicate) are not highlighted.
fn highlight_findings(editor: &mut Editor) {
    let text = &editor.checked_text;
    let mut parts: Vec<String> = editor
        .findings
        .iter()
        .filter(|f| !matches!(f.rule, Rule::NearDuplicate | Rule::Length))
        .filter_map(|f| text.get(f.span.clone()))
        .filter(|m| !m.trim().is_empty() && !m.contains('\n'))
        .filter(|m| m.chars().count() <= HIGHLIGHT_MAX_CHARS)
        .map(regex_literal)
        .collect();
    parts.sort();
    parts.dedup();
    // Longest first, so an alternation prefers the whole phrase.
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    // An escaped literal is always a valid pattern; should one ever not be, the list
    // still names the span, so the highlight is simply left off.
    if editor.textarea.set_search_pattern(parts.join("|")).is_err() {
        let _ = editor.textarea.set_search_pattern("");
    }
}

/// `text` as a regular expression that matches exactly it.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The item the detail pane shows was read: its look-ups follow off the UI task (the
/// ones already held for the same item stay until they arrive).
pub(super) fn detail_loaded(state: &mut AppState, mut detail: Detail, fx: &mut Vec<Effect>) {
    let id = detail.interaction.id;
    if queue::shown_detail_id(state) != Some(id) {
        return;
    }
    match state.detail.take() {
        Some(old) if old.interaction.id == id => {
            detail.extras = detail.extras.or(old.extras);
        }
        _ => state.detail_scroll = 0,
    }
    state.detail = Some(detail);
    fx.push(Effect::LoadDetailExtras(id));
}

/// The look-ups of the item the detail pane shows arrived: an editor asked for before
/// opens now.
pub(super) fn detail_extras_loaded(
    state: &mut AppState,
    id: InteractionId,
    extras: DetailExtras,
    fx: &mut Vec<Effect>,
) {
    let Some(detail) = state.detail.as_mut().filter(|d| d.interaction.id == id) else {
        return;
    };
    detail.extras = Some(extras);
    let pending = state.pending_editor.take();
    let waiting = matches!(state.mode, Mode::Queue | Mode::Detail)
        && state.editor.is_none()
        && state.queue.selected_id == Some(id);
    match pending {
        Some(PendingEditor::Reply(p)) if p == id && waiting => open_editor(state, fx),
        Some(PendingEditor::Edit(p)) if p == id && waiting => open_edit(state, fx),
        _ => {}
    }
}

/// Whether the selected item `id` is read with its look-ups; if not, asks for what is
/// missing and remembers the editor asked for, which opens when it arrives.
fn ready_detail(
    state: &mut AppState,
    id: InteractionId,
    pending: PendingEditor,
    fx: &mut Vec<Effect>,
) -> bool {
    match state.selected_detail() {
        Some(detail) if detail.extras.is_some() => return true,
        Some(_) => {}
        None => fx.push(Effect::LoadDetail(id)),
    }
    state.pending_editor = Some(pending);
    notify(state, Notice::DetailLoading);
    false
}

pub(super) fn open_editor(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(id) = state.queue.selected_id else {
        notify(state, Notice::NothingSelected);
        return;
    };
    if !ready_detail(state, id, PendingEditor::Reply(id), fx) {
        return;
    }
    let Some((detail, extras)) = state
        .selected_detail()
        .and_then(|d| d.extras.as_ref().map(|e| (d, e)))
    else {
        return;
    };
    let failed_before = state
        .queue
        .selected_row()
        .is_some_and(|r| r.send_error.is_some());
    let auto_waiting = state
        .queue
        .selected_row()
        .is_some_and(|r| r.auto_reply.is_some());
    if detail.interaction.state == AnswerState::Pending
        || auto_waiting
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
    let guard = extras.guard.clone();
    let last_buyer_message = detail
        .messages
        .iter()
        .rev()
        .find(|m| m.sender == Sender::Buyer)
        .map(|m| m.sent_at);
    let reply_window = ReplyWindow::at(marketplace, channel, last_buyer_message, state.now);
    let (min_chars, max_chars) = channel.reply_length(marketplace);
    // The draft prepared in the background (what the outbox compares edits against), or
    // a fresh one when none is ready yet.
    let prepared = state
        .selected_detail()
        .and_then(|d| Some((d.prepared_draft.clone()?, d.prepared_origin.clone())));
    let (text, origin) = match prepared {
        Some((prepared, origin)) => (sanitize::block(&prepared).into_owned(), origin),
        None => draft_text(state, id),
    };
    let mut textarea = text_area(&text);
    textarea.set_search_style(state.finding_highlight);
    let mut editor = Editor {
        interaction_id: id,
        marketplace,
        channel,
        min_chars,
        max_chars,
        textarea,
        return_to: state.mode,
        guard,
        revision: 0,
        findings: Vec::new(),
        checked_text: String::new(),
        full_check: None,
        override_word: one_line(),
        reply_window,
        origin,
        edit: None,
        opened_at: state.now,
    };
    text_changed(&mut editor, fx);
    state.editor = Some(editor);
    state.mode = Mode::Editor;
}

/// Opens the editor on the selected item's published answer, to replace it: WB feedbacks
/// only, once per answer (WB's `editable`). Anywhere else the reason is shown instead.
/// The new text goes through the same checks and confirmation as a reply.
pub(super) fn open_edit(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(id) = state.queue.selected_id else {
        notify(state, Notice::NothingSelected);
        return;
    };
    if !ready_detail(state, id, PendingEditor::Edit(id), fx) {
        return;
    }
    let Some((detail, extras)) = state
        .selected_detail()
        .and_then(|d| d.extras.as_ref().map(|e| (d, e)))
    else {
        return;
    };
    // An edit queued a moment ago, before the item was read again, is refused by the
    // store, which answers with the reason as the item then stands.
    if let Some(why) = edit_refusal(&detail.interaction) {
        notify(state, Notice::EditRefused(why));
        return;
    }
    let item = &detail.interaction;
    let sent = item
        .answer
        .as_ref()
        .map(|a| a.text.clone())
        .unwrap_or_default();
    let (min_chars, max_chars) = item.channel.reply_length(item.marketplace);
    let mut textarea = text_area(&sanitize::block(&sent));
    textarea.set_search_style(state.finding_highlight);
    let mut editor = Editor {
        interaction_id: id,
        marketplace: item.marketplace,
        channel: item.channel,
        min_chars,
        max_chars,
        textarea,
        return_to: state.mode,
        guard: extras.guard.clone(),
        revision: 0,
        findings: Vec::new(),
        checked_text: String::new(),
        full_check: None,
        override_word: one_line(),
        reply_window: ReplyWindow::at(item.marketplace, item.channel, None, state.now),
        origin: None,
        edit: Some(sent),
        opened_at: state.now,
    };
    text_changed(&mut editor, fx);
    state.editor = Some(editor);
    state.mode = Mode::Editor;
}

/// A one-line input with no cursor-line style.
fn one_line() -> TextArea<'static> {
    let mut ta = TextArea::default();
    ta.set_cursor_line_style(Style::default());
    ta
}

/// A fresh draft for interaction `id` from the AI module, made safe to display, and where
/// it came from.
fn draft_text(state: &mut AppState, id: InteractionId) -> (String, Option<DraftOrigin>) {
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
            (
                sanitize::block(&draft.text).into_owned(),
                Some(DraftOrigin::of(&draft)),
            )
        }
        None => (String::new(), None),
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

fn regenerate(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(id) = state.editor.as_ref().map(|e| e.interaction_id) else {
        return;
    };
    let (text, origin) = draft_text(state, id);
    if let Some(editor) = state.editor.as_mut() {
        replace_text(editor, &text);
        editor.origin = origin;
        text_changed(editor, fx);
    }
    notify(state, Notice::DraftRegenerated);
}

/// The text came back from `$EDITOR` (or it failed).
pub(super) fn external_edited(
    state: &mut AppState,
    result: Result<String, String>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(text) => {
            let text = super::super::editor_handoff::returned_text(&text);
            if let Some(editor) = state.editor.as_mut() {
                if editor.text() != text {
                    replace_text(editor, &text);
                    text_changed(editor, fx);
                }
                notify(state, Notice::ExternalEditorDone);
            }
        }
        Err(e) => notify(state, Notice::ExternalEditorFailed(e)),
    }
}

/// Why the editor's text cannot be sent at `now`, if it cannot.
fn refusal(editor: &Editor, now: DateTime<Utc>) -> Option<Notice> {
    let text = editor.text();
    let text = text.trim();
    let len = char_count(text);
    if editor.reply_window.is_closed(now) {
        Some(Notice::ReplyWindowClosed {
            hours: OZON_CHAT_REPLY_HOURS,
        })
    } else if text.is_empty() {
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
    } else if editor
        .edit
        .as_deref()
        .is_some_and(|sent| sent.split_whitespace().eq(text.split_whitespace()))
    {
        Some(Notice::EditRefused(EditRefusal::Unchanged))
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

fn send(state: &mut AppState, override_block: bool, fx: &mut Vec<Effect>) {
    let Some(editor) = state.editor.as_ref() else {
        state.mode = Mode::Queue;
        return;
    };
    if let Some(notice) = refusal(editor, state.now) {
        state.mode = Mode::Editor;
        notify(state, notice);
        return;
    }
    let interaction_id = editor.interaction_id;
    let opened_at = editor.opened_at;
    let text = editor.text().trim().to_string();
    state.send_seq += 1;
    let idempotency_key = format!(
        "tui-{}-{}-{}",
        state.session, interaction_id.0, state.send_seq
    );
    let edit = editor.edit.is_some();
    fx.push(Effect::Command(if edit {
        Command::EditAnswer {
            interaction_id,
            text,
            idempotency_key,
            override_block,
        }
    } else {
        Command::SendReply {
            interaction_id,
            text,
            idempotency_key,
            override_block,
            opened_at: Some(opened_at),
        }
    }));
    state.awaiting.insert(interaction_id);
    close_editor(state, fx);
    notify(
        state,
        if edit {
            Notice::EditQueued
        } else {
            Notice::Queued
        },
    );
}

pub(super) fn scroll_detail(state: &mut AppState, by: i32) {
    let width = pane_width(state);
    let rows = estimated_rows(state, width);
    let visible = usize::from(pane_height(state));
    let max = rows.saturating_sub(visible).min(usize::from(u16::MAX)) as i64;
    let next = (i64::from(state.detail_scroll) + i64::from(by)).clamp(0, max.max(0));
    state.detail_scroll = next as u16;
}
