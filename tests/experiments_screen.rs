//! The analytics screen's per-version section against a real store: each version's
//! replies and acceptance with its interval, and the plain verdict — "not enough data"
//! until every version has enough replies, then the winner.

mod tui_support;

use agentiq::tui::{Action, Screen};
use tui_support::*;

/// Marks `n` of the open items answered from a draft of `version`, `accepted` of them
/// sent as drafted and the rest rewritten, an hour before `t0`.
fn replies(store: &agentiq::store::Store, version: &'static str, n: usize, accepted: usize) {
    let sent = (t0() - chrono::Duration::hours(1)).timestamp();
    store
        .writer()
        .expect("writer")
        .call_blocking(move |conn| {
            let tx = conn.transaction()?;
            let ids: Vec<i64> = tx
                .prepare("SELECT id FROM interactions WHERE id NOT IN (SELECT interaction_id FROM outbox) ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            anyhow::ensure!(ids.len() >= n, "only {} items left", ids.len());
            for (i, id) in ids.into_iter().take(n).enumerate() {
                let distance = if i < accepted { 0.0 } else { 0.6 };
                tx.execute(
                    "INSERT INTO outbox (interaction_id, idempotency_key, text, state, next_attempt_at,
                         created_at, updated_at, sent_at, actor, draft_source, edit_distance,
                         verdict, version)
                     VALUES (?1, ?2, 'ответ', 'accepted', ?3, ?3, ?3, ?3, 'human', 'template', ?4,
                             'pass', ?5)",
                    rusqlite::params![id, format!("k{version}{id}"), sent, distance, version],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .expect("replies written");
}

#[test]
fn the_analytics_screen_says_when_a_winner_cannot_be_called_yet() {
    let (dir, store) = filled_store();
    let mut h = Harness::on(dir, store, 120, 40);
    h.act(Action::ScreenAnalytics);
    assert_eq!(h.state.screen, Screen::Analytics);
    assert_shows(
        &h.screen(120, 40),
        &["Версии: за период нет ответов из черновиков с версией"],
    );

    let (dir, store) = filled_store();
    replies(&store, "drafts-ru-v2", 3, 2);
    replies(&store, "warm", 2, 2);
    let mut h = Harness::on(dir, store, 120, 40);
    h.act(Action::ScreenAnalytics);
    let screen = h.screen(120, 40);
    assert_shows(
        &screen,
        &[
            "drafts-ru-v2: ответов 3 · принято 67% (21–94%)",
            "warm: ответов 2 · принято 100% (34–100%)",
            "Данных пока мало, победителя назвать нельзя",
        ],
    );
    let mut english = h.in_english();
    assert_shows(
        &english.screen(120, 40),
        &[
            "warm: 2 replies · accepted 100% (34–100%)",
            "Not enough data to call a winner yet",
        ],
    );
}
