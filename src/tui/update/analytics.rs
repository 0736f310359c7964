//! The analytics screen: which period and account it shows, asking for the figures, and
//! taking them when they arrive from the background.

use crate::analytics::{MetricKind, MetricsQuery};

use super::super::action::{Action, AnalyticsRequest, Effect};
use super::super::state::{AppState, Dashboard, Screen, ANALYTICS_PERIODS};
use super::{notify, screens};
use crate::tui::state::Notice;

/// Asks for the figures of the current period and account; the old ones stay on screen
/// until the new ones arrive.
pub(super) fn request(state: &mut AppState, fx: &mut Vec<Effect>) {
    let a = &mut state.analytics;
    a.request += 1;
    a.loading = true;
    fx.push(Effect::LoadAnalytics(AnalyticsRequest {
        request: a.request,
        query: MetricsQuery::last_days(state.now, a.days).account(a.account),
        now: state.now,
    }));
}

/// Asks again after a change in the store, unless figures are already on their way.
pub(super) fn refresh_if_idle(state: &mut AppState, fx: &mut Vec<Effect>) {
    if state.screen == Screen::Analytics && !state.analytics.loading {
        request(state, fx);
    }
}

pub(super) fn loaded(state: &mut AppState, request: u64, result: Result<Box<Dashboard>, String>) {
    if request != state.analytics.request {
        return; // an answer for a period or account the user has left
    }
    state.analytics.loading = false;
    match result {
        Ok(data) => state.analytics.data = Some(data),
        Err(e) => notify(state, Notice::LoadFailed(e)),
    }
}

/// The keys of the analytics screen.
pub(super) fn screen_mode(state: &mut AppState, action: Action, fx: &mut Vec<Effect>) {
    let last = MetricKind::ALL.len() - 1;
    let a = &mut state.analytics;
    match action {
        Action::MoveDown => a.selected = (a.selected + 1).min(last),
        Action::MoveUp => a.selected = a.selected.saturating_sub(1),
        Action::Top => a.selected = 0,
        Action::Bottom => a.selected = last,
        Action::CyclePeriod => {
            let at = ANALYTICS_PERIODS.iter().position(|d| *d == a.days);
            a.days = ANALYTICS_PERIODS[at.map_or(0, |i| (i + 1) % ANALYTICS_PERIODS.len())];
            request(state, fx);
        }
        Action::CycleAccount => {
            state.analytics.account = next_account(state, state.analytics.account);
            request(state, fx);
        }
        Action::Refresh => request(state, fx),
        other => screens::screen_common(state, other, fx),
    }
}

/// All accounts → each account in turn → all accounts.
pub(super) fn next_account(state: &AppState, current: Option<i64>) -> Option<i64> {
    let ids: Vec<i64> = state.accounts.iter().map(|a| a.id).collect();
    match current {
        None => ids.first().copied(),
        Some(id) => ids
            .iter()
            .position(|x| *x == id)
            .and_then(|i| ids.get(i + 1).copied()),
    }
}
