//! The queue: paging through a window of rows, the selection, the lens (tabs, filters,
//! order) and search results.
//!
//! Only the rows around the visible window are held. Moving within them costs nothing;
//! moving past them reads the next window starting from the nearest row already held
//! (keyset), or from the nearer end of the queue, so each step costs the same at any
//! depth of a million-row queue.

use crate::domain::InteractionId;
use crate::protocol::Command;
use crate::store::search::Query;
use crate::store::{QueueKey, Seek};

use super::super::action::{Action, Effect, PageSeek, QueueRequest};
use super::super::lens::{next_account, next_answered, next_marketplace, next_sort, Lens, Tab};
use super::super::state::{
    AppState, Mode, Notice, PromptKind, QueueSnapshot, QueueView, Screen, SearchState,
};
use super::{common, notify, reply};

pub(super) fn queue_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
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
        Action::SearchNext | Action::SearchPrev => {
            if state.search.is_none() {
                notify(state, Notice::NoSearch);
            } else if action == Action::SearchNext {
                select(state, q.selected.saturating_add(1), fx);
            } else {
                select(state, q.selected.saturating_sub(1), fx);
            }
        }
        Action::FocusDetail => state.mode = Mode::Detail,
        Action::Reply => reply::open_editor(state, fx),
        Action::EditAnswer => reply::open_edit(state, fx),
        Action::CorrectIntent => super::intent::open_picker(state),
        Action::UndoAutoReply => undo_auto_reply(state, fx),
        Action::StopAutoReplies => stop_auto_replies(state, fx),
        Action::Cancel => {
            if state.search.is_some() {
                leave_search(state, fx);
            } else {
                state.notice = None;
            }
        }
        other => common(state, other, fx),
    }
}

/// Tabs, the breached view, the cycling filters, the filter line and clearing.
pub(super) fn lens_action(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let mut lens = state.lens.clone();
    match action {
        Action::TabAll => lens.tab = Tab::All,
        Action::TabReviews => lens.tab = Tab::Reviews,
        Action::TabQuestions => lens.tab = Tab::Questions,
        Action::TabChats => lens.tab = Tab::Chats,
        Action::NextTab => lens.tab = lens.tab.next(),
        Action::PrevTab => lens.tab = lens.tab.prev(),
        Action::ToggleBreached => lens.breached_only = !lens.breached_only,
        Action::CycleAccount => lens.account = next_account(lens.account, &state.accounts),
        Action::CycleMarketplace => lens.marketplace = next_marketplace(lens.marketplace),
        Action::CycleAnswered => lens.answered = next_answered(lens.answered),
        Action::CycleSort => lens.sort = next_sort(lens.sort),
        Action::ClearFilters => {
            // Search keeps its words; everything else goes back to the start.
            let mut refine = Query::default();
            if state.search.is_some() {
                refine.text = lens.refine.text.clone();
            }
            lens = Lens {
                tab: lens.tab,
                refine,
                ..state.base_lens()
            };
        }
        Action::Filter => {
            super::screens::set_screen(state, Screen::Inbox, fx);
            super::screens::open_prompt(state, PromptKind::Filter);
            return;
        }
        _ => return,
    }
    if state.screen != Screen::Inbox {
        return;
    }
    set_lens(state, lens, fx);
}

/// Shows the queue through `lens`, from the top, if it differs from the current one.
pub(super) fn set_lens(state: &mut AppState, lens: Lens, fx: &mut Vec<Effect>) {
    if lens == state.lens {
        return;
    }
    state.lens = lens;
    reset_queue(state, fx);
}

/// Starts searching (or searches again) with `lens`; Esc brings back the view before.
pub(super) fn start_search(state: &mut AppState, lens: Lens, fx: &mut Vec<Effect>) {
    if state.search.is_none() {
        state.search = Some(SearchState {
            saved_lens: state.lens.clone(),
            saved_selected: state.queue.selected,
            saved_scroll: state.queue.scroll,
            saved_id: state.queue.selected_id,
        });
    }
    state.lens = lens;
    reset_queue(state, fx);
}

/// Leaves search: the inbox as it was, the same item selected where it still is.
pub(super) fn leave_search(state: &mut AppState, fx: &mut Vec<Effect>) {
    let Some(saved) = state.search.take() else {
        return;
    };
    state.lens = saved.saved_lens;
    state.view_gen += 1;
    state.counting = true;
    if state.editor.is_none() {
        state.detail = None;
    }
    state.detail_scroll = 0;
    state.queue = QueueView {
        selected: saved.saved_selected,
        scroll: saved.saved_scroll,
        selected_id: saved.saved_id,
        moved: true,
        ..QueueView::default()
    };
    reload(state, fx);
}

// ---- paging ------------------------------------------------------------------------------

/// Rows read around the visible window, so short moves need no read.
pub(super) fn margin(visible: usize) -> usize {
    visible.max(10)
}

/// The cheapest way to read rows `offset .. offset + limit` given what is held: from a
/// held row (keyset), or from the nearer end. Returns the seek and the rows to read.
fn cheapest_seek(state: &AppState, offset: usize, limit: usize) -> (Seek, usize) {
    let q = &state.queue;
    let total = q.total();
    let end = offset.saturating_add(limit).min(total);
    if end <= offset {
        return (Seek::Start { skip: offset }, limit);
    }
    let limit = end - offset;
    let mut best = (offset, Seek::Start { skip: offset });
    let from_bottom = total - end;
    if from_bottom < best.0 {
        best = (from_bottom, Seek::End { skip: from_bottom });
    }
    if !q.rows.is_empty() {
        let filter = state.filter();
        let held_first = q.offset;
        let held_last = q.offset + q.rows.len() - 1;
        let key = |index: usize| q.row(index).map(|r| QueueKey::of(r, &filter));
        // Down from a held row at or above the window's start.
        if offset > held_first {
            let k = (offset - 1).min(held_last);
            let cost = offset - 1 - k;
            if let Some(key) = key(k).filter(|_| cost < best.0) {
                best = (cost, Seek::After { key, skip: cost });
            }
        }
        // Up from a held row at or below the window's end.
        if end <= held_last {
            let k = end.max(held_first);
            let cost = k - end;
            if let Some(key) = key(k).filter(|_| cost < best.0) {
                best = (cost, Seek::Before { key, skip: cost });
            }
        }
    }
    (best.1, limit)
}

fn page_request(state: &AppState, with_counts: bool) -> QueueRequest {
    let v = state.visible_items();
    let m = margin(v);
    let offset = state.queue.scroll.saturating_sub(m);
    let (seek, limit) = if with_counts || state.queue.total.is_none() {
        (PageSeek::Nearest, v + 2 * m)
    } else {
        let (seek, limit) = cheapest_seek(state, offset, v + 2 * m);
        (PageSeek::Exact(seek), limit)
    };
    QueueRequest {
        filter: state.filter(),
        view: state.view_gen,
        now: state.last_reload,
        offset,
        limit,
        seek,
        with_counts,
    }
}

/// Re-reads the visible page and the counts.
pub(super) fn reload(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.last_reload = state.now;
    fx.push(Effect::LoadQueue(page_request(state, true)));
}

pub(super) fn request_page_if_needed(state: &mut AppState, fx: &mut Vec<Effect>) {
    let v = state.visible_items();
    if state.queue.total.is_none() {
        reload(state, fx);
    } else if !state.queue.covers(state.queue.scroll, v) {
        fx.push(Effect::LoadQueue(page_request(state, false)));
    }
}

/// The interaction the detail pane shows: the one being answered, else the selected one.
pub(super) fn shown_detail_id(state: &AppState) -> Option<InteractionId> {
    match &state.editor {
        Some(editor) => Some(editor.interaction_id),
        None => state.queue.selected_id,
    }
}

pub(super) fn reload_detail(state: &AppState, fx: &mut Vec<Effect>) {
    if let Some(id) = shown_detail_id(state) {
        fx.push(Effect::LoadDetail(id));
    }
}

/// Keeps the selected row on screen and the screen as full as the queue allows.
pub(super) fn keep_selection_visible(state: &mut AppState) {
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
pub(super) fn select(state: &mut AppState, index: usize, fx: &mut Vec<Effect>) {
    let total = state.queue.total();
    if total == 0 {
        return;
    }
    let old_id = state.queue.selected_id;
    state.queue.moved = true;
    state.queue.selected = index.min(total - 1);
    state.queue.selected_id = state.queue.row(state.queue.selected).map(|r| r.id);
    keep_selection_visible(state);
    selection_changed(state, old_id, fx);
    request_page_if_needed(state, fx);
}

/// Scrolls the window by `by` rows without moving the selection, unless it would leave
/// the screen (the mouse wheel).
pub(super) fn scroll_by(state: &mut AppState, by: isize, fx: &mut Vec<Effect>) {
    let v = state.visible_items();
    let total = state.queue.total();
    let max = total.saturating_sub(v);
    let scroll = state.queue.scroll.saturating_add_signed(by).min(max);
    state.queue.scroll = scroll;
    let selected = state
        .queue
        .selected
        .clamp(scroll, (scroll + v).saturating_sub(1));
    if selected != state.queue.selected {
        select(state, selected, fx);
    } else {
        request_page_if_needed(state, fx);
    }
}

fn selection_changed(state: &mut AppState, old: Option<InteractionId>, fx: &mut Vec<Effect>) {
    let new = state.queue.selected_id;
    if new == old || state.editor.is_some() {
        return;
    }
    // An editor asked for on the item left behind does not open on another.
    state.pending_editor = None;
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

/// Starts the queue over (new view): top row selected, everything re-read.
pub(super) fn reset_queue(state: &mut AppState, fx: &mut Vec<Effect>) {
    state.view_gen += 1;
    state.counting = true;
    state.queue = Default::default();
    if state.editor.is_none() {
        state.detail = None;
    }
    state.detail_scroll = 0;
    reload(state, fx);
}

/// What a snapshot carries besides rows — tab counts, outbox size, other processes,
/// SLA policies — applied to the state where it holds them.
fn take_figures(state: &mut AppState, snap: &mut QueueSnapshot) {
    if let Some(counts) = snap.counts.take() {
        state.counts = counts;
        state.counting = false;
    }
    if let Some(n) = snap.outbox_size.take() {
        state.outbox_size = n;
    }
    if let Some(presence) = snap.presence.take() {
        state.presence = presence;
    }
    if let Some(policies) = snap.policies.take() {
        state.policies = policies;
    }
}

pub(super) fn loaded(state: &mut AppState, mut snap: QueueSnapshot, fx: &mut Vec<Effect>) {
    if snap.request.view != state.view_gen {
        return; // read for a view the user has left
    }
    take_figures(state, &mut snap);
    let old_id = state.queue.selected_id;
    let screen_row = state.queue.selected.saturating_sub(state.queue.scroll);
    let request = snap.request.clone();
    let q = &mut state.queue;
    match snap.total {
        Some(total) => q.total = Some(total),
        // Counted off the UI task, maybe from an older snapshot: the rows just read
        // exist, so the view holds at least as many until its count arrives.
        None => {
            let seen = snap.request.offset + snap.rows.len();
            q.total = Some(q.total().max(seen));
        }
    }
    let total = q.total();
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
        // Not moved yet: the most urgent item stays on top and selected.
        _ if !q.moved && q.offset == 0 => {
            q.selected = 0;
            q.scroll = 0;
            q.selected_id = q.rows.first().map(|r| r.id);
        }
        Some(pos) => {
            // Same item, same place on screen: background updates never move the cursor.
            q.selected = q.offset + pos;
            q.scroll = q.selected.saturating_sub(screen_row);
        }
        None => {
            // The item left the view (answered, filtered out): the row now at the same
            // position takes its place.
            q.selected = q.selected.min(total.saturating_sub(1));
            q.selected_id = q.row(q.selected).map(|r| r.id);
        }
    }
    if total == 0 {
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

/// The counts of the view arrived (read off the UI task, after its first page): the
/// tab counts and the real total, which may move the selection and ask for rows.
pub(super) fn counts_loaded(state: &mut AppState, mut snap: QueueSnapshot, fx: &mut Vec<Effect>) {
    if snap.request.view != state.view_gen {
        return; // counted for a view the user has left
    }
    take_figures(state, &mut snap);
    let Some(total) = snap.total else {
        return;
    };
    let old_id = state.queue.selected_id;
    let q = &mut state.queue;
    q.total = Some(total);
    if total == 0 {
        q.selected = 0;
        q.scroll = 0;
        q.selected_id = None;
    } else {
        // The rows on screen may have been read before this count (while an older
        // count said they were not there): the selection is the row held at its place.
        q.selected = q.selected.min(total - 1);
        if let Some(row) = q.row(q.selected) {
            q.selected_id = Some(row.id);
        }
    }
    keep_selection_visible(state);
    selection_changed(state, old_id, fx);
    request_page_if_needed(state, fx);
}

/// The kill switch: at once, no confirmation (it only makes things safer).
pub(super) fn stop_auto_replies(state: &mut AppState, fx: &mut Vec<Effect>) {
    fx.push(Effect::Command(Command::StopAutoReplies));
    notify(state, Notice::AutoRepliesStopping);
}

/// Cancels the selected item's auto-reply while its undo window is open.
pub(super) fn undo_auto_reply(state: &mut AppState, fx: &mut Vec<Effect>) {
    let pending = state
        .queue
        .selected_row()
        .and_then(|r| r.auto_reply.map(|a| (r.id, a)))
        .filter(|(_, a)| a.undo_until > state.now);
    match pending {
        Some((interaction_id, auto)) => {
            fx.push(Effect::Command(Command::UndoAutoReply {
                interaction_id,
                outbox_id: auto.outbox_id,
            }));
            notify(state, Notice::AutoReplyUndoing);
        }
        None => notify(state, Notice::NoAutoReply),
    }
}
