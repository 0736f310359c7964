//! Filters, sorts, the filter line and search.

use super::*;
use crate::domain::Marketplace;
use crate::store::search::{QueryErrorKind, TextField, TextTerm};
use crate::store::{AnswerFilter, QueueSort};
use crate::tui::state::{Mode, Notice, PromptKind, Tab};

#[test]
fn cycling_filters_narrow_the_query_and_start_over() {
    let (mut state, mut fake) = started(30);
    fake.act(&mut state, Action::MoveDown);
    let view = state.view_gen;
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.lens.account, Some(1));
    assert_eq!(fake.last().filter.account_id, Some(1));
    assert!(state.view_gen > view);
    assert_eq!(state.queue.selected, 0, "a new view starts at the top");
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(fake.last().filter.account_id, Some(2));
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(fake.last().filter.account_id, None);

    fake.act(&mut state, Action::CycleMarketplace);
    assert_eq!(fake.last().filter.marketplace, Some(Marketplace::Wb));
    fake.act(&mut state, Action::CycleMarketplace);
    assert_eq!(fake.last().filter.marketplace, Some(Marketplace::Ozon));

    fake.act(&mut state, Action::CycleAnswered);
    assert_eq!(fake.last().filter.answered, AnswerFilter::Answered);
    fake.act(&mut state, Action::CycleAnswered);
    assert_eq!(fake.last().filter.answered, AnswerFilter::All);

    fake.act(&mut state, Action::CycleSort);
    assert_eq!(fake.last().filter.sort, QueueSort::Priority);
    assert_eq!(fake.last().filter.ranked_at, Some(t0()));
    fake.act(&mut state, Action::CycleSort);
    assert_eq!(fake.last().filter.sort, QueueSort::Newest);

    fake.act(&mut state, Action::TabReviews);
    fake.act(&mut state, Action::ClearFilters);
    assert_eq!(state.lens.tab, Tab::Reviews, "clearing keeps the tab");
    let f = &fake.last().filter;
    assert_eq!(
        (f.account_id, f.marketplace, f.answered, f.sort),
        (None, None, AnswerFilter::Unanswered, QueueSort::Deadline)
    );
}

#[test]
fn cycling_accounts_without_accounts_stays_on_all() {
    let (mut state, mut fake) = started(3);
    state.accounts.clear();
    let reads = fake.reads;
    fake.act(&mut state, Action::CycleAccount);
    assert_eq!(state.lens.account, None);
    assert_eq!(fake.reads, reads, "nothing changed, nothing read");
}

#[test]
fn a_page_read_for_an_older_view_is_dropped() {
    let (mut state, mut fake) = started(5);
    let fx = update(&mut state, Action::CycleSort);
    let stale = QueueRequest {
        view: state.view_gen - 1,
        ..fake.last().clone()
    };
    update(
        &mut state,
        Action::QueueLoaded(Box::new(QueueSnapshot {
            request: stale,
            total: Some(1),
            rows: vec![row(99)],
            counts: None,
            outbox_size: None,
            presence: None,
            policies: None,
        })),
    );
    assert_eq!(state.queue.total, None);
    fake.run(&mut state, fx);
    assert_eq!(state.queue.total, Some(5));
}

#[test]
fn the_filter_line_shows_the_view_as_a_query_and_applies_an_edit() {
    let (mut state, mut fake) = started(10);
    fake.act(&mut state, Action::CycleMarketplace);
    fake.act(&mut state, Action::TabReviews);
    fake.act(&mut state, Action::Filter);
    assert_eq!(state.mode, Mode::Prompt);
    let prompt = state.prompt.as_ref().expect("prompt");
    assert_eq!(prompt.kind, PromptKind::Filter);
    assert_eq!(prompt.text(), "channel:review mp:wb ");
    type_prompt(&mut state, "rating:<=2 account:уютный плед");
    let reads = fake.reads;
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Queue);
    assert!(state.prompt.is_none());
    assert!(fake.reads > reads);
    let f = &fake.last().filter;
    assert_eq!(f.channel, Some(crate::domain::Channel::Review));
    assert_eq!(f.marketplace, Some(Marketplace::Wb));
    assert_eq!(f.rating, Some((1, 2)));
    assert_eq!(f.account_id, Some(1));
    assert_eq!(f.text, vec![TextTerm::any("плед")]);
    assert!(state.search.is_none(), "a filter is not a search");
    // Opening it again shows everything, ready to edit.
    fake.act(&mut state, Action::Filter);
    assert_eq!(
        state.prompt.as_ref().map(|p| p.text()),
        Some("channel:review account:\"Уютный дом\" mp:wb rating:<=2 плед ".to_string())
    );
    fake.act(&mut state, Action::Cancel);
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(
        state.lens.refine.rating,
        Some((1, 2)),
        "cancel changes nothing"
    );
}

#[test]
fn a_bad_query_keeps_the_line_open_and_says_why() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Filter);
    type_prompt(&mut state, "rating:9");
    let reads = fake.reads;
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Prompt);
    assert_eq!(fake.reads, reads);
    match state.current_notice() {
        Some(Notice::BadQuery(e)) => {
            assert_eq!(e.at, 0);
            assert!(matches!(e.kind, QueryErrorKind::BadValue { .. }));
        }
        other => panic!("{other:?}"),
    }
    // Fixing it applies and clears the message.
    for _ in 0..1 {
        update(
            &mut state,
            Action::PromptInput(Input {
                key: Key::Backspace,
                ..Input::default()
            }),
        );
    }
    type_prompt(&mut state, "2");
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(state.current_notice(), None);
    assert_eq!(fake.last().filter.rating, Some((2, 2)));
    // An unknown account is a message too, never a panic.
    fake.act(&mut state, Action::Filter);
    type_prompt(&mut state, " account:Бета");
    fake.act(&mut state, Action::Confirm);
    assert!(matches!(
        state.current_notice(),
        Some(Notice::BadQuery(e)) if matches!(e.kind, QueryErrorKind::UnknownAccount { .. })
    ));
}

#[test]
fn the_line_stays_one_line() {
    let (mut state, mut fake) = started(3);
    fake.act(&mut state, Action::Search);
    type_prompt(&mut state, "a");
    update(
        &mut state,
        Action::PromptInput(Input {
            key: Key::Enter,
            ..Input::default()
        }),
    );
    update(
        &mut state,
        Action::PromptInput(Input {
            key: Key::Char('j'),
            ctrl: true,
            ..Input::default()
        }),
    );
    update(&mut state, Action::Paste("b\nc".into()));
    let prompt = state.prompt.as_ref().expect("prompt");
    assert_eq!(prompt.textarea.lines().len(), 1);
    assert_eq!(prompt.text(), "ab c");
}

#[test]
fn search_shows_the_whole_history_and_esc_goes_back() {
    let (mut state, mut fake) = started(50);
    for _ in 0..20 {
        fake.act(&mut state, Action::MoveDown);
    }
    fake.act(&mut state, Action::CycleMarketplace);
    for _ in 0..3 {
        fake.act(&mut state, Action::MoveDown);
    }
    let before = (state.lens.clone(), state.queue.selected_id);
    fake.act(&mut state, Action::Search);
    assert_eq!(state.mode, Mode::Prompt);
    assert_eq!(state.prompt.as_ref().map(|p| p.text()), Some(String::new()));
    type_prompt(&mut state, "Плёд customer:Анна");
    fake.act(&mut state, Action::Confirm);
    assert!(state.search.is_some());
    assert_eq!(state.mode, Mode::Queue);
    let f = fake.last().filter.clone();
    assert_eq!(
        f.answered,
        AnswerFilter::All,
        "search covers answered items"
    );
    assert_eq!(f.sort, QueueSort::Newest);
    assert_eq!(f.marketplace, None, "search starts from everything");
    assert_eq!(
        f.text,
        vec![
            TextTerm::any("Плёд"),
            TextTerm {
                field: TextField::Customer,
                text: "Анна".into()
            }
        ]
    );
    assert_eq!(state.queue.selected, 0);
    // n / N walk the results.
    fake.act(&mut state, Action::SearchNext);
    fake.act(&mut state, Action::SearchNext);
    assert_eq!(state.queue.selected, 2);
    fake.act(&mut state, Action::SearchPrev);
    assert_eq!(state.queue.selected, 1);
    // `/` again offers the same search, selected: typing replaces it.
    fake.act(&mut state, Action::Search);
    let prompt = state.prompt.as_ref().expect("prompt");
    assert_eq!(prompt.text(), "Плёд customer:Анна");
    assert!(prompt.textarea.is_selecting());
    fake.act(&mut state, Action::Cancel);
    assert!(
        state.search.is_some(),
        "cancelling the line keeps the search"
    );
    // Esc leaves the search: the view and the selected item come back.
    fake.act(&mut state, Action::Cancel);
    assert!(state.search.is_none());
    assert_eq!((state.lens.clone(), state.queue.selected_id), before);
    assert_eq!(fake.last().filter.marketplace, Some(Marketplace::Wb));
}

#[test]
fn next_and_previous_result_need_a_search() {
    let (mut state, mut fake) = started(5);
    fake.act(&mut state, Action::SearchNext);
    assert_eq!(state.queue.selected, 0);
    assert_eq!(state.current_notice(), Some(&Notice::NoSearch));
}

#[test]
fn an_empty_search_changes_nothing() {
    let (mut state, mut fake) = started(5);
    fake.act(&mut state, Action::Search);
    type_prompt(&mut state, "   ");
    let reads = fake.reads;
    fake.act(&mut state, Action::Confirm);
    assert!(state.search.is_none());
    assert_eq!(state.mode, Mode::Queue);
    assert_eq!(fake.reads, reads);
}

#[test]
fn a_query_can_set_tab_breached_and_sort() {
    let (mut state, mut fake) = started(5);
    fake.act(&mut state, Action::Filter);
    type_prompt(
        &mut state,
        "channel:chat breached:yes sort:priority answered:all",
    );
    fake.act(&mut state, Action::Confirm);
    assert_eq!(state.lens.tab, Tab::Chats);
    assert!(state.lens.breached_only);
    let f = &fake.last().filter;
    assert_eq!(f.sort, QueueSort::Priority);
    assert_eq!(f.answered, AnswerFilter::All);
    assert!(f.breached_at.is_some());
    // Cycling after a query keeps what the query set.
    fake.act(&mut state, Action::CycleSort);
    assert_eq!(fake.last().filter.sort, QueueSort::Newest);
    assert!(fake.last().filter.breached_at.is_some());
}

#[test]
fn a_customers_earlier_complaints_and_a_busy_chat_raise_the_priority_mark() {
    use crate::domain::{Priority, SlaState, SlaTier};
    use crate::tui::view::queue::row_priority;
    let state = AppState::new(t0(), "s1", FixedOffset::east_opt(0).unwrap());
    let normal = |mut r: QueueRow| {
        r.tier = SlaTier::Normal;
        r.rating = crate::domain::Rating::new(4);
        r
    };
    let plain = normal(row(1));
    assert_eq!(row_priority(&plain, SlaState::Ok, &state), Priority::Normal);
    // Shipped [priority]: one earlier complaint raises one level.
    let repeat = QueueRow {
        prior_complaints: 1,
        ..normal(row(2))
    };
    assert_eq!(row_priority(&repeat, SlaState::Ok, &state), Priority::High);
    // Three buyer messages since the seller wrote raise a chat one level.
    let chat = |messages, preview: &str| QueueRow {
        channel: Channel::Chat,
        rating: None,
        unanswered_buyer_messages: messages,
        preview: preview.into(),
        ..normal(row(3))
    };
    assert_eq!(
        row_priority(&chat(1, "где заказ"), SlaState::Ok, &state),
        Priority::Normal
    );
    assert_eq!(
        row_priority(&chat(3, "где заказ"), SlaState::Ok, &state),
        Priority::High
    );
    assert_eq!(
        row_priority(&chat(1, "ГДЕ МОЙ ЗАКАЗ!!!"), SlaState::Ok, &state),
        Priority::High,
        "shouting"
    );
}

/// A page as the runner hands it over when the counts are read off the UI task: rows,
/// no total.
fn page_without_total(state: &AppState, rows: Vec<QueueRow>) -> Action {
    let request = QueueRequest {
        filter: state.filter(),
        view: state.view_gen,
        now: state.now,
        offset: 0,
        limit: 30,
        seek: PageSeek::Nearest,
        with_counts: false,
    };
    Action::QueueLoaded(Box::new(QueueSnapshot {
        request,
        total: None,
        rows,
        counts: None,
        outbox_size: None,
        presence: None,
        policies: None,
    }))
}

fn counted(state: &AppState, n: usize) -> Action {
    let mut snapshot = match page_without_total(state, Vec::new()) {
        Action::QueueLoaded(s) => *s,
        _ => unreachable!(),
    };
    snapshot.total = Some(n);
    snapshot.counts = Some(Counts {
        all: n,
        reviews: n,
        ..Counts::default()
    });
    Action::CountsLoaded(Box::new(snapshot))
}

#[test]
fn rows_read_before_their_count_arrives_are_selected_and_answerable() {
    // The inbox opened on an empty store: the first page and its count said 0.
    let (mut state, mut fake) = started(0);
    assert_eq!(state.queue.total, Some(0));
    // Sync brought three reviews: the page is re-read on the UI task, its count comes
    // later from a thread.
    let page = page_without_total(&state, (1..=3).map(row).collect());
    let fx = update(&mut state, page);
    fake.rows = (1..=3).map(row).collect();
    fake.run(&mut state, fx);
    assert_eq!(
        state.queue.total,
        Some(3),
        "the rows read count until the count comes"
    );
    assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
    assert!(
        state.selected_detail().is_some(),
        "the top item's detail was read"
    );

    let count = counted(&state, 3);
    let fx = update(&mut state, count);
    fake.run(&mut state, fx);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
    fake.act(&mut state, Action::Reply);
    assert!(state.editor.is_some(), "the first `r` opens the editor");
}

#[test]
fn a_count_arriving_after_rows_it_does_not_cover_selects_the_top_row() {
    let (mut state, mut fake) = started(0);
    // The page was read while the count was still 0 (an older snapshot): the count
    // that follows names the rows on screen.
    state.queue.total = Some(0);
    state.queue.rows = (1..=3).map(row).collect();
    state.queue.selected_id = None;
    fake.rows = (1..=3).map(row).collect();
    let count = counted(&state, 3);
    let fx = update(&mut state, count);
    fake.run(&mut state, fx);
    assert_eq!(state.queue.selected_id, Some(InteractionId(1)));
    assert!(state.selected_detail().is_some());
    fake.act(&mut state, Action::Reply);
    assert!(state.editor.is_some());
}
