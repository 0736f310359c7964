//! Team mode's keys and news: claims, releases, the assignment picker, "my items", the
//! connection's state.

use super::*;
use crate::domain::team::TeamNews;
use crate::tui::state::Mode;

fn online(state: &mut AppState, fake: &mut Fake) {
    fake.act(
        state,
        Action::Background(crate::protocol::Event::Team(TeamNews::Online {
            member: "maria".into(),
            role: "operator".into(),
        })),
    );
}

#[test]
fn team_keys_do_nothing_but_say_so_for_a_single_seller() {
    let (mut state, mut fake) = started(5);
    let commands = fake.act(&mut state, Action::Claim);
    assert!(commands.is_empty());
    assert!(format!("{:?}", state.notice).contains("только в командном режиме"));
}

#[test]
fn claim_release_and_assign_name_the_selected_item() {
    let (mut state, mut fake) = started(5);
    online(&mut state, &mut fake);
    let selected = state.queue.selected_id.expect("a selected row");
    assert_eq!(
        fake.act(&mut state, Action::Claim),
        [Command::Claim {
            interaction_id: Some(selected)
        }]
    );
    assert_eq!(
        fake.act(&mut state, Action::Release),
        [Command::Release {
            interaction_id: selected
        }]
    );
    assert_eq!(
        fake.act(&mut state, Action::Assign),
        [Command::LoadColleagues]
    );
    assert_eq!(state.mode, Mode::Picker);
    fake.act(
        &mut state,
        Action::Background(crate::protocol::Event::Team(TeamNews::Colleagues(vec![
            ("ivan".into(), "operator".into()),
            ("olga".into(), "manager".into()),
        ]))),
    );
    fake.act(&mut state, Action::MoveDown);
    assert_eq!(
        fake.act(&mut state, Action::Confirm),
        [Command::Assign {
            interaction_id: selected,
            to: "olga".into()
        }]
    );
    assert_eq!(state.mode, Mode::Queue);
}

#[test]
fn my_items_narrow_the_queue_to_my_claims_and_back() {
    let (mut state, mut fake) = started(5);
    online(&mut state, &mut fake);
    fake.act(&mut state, Action::MyItems);
    assert_eq!(state.lens.mine.as_deref(), Some("maria"));
    assert_eq!(fake.last().filter.claimed_by.as_deref(), Some("maria"));
    fake.act(&mut state, Action::MyItems);
    assert_eq!(state.lens.mine, None);
}

#[test]
fn markers_and_the_connection_show_in_the_operators_words() {
    let (mut state, mut fake) = started(5);
    online(&mut state, &mut fake);
    assert_eq!(
        crate::tui::team::claim_marker(Some("ivan"), &state).as_deref(),
        Some("◆ отвечает ivan")
    );
    assert_eq!(
        crate::tui::team::claim_marker(Some("maria"), &state).as_deref(),
        Some("◆ вы")
    );
    assert_eq!(crate::tui::team::claim_marker(None, &state), None);
    fake.act(
        &mut state,
        Action::Background(crate::protocol::Event::Team(TeamNews::Offline {
            error: "connection refused".into(),
        })),
    );
    assert!(state.team.as_ref().is_some_and(|t| t.offline));
    online(&mut state, &mut fake);
    assert!(state.team.as_ref().is_some_and(|t| !t.offline));
}
