//! Correcting an item's intent (`correct_intent`): a small picker of SPEC's intents over
//! the inbox; the choice goes to the services (`Command::CorrectIntent`), which record
//! it, apply it and make the item's draft again.

use crate::ai::Intent;
use crate::protocol::Command;
use crate::tui::action::{Action, Effect};
use crate::tui::state::{AppState, IntentPicker, Mode, Notice};

use super::notify;

/// Opens the picker for the selected item, the cursor on its intent.
pub(super) fn open_picker(state: &mut AppState) {
    let Some(id) = state.queue.selected_id else {
        notify(state, Notice::NothingSelected);
        return;
    };
    let current = state
        .queue
        .selected_row()
        .filter(|r| r.id == id)
        .and_then(|r| r.intent.as_deref())
        .and_then(Intent::parse);
    let selected = current
        .and_then(|c| Intent::ALL.iter().position(|i| *i == c))
        .unwrap_or(0);
    state.intent_picker = Some(IntentPicker {
        interaction_id: id,
        selected,
        current,
        return_to: state.mode,
    });
    state.mode = Mode::Picker;
}

/// Keys while the intent picker is open.
pub(super) fn picker_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let Some(picker) = state.intent_picker.as_mut() else {
        return;
    };
    let last = Intent::ALL.len() - 1;
    match action {
        Action::MoveDown => picker.selected = (picker.selected + 1).min(last),
        Action::MoveUp => picker.selected = picker.selected.saturating_sub(1),
        Action::Top => picker.selected = 0,
        Action::Bottom => picker.selected = last,
        Action::Confirm => {
            let picker = state.intent_picker.take();
            if let Some(p) = picker {
                state.mode = p.return_to;
                let intent = Intent::ALL[p.selected.min(last)];
                if Some(intent) != p.current {
                    fx.push(Effect::Command(Command::CorrectIntent {
                        interaction_id: p.interaction_id,
                        intent,
                    }));
                }
            }
        }
        Action::Cancel => {
            if let Some(p) = state.intent_picker.take() {
                state.mode = p.return_to;
            }
        }
        _ => {}
    }
}
