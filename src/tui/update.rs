//! The reducer: the only place the inbox state changes. It does no IO; whatever needs the
//! outside world comes back as [`Effect`]s for the event loop.

use chrono::{DateTime, Duration, Utc};
use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use crate::app::{Command, Event};
use crate::domain::{char_count, AnswerState, InteractionId};

use super::action::{Action, Effect, QueueRequest};
use super::sanitize;
use super::state::{
    AccountSync, AppState, Editor, Mode, Notice, QueueSnapshot, SyncOutcome, Tab, NOTICE_SECONDS,
};
use super::view::detail::estimated_rows;

/// Re-read the queue at least this often, so counts follow the clock.
const RELOAD_EVERY: Duration = Duration::seconds(30);
/// In the breached view items join as their deadlines pass; re-read more often.
const RELOAD_EVERY_BREACHED: Duration = Duration::seconds(5);

/// Applies `action` to `state` and returns what the event loop must do next.
pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Tick(now) => tick(state, now, &mut fx),
        Action::Resize { width, height } => {
            state.width = width;
            state.height = height;
            keep_selection_visible(state);
            request_page_if_needed(state, &mut fx);
        }
        Action::Background(event) => background(state, event, &mut fx),
        Action::QueueLoaded(snapshot) => queue_loaded(state, *snapshot, &mut fx),
        Action::DetailLoaded(detail) => {
            let wanted = shown_detail_id(state);
            if wanted == Some(detail.interaction.id) {
                if state.detail.as_ref().map(|d| d.interaction.id) != wanted {
                    state.detail_scroll = 0;
                }
                state.detail = Some(*detail);
            }
        }
        Action::DetailMissing(id) => {
            if state.detail.as_ref().map(|d| d.interaction.id) == Some(id) {
                state.detail = None;
            }
        }
        Action::LoadFailed(message) => notify(state, Notice::LoadFailed(message)),
        Action::CommandFailed => notify(state, Notice::CommandFailed),
        Action::EditorInput(input) => {
            if state.mode == Mode::Editor {
                if let Some(editor) = state.editor.as_mut() {
                    editor.textarea.input(input);
                }
            }
        }
        Action::Paste(text) => {
            if state.mode == Mode::Editor {
                if let Some(editor) = state.editor.as_mut() {
                    editor.textarea.insert_str(sanitize::block(&text));
                }
            }
        }
        Action::Quit => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        action => match state.mode {
            Mode::Queue => queue_mode(state, action, &mut fx),
            Mode::Detail => detail_mode(state, action, &mut fx),
            Mode::Editor => editor_mode(state, action, &mut fx),
            Mode::Confirm => confirm_mode(state, action, &mut fx),
            Mode::Help => help_mode(state, action),
        },
    }
    fx
}

fn notify(state: &mut AppState, notice: Notice) {
    state.notice = Some((notice, state.now));
}

fn tick(state: &mut AppState, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
    state.now = now;
    if let Some((_, at)) = &state.notice {
        if now - *at >= Duration::seconds(NOTICE_SECONDS) {
            state.notice = None;
        }
    }
    let every = if state.breached_only {
        RELOAD_EVERY_BREACHED
    } else {
        RELOAD_EVERY
    };
    if now - state.last_reload >= every {
        reload(state, fx);
    }
}

fn background(state: &mut AppState, event: Event, fx: &mut Vec<Effect>) {
    match event {
        Event::SyncStarted { account, connector } => {
            state
                .sync
                .entry(account)
                .or_default()
                .running
                .insert(connector);
            reload(state, fx);
        }
        Event::SyncFinished {
            account,
            connector,
            ok,
            new,
            changed,
            error,
        } => {
            let entry: &mut AccountSync = state.sync.entry(account).or_default();
            entry.running.remove(&connector);
            entry.last = Some(SyncOutcome {
                at: state.now,
                new,
                changed,
                error: if ok {
                    None
                } else {
                    Some(error.unwrap_or_default())
                },
            });
            reload(state, fx);
            reload_detail(state, fx);
        }
        Event::DataChanged | Event::OutboxChanged => {
            reload(state, fx);
            reload_detail(state, fx);
        }
        Event::Offline { since } => state.offline_since = Some(since),
        Event::Online => state.offline_since = None,
    }
}

fn queue_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let v = state.visible_items();
    let q = &state.queue;
    match action {
        Action::MoveDown => select(state, q.selected.saturating_add(1), fx),
        Action::MoveUp => select(state, q.selected.saturating_sub(1), fx),
        Action::Top => select(state, 0, fx),
        Action::Bottom => select(state, q.total().saturating_sub(1), fx),
        Action::PageDown => {
            let (selected, scroll) = (q.selected.saturating_add(v), q.scroll.saturating_add(v));
            state.queue.scroll = scroll.min(q.total().saturating_sub(v));
            select(state, selected, fx);
        }
        Action::PageUp => {
            let (selected, scroll) = (q.selected.saturating_sub(v), q.scroll.saturating_sub(v));
            state.queue.scroll = scroll;
            select(state, selected, fx);
        }
        Action::FocusDetail => state.mode = Mode::Detail,
        Action::Reply => open_editor(state, fx),
        Action::Cancel => state.notice = None,
        other => common(state, other, fx),
    }
}

fn detail_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let page = (state.visible_items() as u16).max(2);
    match action {
        Action::MoveDown => scroll_detail(state, 1),
        Action::MoveUp => scroll_detail(state, -1),
        Action::PageDown => scroll_detail(state, i32::from(page)),
        Action::PageUp => scroll_detail(state, -i32::from(page)),
        Action::Top => state.detail_scroll = 0,
        Action::Bottom => scroll_detail(state, i32::from(u16::MAX)),
        Action::FocusQueue | Action::Cancel => state.mode = Mode::Queue,
        Action::Reply => open_editor(state, fx),
        other => common(state, other, fx),
    }
}

/// Actions that mean the same in the queue and in the detail pane.
fn common(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::TabAll => set_tab(state, Tab::All, fx),
        Action::TabReviews => set_tab(state, Tab::Reviews, fx),
        Action::TabQuestions => set_tab(state, Tab::Questions, fx),
        Action::TabChats => set_tab(state, Tab::Chats, fx),
        Action::NextTab => set_tab(state, state.tab.next(), fx),
        Action::PrevTab => set_tab(state, state.tab.prev(), fx),
        Action::ToggleBreached => {
            state.breached_only = !state.breached_only;
            reset_queue(state, fx);
        }
        Action::SyncNow => {
            fx.push(Effect::Command(Command::SyncNow));
            notify(state, Notice::SyncRequested);
        }
        Action::Refresh => {
            reload(state, fx);
            reload_detail(state, fx);
        }
        Action::Help => {
            state.help_return = state.mode;
            state.help_scroll = 0;
            state.mode = Mode::Help;
        }
        _ => {}
    }
}

fn editor_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
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
        _ => {}
    }
}

fn confirm_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Confirm => send(state, fx),
        Action::Cancel => state.mode = Mode::Editor,
        _ => {}
    }
}

fn help_mode(state: &mut AppState, action: Action) {
    let page = state.visible_items() as u16;
    match action {
        Action::MoveDown => state.help_scroll = state.help_scroll.saturating_add(1),
        Action::MoveUp => state.help_scroll = state.help_scroll.saturating_sub(1),
        Action::PageDown => state.help_scroll = state.help_scroll.saturating_add(page),
        Action::PageUp => state.help_scroll = state.help_scroll.saturating_sub(page),
        Action::Top => state.help_scroll = 0,
        Action::Cancel | Action::Help => state.mode = state.help_return,
        _ => {}
    }
}

// ---- the queue ---------------------------------------------------------------------------

/// Rows read around the visible window, so short moves need no read.
fn margin(visible: usize) -> usize {
    visible.max(10)
}

fn page_request(state: &AppState, with_counts: bool) -> QueueRequest {
    let v = state.visible_items();
    let m = margin(v);
    QueueRequest {
        filter: state.filter(),
        now: state.now,
        offset: state.queue.scroll.saturating_sub(m),
        limit: v + 2 * m,
        with_counts,
    }
}

/// Re-reads the visible page and the counts.
fn reload(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.last_reload = state.now;
    fx.push(Effect::LoadQueue(page_request(state, true)));
}

fn request_page_if_needed(state: &mut AppState, fx: &mut Vec<Effect>) {
    let v = state.visible_items();
    if state.queue.total.is_none() {
        reload(state, fx);
    } else if !state.queue.covers(state.queue.scroll, v) {
        fx.push(Effect::LoadQueue(page_request(state, false)));
    }
}

/// The interaction the detail pane shows: the one being answered, else the selected one.
fn shown_detail_id(state: &AppState) -> Option<InteractionId> {
    match &state.editor {
        Some(editor) => Some(editor.interaction_id),
        None => state.queue.selected_id,
    }
}

fn reload_detail(state: &AppState, fx: &mut Vec<Effect>) {
    if let Some(id) = shown_detail_id(state) {
        fx.push(Effect::LoadDetail(id));
    }
}

/// Keeps the selected row on screen and the screen as full as the queue allows.
fn keep_selection_visible(state: &mut AppState) {
    let v = state.visible_items();
    let q = &mut state.queue;
    q.scroll = q.scroll.min(q.total().saturating_sub(v));
    if q.selected < q.scroll {
        q.scroll = q.selected;
    } else if q.selected >= q.scroll + v {
        q.scroll = q.selected + 1 - v;
    }
}

/// Moves the selection to absolute index `index` (clamped).
fn select(state: &mut AppState, index: usize, fx: &mut Vec<Effect>) {
    let total = state.queue.total();
    if total == 0 {
        return;
    }
    let old_id = state.queue.selected_id;
    state.queue.selected = index.min(total - 1);
    state.queue.selected_id = state.queue.row(state.queue.selected).map(|r| r.id);
    keep_selection_visible(state);
    selection_changed(state, old_id, fx);
    request_page_if_needed(state, fx);
}

fn selection_changed(state: &mut AppState, old: Option<InteractionId>, fx: &mut Vec<Effect>) {
    let new = state.queue.selected_id;
    if new == old || state.editor.is_some() {
        return;
    }
    state.detail_scroll = 0;
    match new {
        Some(id) => fx.push(Effect::LoadDetail(id)),
        None => {
            if state.queue.total() == 0 {
                state.detail = None;
            }
        }
    }
}

fn set_tab(state: &mut AppState, tab: Tab, fx: &mut Vec<Effect>) {
    if state.tab != tab {
        state.tab = tab;
        reset_queue(state, fx);
    }
}

/// Starts the queue over (new filter): top row selected, everything re-read.
fn reset_queue(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.queue = Default::default();
    if state.editor.is_none() {
        state.detail = None;
    }
    state.detail_scroll = 0;
    reload(state, fx);
}

fn queue_loaded(state: &mut AppState, snap: QueueSnapshot, fx: &mut Vec<Effect>) {
    let filter = &snap.request.filter;
    if filter.channel != state.tab.channel() || filter.breached_at.is_some() != state.breached_only
    {
        return; // read for a view the user has left
    }
    if let Some(counts) = snap.counts {
        state.counts = counts;
    }
    if let Some(n) = snap.outbox_size {
        state.outbox_size = n;
    }
    let old_id = state.queue.selected_id;
    let screen_row = state.queue.selected.saturating_sub(state.queue.scroll);
    let request = snap.request.clone();
    let q = &mut state.queue;
    q.total = Some(snap.total);
    q.offset = snap.request.offset;
    q.rows = snap.rows;
    // A reply that failed may be sent again.
    for row in &q.rows {
        if row.send_error.is_some() {
            state.awaiting.remove(&row.id);
        }
    }
    let found = old_id.and_then(|id| q.rows.iter().position(|r| r.id == id));
    match found {
        Some(pos) => {
            // Same item, same place on screen: background updates never move the cursor.
            q.selected = q.offset + pos;
            q.scroll = q.selected.saturating_sub(screen_row);
        }
        None => {
            // The item left the view (answered, filtered out): the row now at the same
            // position takes its place.
            q.selected = q.selected.min(snap.total.saturating_sub(1));
            q.selected_id = q.row(q.selected).map(|r| r.id);
        }
    }
    if snap.total == 0 {
        q.selected = 0;
        q.scroll = 0;
        q.selected_id = None;
    }
    keep_selection_visible(state);
    selection_changed(state, old_id, fx);
    let v = state.visible_items();
    if !state.queue.covers(state.queue.scroll, v) {
        let next = page_request(state, false);
        if (next.offset, next.limit) != (request.offset, request.limit) {
            fx.push(Effect::LoadQueue(next));
        }
    }
}

// ---- the reply ---------------------------------------------------------------------------

fn open_editor(state: &mut AppState, fx: &mut Vec<Effect>) {
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
    let text = draft_text(state, id);
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
            let draft = crate::ai::draft_for(&d.interaction, &d.messages, variant);
            sanitize::block(&draft.text).into_owned()
        }
        None => String::new(),
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

fn regenerate(state: &mut AppState) {
    let Some(id) = state.editor.as_ref().map(|e| e.interaction_id) else {
        return;
    };
    let text = draft_text(state, id);
    if let Some(editor) = state.editor.as_mut() {
        // Select everything and replace it, so undo brings the old text back.
        editor.textarea.select_all();
        editor.textarea.cut();
        editor.textarea.insert_str(text);
    }
    notify(state, Notice::DraftRegenerated);
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
        reload_detail(state, fx);
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

fn scroll_detail(state: &mut AppState, by: i32) {
    let width = super::view::detail::pane_width(state);
    let rows = estimated_rows(state, width);
    let visible = usize::from(super::view::detail::pane_height(state));
    let max = rows.saturating_sub(visible).min(usize::from(u16::MAX)) as i64;
    let next = (i64::from(state.detail_scroll) + i64::from(by)).clamp(0, max.max(0));
    state.detail_scroll = next as u16;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Interaction, Marketplace, Rating, SlaTier};
    use crate::store::QueueRow;
    use crate::tui::state::{Counts, Detail};
    use chrono::{FixedOffset, TimeZone};
    use ratatui_textarea::{Input, Key};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
    }

    fn row(id: i64) -> QueueRow {
        QueueRow {
            id: InteractionId(id),
            account_name: "shop".into(),
            marketplace: Marketplace::Wb,
            channel: Channel::Review,
            rating: Rating::new(2),
            product_name: Some(format!("Товар {id}")),
            customer_name: Some("Анна".into()),
            preview: format!("текст {id}"),
            tier: SlaTier::Urgent,
            created_at: t0(),
            at_risk_at: t0() + Duration::minutes(30),
            due_at: t0() + Duration::minutes(60 + id),
            send_error: None,
        }
    }

    fn interaction(id: InteractionId) -> Interaction {
        Interaction {
            id,
            account_id: 1,
            account_name: "shop".into(),
            marketplace: Marketplace::Wb,
            channel: Channel::Review,
            external_id: format!("ext-{}", id.0),
            product: None,
            customer_name: Some("Анна".into()),
            text: "Плед пришёл с дыркой".into(),
            pros: None,
            cons: None,
            photos: 0,
            rating: Rating::new(2),
            created_at: t0(),
            waiting_since: t0(),
            state: AnswerState::Open,
            answer: None,
            at_risk_at: t0() + Duration::minutes(30),
            due_at: t0() + Duration::hours(1),
            reply_handle: None,
        }
    }

    /// A stand-in for the store: the whole queue in memory, read the way the event loop
    /// reads the real one.
    struct Fake {
        rows: Vec<QueueRow>,
        reads: usize,
    }

    impl Fake {
        fn new(n: i64) -> Fake {
            Fake {
                rows: (1..=n).map(row).collect(),
                reads: 0,
            }
        }

        /// Runs effects until none are left; returns the commands sent.
        fn run(&mut self, state: &mut AppState, mut fx: Vec<Effect>) -> Vec<Command> {
            let mut commands = Vec::new();
            while !fx.is_empty() {
                let mut next = Vec::new();
                for effect in fx {
                    let action = match effect {
                        Effect::Command(c) => {
                            commands.push(c);
                            continue;
                        }
                        Effect::Quit => continue,
                        Effect::LoadQueue(request) => {
                            self.reads += 1;
                            let rows = self
                                .rows
                                .iter()
                                .skip(request.offset)
                                .take(request.limit)
                                .cloned()
                                .collect();
                            let n = self.rows.len();
                            Action::QueueLoaded(Box::new(QueueSnapshot {
                                request,
                                total: n,
                                rows,
                                counts: Some(Counts {
                                    all: n,
                                    reviews: n,
                                    ..Counts::default()
                                }),
                                outbox_size: Some(0),
                            }))
                        }
                        Effect::LoadDetail(id) => {
                            if self.rows.iter().any(|r| r.id == id) {
                                Action::DetailLoaded(Box::new(Detail {
                                    interaction: interaction(id),
                                    messages: vec![],
                                }))
                            } else {
                                Action::DetailMissing(id)
                            }
                        }
                    };
                    next.extend(update(state, action));
                }
                fx = next;
            }
            commands
        }

        fn act(&mut self, state: &mut AppState, action: Action) -> Vec<Command> {
            let fx = update(state, action);
            self.run(state, fx)
        }
    }

    fn started(n: i64) -> (AppState, Fake) {
        let mut state = AppState::new(t0(), "s1", FixedOffset::east_opt(0).unwrap());
        let mut fake = Fake::new(n);
        fake.act(
            &mut state,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        (state, fake)
    }

    fn type_text(state: &mut AppState, text: &str) {
        for c in text.chars() {
            update(
                state,
                Action::EditorInput(Input {
                    key: Key::Char(c),
                    ..Input::default()
                }),
            );
        }
    }

    fn clear_editor(state: &mut AppState) {
        let editor = state.editor.as_mut().expect("editor open");
        editor.textarea.select_all();
        editor.textarea.cut();
    }

    #[test]
    fn first_load_selects_the_top_item_and_loads_its_detail() {
        let (state, _) = started(5);
        assert_eq!(state.queue.total, Some(5));
        assert_eq!(state.queue.selected, 0);
        assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
        assert_eq!(
            state.selected_detail().map(|d| d.interaction.id),
            Some(InteractionId(1))
        );
    }

    #[test]
    fn navigation_stays_in_bounds() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::MoveUp);
        assert_eq!(state.queue.selected, 0);
        for _ in 0..10 {
            fake.act(&mut state, Action::MoveDown);
        }
        assert_eq!(state.queue.selected, 2);
        assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
        fake.act(&mut state, Action::PageDown);
        assert_eq!(state.queue.selected, 2);
        fake.act(&mut state, Action::Top);
        assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
        fake.act(&mut state, Action::Bottom);
        assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
        fake.act(&mut state, Action::PageUp);
        assert_eq!(state.queue.selected, 0);
    }

    #[test]
    fn empty_queue_navigation_is_harmless() {
        let (mut state, mut fake) = started(0);
        for a in [
            Action::MoveDown,
            Action::Bottom,
            Action::PageDown,
            Action::MoveUp,
        ] {
            fake.act(&mut state, a);
        }
        assert_eq!(state.queue.selected, 0);
        assert_eq!(state.queue.selected_id, None);
        let cmds = fake.act(&mut state, Action::Reply);
        assert!(cmds.is_empty());
        assert_eq!(state.mode, Mode::Queue);
        assert_eq!(state.current_notice(), Some(&Notice::NothingSelected));
    }

    #[test]
    fn long_queues_are_read_page_by_page() {
        let (mut state, mut fake) = started(1000);
        let v = state.visible_items();
        assert!(state.queue.rows.len() <= v + 2 * margin(v));
        fake.act(&mut state, Action::Bottom);
        assert_eq!(state.queue.selected, 999);
        assert_eq!(state.queue.selected_id, Some(InteractionId(1000)));
        assert!(state.queue.scroll + v == 1000);
        assert!(state.queue.covers(state.queue.scroll, v));
        let reads = fake.reads;
        fake.act(&mut state, Action::MoveUp);
        assert_eq!(fake.reads, reads, "a short move needs no read");
    }

    #[test]
    fn selection_stays_on_the_same_item_after_a_reload() {
        let (mut state, mut fake) = started(100);
        for _ in 0..30 {
            fake.act(&mut state, Action::MoveDown);
        }
        assert_eq!(state.queue.selected_id, Some(InteractionId(31)));
        let screen_row = state.queue.selected - state.queue.scroll;
        // Two new items arrive ahead of it.
        fake.rows.insert(0, row(1000));
        fake.rows.insert(0, row(1001));
        fake.act(&mut state, Action::Background(Event::DataChanged));
        assert_eq!(state.queue.selected_id, Some(InteractionId(31)));
        assert_eq!(state.queue.selected, 32);
        assert_eq!(
            state.queue.selected - state.queue.scroll,
            screen_row,
            "the cursor stays on the same screen row"
        );
        assert_eq!(
            state.selected_detail().map(|d| d.interaction.id),
            Some(InteractionId(31))
        );
        // An item ahead of it goes away.
        fake.rows.retain(|r| r.id != InteractionId(5));
        fake.act(&mut state, Action::Background(Event::DataChanged));
        assert_eq!(state.queue.selected_id, Some(InteractionId(31)));
        assert_eq!(state.queue.selected, 31);
    }

    #[test]
    fn selection_follows_the_item_in_a_short_queue() {
        let (mut state, mut fake) = started(10);
        fake.act(&mut state, Action::MoveDown);
        fake.act(&mut state, Action::MoveDown);
        fake.rows.insert(0, row(100));
        fake.act(&mut state, Action::Background(Event::DataChanged));
        assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
        assert_eq!(state.queue.selected, 3);
    }

    #[test]
    fn when_the_selected_item_leaves_the_next_one_is_selected() {
        let (mut state, mut fake) = started(5);
        fake.act(&mut state, Action::MoveDown);
        fake.rows.retain(|r| r.id != InteractionId(2));
        fake.act(&mut state, Action::Background(Event::OutboxChanged));
        assert_eq!(state.queue.selected, 1);
        assert_eq!(state.queue.selected_id, Some(InteractionId(3)));
        assert_eq!(
            state.selected_detail().map(|d| d.interaction.id),
            Some(InteractionId(3))
        );
    }

    #[test]
    fn reply_opens_the_editor_with_the_draft() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        assert_eq!(state.mode, Mode::Editor);
        let editor = state.editor.as_ref().expect("editor open");
        assert_eq!(editor.interaction_id, InteractionId(1));
        let detail = state.selected_detail().expect("detail");
        let expected = crate::ai::draft_for(&detail.interaction, &detail.messages, 0);
        assert_eq!(editor.text(), sanitize::block(&expected.text));
        assert_eq!(
            (editor.min_chars, editor.max_chars),
            Channel::Review.reply_length(Marketplace::Wb)
        );
    }

    #[test]
    fn send_then_confirm_emits_exactly_one_reply_with_the_editor_text() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        clear_editor(&mut state);
        type_text(&mut state, "Спасибо, заменим плед.");
        let cmds = fake.act(&mut state, Action::Send);
        assert!(cmds.is_empty(), "nothing is sent before confirmation");
        assert_eq!(state.mode, Mode::Confirm);
        let cmds = fake.act(&mut state, Action::Confirm);
        assert_eq!(cmds.len(), 1);
        match &cmds[0] {
            Command::SendReply {
                interaction_id,
                text,
                idempotency_key,
            } => {
                assert_eq!(*interaction_id, InteractionId(1));
                assert_eq!(text, "Спасибо, заменим плед.");
                assert!(idempotency_key.contains("s1"), "{idempotency_key}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(state.editor.is_none());
        assert_eq!(state.mode, Mode::Queue);
        // Confirming again sends nothing more.
        assert!(fake.act(&mut state, Action::Confirm).is_empty());
        // Answering the same item again is refused until the store shows it.
        assert!(fake.act(&mut state, Action::Reply).is_empty());
        assert_eq!(state.current_notice(), Some(&Notice::AlreadySending));
        assert_eq!(state.mode, Mode::Queue);
    }

    #[test]
    fn three_keys_answer_the_top_item() {
        let (mut state, mut fake) = started(3);
        let mut cmds = Vec::new();
        for a in [Action::Reply, Action::Send, Action::Confirm] {
            cmds.extend(fake.act(&mut state, a));
        }
        assert!(matches!(
            cmds.as_slice(),
            [Command::SendReply {
                interaction_id: InteractionId(1),
                ..
            }]
        ));
    }

    #[test]
    fn idempotency_keys_differ_per_reply() {
        let (mut state, mut fake) = started(3);
        let mut keys = Vec::new();
        for _ in 0..2 {
            fake.act(&mut state, Action::MoveDown);
            for a in [Action::Reply, Action::Send] {
                fake.act(&mut state, a);
            }
            for c in fake.act(&mut state, Action::Confirm) {
                if let Command::SendReply {
                    idempotency_key, ..
                } = c
                {
                    keys.push(idempotency_key);
                }
            }
        }
        assert_eq!(keys.len(), 2);
        assert_ne!(keys[0], keys[1]);
    }

    #[test]
    fn cancel_emits_nothing() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        // Cancel in the confirmation goes back to the text...
        fake.act(&mut state, Action::Send);
        let cmds = fake.act(&mut state, Action::Cancel);
        assert!(cmds.is_empty());
        assert_eq!(state.mode, Mode::Editor);
        assert!(state.editor.is_some());
        // ...and cancel in the editor closes it.
        let fx = update(&mut state, Action::Cancel);
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::Command(_))),
            "{fx:?}"
        );
        assert_eq!(state.mode, Mode::Queue);
        assert!(state.editor.is_none());
    }

    #[test]
    fn empty_text_refuses_to_send() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        clear_editor(&mut state);
        type_text(&mut state, "   ");
        let cmds = fake.act(&mut state, Action::Send);
        assert!(cmds.is_empty());
        assert_eq!(state.mode, Mode::Editor);
        assert_eq!(state.current_notice(), Some(&Notice::EmptyReply));
        assert!(fake.act(&mut state, Action::Confirm).is_empty());
    }

    #[test]
    fn over_limit_text_refuses_to_send() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        clear_editor(&mut state);
        let editor = state.editor.as_mut().expect("editor");
        editor.textarea.insert_str("я".repeat(5001));
        assert!(editor.over_limit());
        let cmds = fake.act(&mut state, Action::Send);
        assert!(cmds.is_empty());
        assert_eq!(state.mode, Mode::Editor);
        assert_eq!(
            state.current_notice(),
            Some(&Notice::TooLong {
                len: 5001,
                max: 5000
            })
        );
    }

    #[test]
    fn background_updates_keep_the_editor_and_its_text() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        clear_editor(&mut state);
        type_text(&mut state, "черновик");
        fake.rows.retain(|r| r.id != InteractionId(1));
        fake.act(&mut state, Action::Background(Event::DataChanged));
        assert_eq!(state.mode, Mode::Editor);
        let editor = state.editor.as_ref().expect("editor");
        assert_eq!(editor.text(), "черновик");
        assert_eq!(editor.interaction_id, InteractionId(1));
    }

    #[test]
    fn editor_keys_do_not_navigate() {
        let (mut state, mut fake) = started(3);
        fake.act(&mut state, Action::Reply);
        // `j` typed in the editor is text, not a move: the event loop sends it as input.
        type_text(&mut state, "j");
        fake.act(&mut state, Action::MoveDown);
        assert_eq!(state.queue.selected, 0);
        assert!(state.editor.as_ref().expect("editor").text().ends_with('j'));
    }

    #[test]
    fn tabs_and_breached_filter_reset_and_reload() {
        let (mut state, _) = started(3);
        let fx = update(&mut state, Action::TabQuestions);
        assert_eq!(state.tab, Tab::Questions);
        assert!(matches!(
            fx.as_slice(),
            [Effect::LoadQueue(QueueRequest { filter, with_counts: true, .. })]
                if filter.channel == Some(Channel::Question)
        ));
        let fx = update(&mut state, Action::ToggleBreached);
        assert!(state.breached_only);
        assert!(matches!(
            fx.as_slice(),
            [Effect::LoadQueue(QueueRequest { filter, .. })] if filter.breached_at == Some(t0())
        ));
    }

    #[test]
    fn stale_page_for_another_tab_is_dropped() {
        let (mut state, mut fake) = started(3);
        let fx = update(&mut state, Action::TabChats);
        let old = QueueRequest {
            filter: Default::default(),
            now: t0(),
            offset: 0,
            limit: 10,
            with_counts: false,
        };
        update(
            &mut state,
            Action::QueueLoaded(Box::new(QueueSnapshot {
                request: old,
                total: 99,
                rows: vec![row(7)],
                counts: None,
                outbox_size: None,
            })),
        );
        assert_eq!(state.queue.total, None);
        fake.run(&mut state, fx);
        assert_eq!(state.queue.total, Some(3));
    }

    #[test]
    fn sync_and_offline_events_reach_the_status() {
        let (mut state, mut fake) = started(1);
        fake.act(
            &mut state,
            Action::Background(Event::SyncStarted {
                account: "shop".into(),
                connector: "wb-feedbacks".into(),
            }),
        );
        assert!(state.sync["shop"].running.contains("wb-feedbacks"));
        fake.act(
            &mut state,
            Action::Background(Event::SyncFinished {
                account: "shop".into(),
                connector: "wb-feedbacks".into(),
                ok: false,
                new: 0,
                changed: 0,
                error: Some("429".into()),
            }),
        );
        let s = &state.sync["shop"];
        assert!(s.running.is_empty());
        assert_eq!(
            s.last.as_ref().and_then(|l| l.error.clone()),
            Some("429".into())
        );
        fake.act(
            &mut state,
            Action::Background(Event::Offline { since: t0() }),
        );
        assert_eq!(state.offline_since, Some(t0()));
        fake.act(&mut state, Action::Background(Event::Online));
        assert_eq!(state.offline_since, None);
    }

    #[test]
    fn help_opens_and_closes_and_quit_quits() {
        let (mut state, _) = started(1);
        update(&mut state, Action::FocusDetail);
        update(&mut state, Action::Help);
        assert_eq!(state.mode, Mode::Help);
        update(&mut state, Action::Cancel);
        assert_eq!(state.mode, Mode::Detail);
        let fx = update(&mut state, Action::Quit);
        assert!(state.quit);
        assert_eq!(fx, vec![Effect::Quit]);
    }

    #[test]
    fn notices_expire_and_ticks_reload() {
        let (mut state, _) = started(1);
        update(&mut state, Action::SyncNow);
        assert!(state.notice.is_some());
        let fx = update(&mut state, Action::Tick(t0() + Duration::seconds(9)));
        assert!(state.notice.is_none());
        assert!(fx.is_empty());
        let fx = update(&mut state, Action::Tick(t0() + Duration::seconds(31)));
        assert!(matches!(fx.as_slice(), [Effect::LoadQueue(_)]));
    }
}
