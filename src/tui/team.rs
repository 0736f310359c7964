//! Team mode in the inbox (docs/team.md): who the operator is, whether the shared
//! database answers, the claim keys (`c` claim, `X`/`u` release, `A` assign with a
//! picker of the team, `5` "my items") and the words for claims on screen. The queue
//! itself is the local cache the team mirror keeps; this module only adds to it.

use crate::domain::team::TeamNews;
use crate::domain::InteractionId;
use crate::protocol::Command;

use super::action::{Action, Effect};
use super::state::{AppState, Mode, Notice};
use super::Lang;

/// The team as this inbox sees it; `None` in [`AppState::team`] outside team mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamView {
    /// The operator's database user, once connected.
    pub member: Option<String>,
    /// 'owner', 'manager' or 'operator'.
    pub role: Option<String>,
    /// The shared database does not answer (the mirror is reconnecting).
    pub offline: bool,
    /// The assignment picker (`A`): the item and the people to choose from.
    pub picker: Option<AssignPicker>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignPicker {
    pub item: InteractionId,
    /// (member, role), filled when the team arrives.
    pub people: Vec<(String, String)>,
    pub selected: usize,
}

fn tr(lang: Lang, ru: &str, en: &str) -> String {
    match lang {
        Lang::Ru => ru.to_string(),
        Lang::En => en.to_string(),
    }
}

/// The status line while the shared database is down.
pub fn offline_text(lang: Lang) -> String {
    tr(
        lang,
        "⚠ нет связи с базой команды — переподключение",
        "⚠ no connection to the team's database — reconnecting",
    )
}

/// "◆ отвечает maria" / "◆ вы" for a claimed item; `None` for a free one.
pub fn claim_marker(claimed_by: Option<&str>, state: &AppState) -> Option<String> {
    let by = claimed_by?;
    let mine = state.team.as_ref().and_then(|t| t.member.as_deref()) == Some(by);
    Some(match (mine, state.lang) {
        (true, Lang::Ru) => "◆ вы".to_string(),
        (true, Lang::En) => "◆ you".to_string(),
        (false, Lang::Ru) => format!("◆ отвечает {}", super::sanitize::line(by)),
        (false, Lang::En) => format!("◆ {} is answering", super::sanitize::line(by)),
    })
}

/// `preview` with the row's claim marker in front of it.
pub fn with_claim(claimed_by: Option<&str>, state: &AppState, preview: String) -> String {
    match claim_marker(claimed_by, state) {
        Some(marker) => format!("{marker} · {preview}"),
        None => preview,
    }
}

/// The detail pane's title with the claim on the shown item, read from its queue row.
pub fn detail_title(title: String, state: &AppState, id: InteractionId) -> String {
    let claimed_by = state
        .queue
        .rows
        .iter()
        .find(|r| r.id == id)
        .and_then(|r| r.claimed_by.as_deref());
    match claim_marker(claimed_by, state) {
        Some(marker) => format!("{title}{marker} "),
        None => title,
    }
}

/// The "my items" tab's label.
pub fn mine_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "Мои",
        Lang::En => "Mine",
    }
}

/// Carries out a team key; false for any other action.
pub fn key(state: &mut AppState, action: &Action, fx: &mut Vec<Effect>) -> bool {
    if !matches!(
        action,
        Action::Claim | Action::Release | Action::Assign | Action::MyItems
    ) {
        return false;
    }
    let Some(team) = state.team.as_ref() else {
        let text = tr(
            state.lang,
            "только в командном режиме ([store] url, docs/team.md)",
            "team mode only ([store] url, docs/team.md)",
        );
        super::update::notify_alert(state, text);
        return true;
    };
    let selected = state.queue.selected_id;
    match (action, selected) {
        (Action::Claim, item) => fx.push(Effect::Command(Command::Claim {
            interaction_id: item,
        })),
        (Action::Release, Some(id)) => {
            fx.push(Effect::Command(Command::Release { interaction_id: id }))
        }
        (Action::Assign, Some(id)) => {
            if let Some(t) = state.team.as_mut() {
                t.picker = Some(AssignPicker {
                    item: id,
                    people: Vec::new(),
                    selected: 0,
                });
            }
            state.mode = Mode::Picker;
            fx.push(Effect::Command(Command::LoadColleagues));
        }
        (Action::MyItems, _) => {
            let mut lens = state.lens.clone();
            lens.mine = match lens.mine {
                Some(_) => None,
                None => team.member.clone(),
            };
            super::update::set_lens(state, lens, fx);
        }
        _ => super::update::notify(state, Notice::NothingSelected),
    }
    true
}

/// Whether the assignment picker is open.
pub fn picking(state: &AppState) -> bool {
    state.team.as_ref().is_some_and(|t| t.picker.is_some())
}

/// Keys in the assignment picker; false when no picker is open.
pub fn picker_key(state: &mut AppState, action: &Action, fx: &mut Vec<Effect>) -> bool {
    let Some(picker) = state.team.as_mut().and_then(|t| t.picker.as_mut()) else {
        return false;
    };
    let last = picker.people.len().saturating_sub(1);
    match action {
        Action::MoveDown => picker.selected = (picker.selected + 1).min(last),
        Action::MoveUp => picker.selected = picker.selected.saturating_sub(1),
        Action::Confirm => {
            if let Some((to, _)) = picker.people.get(picker.selected) {
                fx.push(Effect::Command(Command::Assign {
                    interaction_id: picker.item,
                    to: to.clone(),
                }));
            }
            close_picker(state);
        }
        Action::Cancel => close_picker(state),
        _ => {}
    }
    true
}

fn close_picker(state: &mut AppState) {
    if let Some(team) = state.team.as_mut() {
        team.picker = None;
    }
    state.mode = Mode::Queue;
}

/// Applies news from the team's services.
pub fn news(state: &mut AppState, news: TeamNews, fx: &mut Vec<Effect>) {
    let team = state.team.get_or_insert_with(TeamView::default);
    let lang = state.lang;
    let text = match news {
        TeamNews::Online { member, role } => {
            team.member = Some(member);
            team.role = Some(role);
            team.offline = false;
            super::update::reload_all(state, fx);
            return;
        }
        TeamNews::Offline { .. } => {
            team.offline = true;
            return;
        }
        TeamNews::Colleagues(people) => {
            if let Some(picker) = team.picker.as_mut() {
                picker.people = people;
            }
            return;
        }
        other => outcome_text(lang, other),
    };
    super::update::notify_alert(state, text);
    super::update::reload_all(state, fx);
}

fn outcome_text(lang: Lang, news: TeamNews) -> String {
    match news {
        TeamNews::Claimed { item } => match (item, lang) {
            (Some(id), Lang::Ru) => format!("взято в работу: #{}", id.0),
            (Some(id), Lang::En) => format!("claimed: #{}", id.0),
            (None, _) => tr(lang, "взято в работу", "claimed"),
        },
        TeamNews::NothingToClaim => {
            tr(lang, "брать нечего: очередь пуста", "nothing left to claim")
        }
        TeamNews::HeldBy(by) => match lang {
            Lang::Ru => format!("отвечает {by}: не взять"),
            Lang::En => format!("{by} is answering it"),
        },
        TeamNews::NotOpen => tr(
            lang,
            "этот отзыв уже не ждёт ответа",
            "this item is not open",
        ),
        TeamNews::Released => tr(lang, "возвращено в очередь", "released to the queue"),
        TeamNews::NotHeld => tr(
            lang,
            "это не ваше: отпускать нечего",
            "you do not hold this item",
        ),
        TeamNews::Assigned { to } => match lang {
            Lang::Ru => format!("передано: {to}"),
            Lang::En => format!("assigned to {to}"),
        },
        TeamNews::Refused(why) => match lang {
            Lang::Ru => format!("база команды отказала: {why}"),
            Lang::En => format!("the team's database refused: {why}"),
        },
        TeamNews::ReplyHeld => tr(
            lang,
            "нет связи с базой команды: ответ сохранён и уйдёт, когда связь вернётся",
            "no connection to the team's database: the reply is kept and goes when it is back",
        ),
        TeamNews::ReplyDelivered => tr(
            lang,
            "связь вернулась: сохранённый ответ поставлен в очередь",
            "connection back: the kept reply is queued",
        ),
        TeamNews::Online { .. } | TeamNews::Offline { .. } | TeamNews::Colleagues(_) => {
            String::new()
        }
    }
}
