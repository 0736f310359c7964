//! The texts on screen that change with the clock alone: the SLA countdowns and states of
//! the visible rows and of the open item, the reply window of the editor, the undo
//! countdown of an auto-reply. The event loop compares this face before and after a
//! tick: a tick that leaves it unchanged draws nothing.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crate::ai::guardrails::ReplyWindow;
use crate::sla;

use super::super::format;
use super::super::state::{AppState, Screen};
use super::super::strings::Strings;

/// A digest of every clock text on screen at `state.now`.
pub fn clock_face(state: &AppState) -> u64 {
    let s = Strings::for_lang(state.lang);
    let now = state.now;
    let mut h = DefaultHasher::new();
    state.screen.hash(&mut h);
    if state.screen == Screen::Inbox {
        let q = &state.queue;
        // One row more than fit: a partly shown row still shows its clock.
        for index in q.scroll..q.scroll + state.visible_items() + 1 {
            let Some(row) = q.row(index) else {
                continue;
            };
            format!("{:?}", sla::state_at(row.at_risk_at, row.due_at, now)).hash(&mut h);
            format::countdown(row.due_at, now, s).hash(&mut h);
            if let Some(auto) = row.auto_reply.filter(|a| a.undo_until > now) {
                ((auto.undo_until - now).num_milliseconds() + 999)
                    .div_euclid(1000)
                    .hash(&mut h);
            }
        }
        if let Some(detail) = &state.detail {
            let item = &detail.interaction;
            format!("{:?}", sla::state_at(item.at_risk_at, item.due_at, now)).hash(&mut h);
            format::countdown(item.due_at, now, s).hash(&mut h);
        }
    }
    if let Some(editor) = &state.editor {
        match editor.reply_window.as_of(now) {
            ReplyWindow::Open { closes_at } => format::countdown(closes_at, now, s).hash(&mut h),
            other => format!("{other:?}").hash(&mut h),
        }
    }
    h.finish()
}
