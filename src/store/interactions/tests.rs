use super::*;
use crate::domain::NewInteraction;
use crate::domain::Sender;
use crate::store::test_support::temp_store;
use crate::store::{enqueue_reply, upsert_account, UpsertSummary};
// Written as sync writes them, under the shipped SLA policy and linking settings.
use crate::sync::upsert_interactions;
use chrono::{Duration, TimeZone};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap() + Duration::minutes(min)
}

fn review(id: &str, stars: u8, created: DateTime<Utc>) -> NewInteraction {
    NewInteraction {
        channel: Channel::Review,
        external_id: id.into(),
        product: Some(ProductRef {
            external_id: "146972802".into(),
            name: Some("Плед флисовый".into()),
            brand: Some("Мягкий Край".into()),
        }),
        customer_name: Some("Анна".into()),
        customer_external_id: None,
        text: format!("Отзыв {id}"),
        pros: None,
        cons: None,
        photos: 0,
        rating: Rating::new(stars),
        created_at: created,
        answer: None,
        archived: false,
        messages: Vec::new(),
        reply_handle: None,
        raw: serde_json::json!({ "id": id, "stars": stars }),
    }
}

fn upsert(conn: &mut Connection, account: i64, items: &[NewInteraction]) -> UpsertSummary {
    let tx = conn.transaction().unwrap();
    let s = upsert_interactions(&tx, account, "wb_feedbacks", items, t(100)).unwrap();
    tx.commit().unwrap();
    s
}

#[test]
fn upserting_the_same_batch_twice_changes_nothing() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "Уютный дом", Marketplace::Wb).unwrap();
    let batch = vec![review("a", 1, t(0)), review("b", 5, t(5))];
    let first = upsert(&mut conn, account, &batch);
    assert_eq!((first.new, first.changed), (2, 0));
    let second = upsert(&mut conn, account, &batch);
    assert_eq!((second.new, second.changed), (0, 0));
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
    let mut changed = batch[0].clone();
    changed.text = "Исправленный текст".into();
    changed.raw = serde_json::json!({"id": "a", "edited": true});
    let third = upsert(&mut conn, account, &[changed]);
    assert_eq!((third.new, third.changed), (0, 1));
}

#[test]
fn queue_is_ordered_by_deadline_and_pages() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    // 5★ at minute 0 is due in 48 h; 1★ at minute 30 is due in 1 h: it comes first.
    upsert(
        &mut conn,
        account,
        &[
            review("five", 5, t(0)),
            review("one", 1, t(30)),
            review("three", 3, t(10)),
        ],
    );
    let reader = store.reader().unwrap();
    let filter = QueueFilter::default();
    let page = queue_page(&reader, &filter, 0, 10).unwrap();
    let order: Vec<_> = page.iter().map(|r| r.preview.as_str()).collect();
    assert_eq!(order, ["Отзыв one", "Отзыв three", "Отзыв five"]);
    assert_eq!(page[0].due_at, t(90));
    assert_eq!(page[0].product_name.as_deref(), Some("Плед флисовый"));
    assert_eq!(
        queue_page(&reader, &filter, 1, 1).unwrap()[0].preview,
        "Отзыв three"
    );
    assert_eq!(queue_count(&reader, &filter).unwrap(), 3);
    let breached = QueueFilter {
        breached_at: Some(t(95)),
        ..QueueFilter::default()
    };
    assert_eq!(queue_count(&reader, &breached).unwrap(), 1);
    let chats = QueueFilter {
        channel: Some(Channel::Chat),
        ..QueueFilter::default()
    };
    assert_eq!(queue_count(&reader, &chats).unwrap(), 0);
    assert_eq!(queue_count_by_channel(&reader, &chats).unwrap(), [3, 0, 0]);
}

/// 30 reviews of two accounts (20 WB, 10 Ozon), one answered, two of intent
/// `wrong_item`, one with a draft: what every filter and sort is read against.
fn filter_fixture() -> (tempfile::TempDir, crate::store::Store, i64) {
    let (dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let wb = upsert_account(&conn, "Уютный дом", Marketplace::Wb).unwrap();
    let ozon = upsert_account(&conn, "Альфа", Marketplace::Ozon).unwrap();
    let mut batch: Vec<NewInteraction> = (0..30)
        .map(|i| review(&format!("r{i}"), 1 + (i % 5) as u8, t(i * 7 % 30)))
        .collect();
    batch[3].answer = Some(Answer {
        text: "Спасибо".into(),
        moderation: ModerationState::Published,
        editable: false,
    });
    batch[4].text = "Плёд пришёл мятый".into();
    upsert(&mut conn, wb, &batch[..20]);
    upsert(&mut conn, ozon, &batch[20..]);
    conn.execute(
        "UPDATE interactions SET intent = 'wrong_item' WHERE external_id IN ('r1', 'r2')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO drafts (interaction_id, text, source, confidence, created_at)
         SELECT id, 'x', 'template', 0.5, 0 FROM interactions WHERE external_id = 'r5'",
        [],
    )
    .unwrap();
    (dir, store, wb)
}

#[test]
fn every_filter_counts_what_it_names() {
    let (_dir, store, wb) = filter_fixture();
    let reader = store.reader().unwrap();
    let count = |f: QueueFilter| queue_count(&reader, &f).unwrap();
    let base = QueueFilter::default();
    assert_eq!(count(base.clone()), 29, "one is answered");
    assert_eq!(
        count(QueueFilter {
            answered: AnswerFilter::Answered,
            ..base.clone()
        }),
        1
    );
    assert_eq!(
        count(QueueFilter {
            answered: AnswerFilter::All,
            ..base.clone()
        }),
        30
    );
    assert_eq!(
        count(QueueFilter {
            marketplace: Some(Marketplace::Ozon),
            ..base.clone()
        }),
        10
    );
    assert_eq!(
        count(QueueFilter {
            account_id: Some(wb),
            ..base.clone()
        }),
        19
    );
    assert_eq!(
        count(QueueFilter {
            rating: Some((1, 2)),
            ..base.clone()
        }),
        12
    );
    assert_eq!(
        count(QueueFilter {
            intent: Some(IntentFilter::Is("wrong_item".into())),
            ..base.clone()
        }),
        2
    );
    assert_eq!(
        count(QueueFilter {
            intent: Some(IntentFilter::Unclassified),
            ..base.clone()
        }),
        27
    );
    assert_eq!(
        count(QueueFilter {
            has_draft: Some(true),
            ..base.clone()
        }),
        1
    );
    assert_eq!(
        count(QueueFilter {
            has_draft: Some(false),
            ..base.clone()
        }),
        28
    );
    assert_eq!(
        count(QueueFilter {
            product: Some("146972802".into()),
            ..base.clone()
        }),
        29
    );
}

#[test]
fn text_filters_fold_case_and_yo() {
    let (_dir, store, _) = filter_fixture();
    let reader = store.reader().unwrap();
    let count = |f: QueueFilter| queue_count(&reader, &f).unwrap();
    let base = QueueFilter::default();
    let text = |words: &str| QueueFilter {
        text: vec![crate::store::search::TextTerm::any(words)],
        ..base.clone()
    };
    assert_eq!(count(text("ПРИШЁЛ")), 1, "case and ё folded");
    assert_eq!(count(text("пришел")), 1);
    assert_eq!(count(text("плёд")), 29, "every review names the product");
    assert_eq!(count(text("мят")), 1);
    assert_eq!(count(text("отзыв r1")), 11, "r1 is a prefix of r10 … r19");
    assert_eq!(count(text("отзыв r29")), 1);
}

#[test]
fn keyset_seeks_agree_with_offsets_for_every_sort() {
    let (_dir, store, _) = filter_fixture();
    let reader = store.reader().unwrap();
    let base = QueueFilter::default();
    // Every sort: keyset seeks from any row agree with plain offsets.
    for sort in QueueSort::ALL {
        let f = QueueFilter {
            sort,
            ranked_at: Some(t(20)),
            ..base.clone()
        };
        let all = queue_page(&reader, &f, 0, 100).unwrap();
        assert_eq!(all.len(), 29);
        for i in 0..all.len() {
            let key = QueueKey::of(&all[i], &f);
            let after = queue_window(&reader, &f, Seek::After { key, skip: 2 }, 3)
                .unwrap()
                .rows;
            assert_eq!(
                after,
                all[(i + 3).min(29)..(i + 6).min(29)],
                "{sort:?} after {i}"
            );
            let before = queue_window(&reader, &f, Seek::Before { key, skip: 1 }, 2)
                .unwrap()
                .rows;
            let end = i.saturating_sub(1);
            assert_eq!(
                before,
                all[end.saturating_sub(2)..end],
                "{sort:?} before {i}"
            );
        }
        let last = queue_window(&reader, &f, Seek::End { skip: 0 }, 4)
            .unwrap()
            .rows;
        assert_eq!(last, all[25..]);
    }
    // Newest first really is newest first.
    let newest = queue_page(
        &reader,
        &QueueFilter {
            sort: QueueSort::Newest,
            ..base.clone()
        },
        0,
        100,
    )
    .unwrap();
    assert!(newest
        .windows(2)
        .all(|w| w[0].created_at >= w[1].created_at));
}

#[test]
fn searches_walking_an_index_agree_with_looking_hits_up() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    let mut batch: Vec<NewInteraction> = (0..40)
        .map(|i| review(&format!("r{i}"), 1 + (i % 5) as u8, t((i * 13) % 40)))
        .collect();
    for (i, item) in batch.iter_mut().enumerate() {
        if i % 3 == 0 {
            item.text = format!("Плёд мятый, отзыв {i}");
        }
        if i % 4 == 0 {
            item.answer = Some(Answer {
                text: "Спасибо".into(),
                moderation: ModerationState::Published,
                editable: false,
            });
        }
    }
    upsert(&mut conn, account, &batch);
    let reader = store.reader().unwrap();
    for (sort, answered) in [
        (QueueSort::Newest, AnswerFilter::All),
        (QueueSort::Newest, AnswerFilter::Unanswered),
        (QueueSort::Deadline, AnswerFilter::Unanswered),
    ] {
        for words in ["мят", "отзыв r1", "пришел"] {
            let f = QueueFilter {
                sort,
                answered,
                text: vec![crate::store::search::TextTerm::any(words)],
                ..QueueFilter::default()
            };
            assert!(f.walks_an_index_with_text());
            let looked_up = |seek| {
                read_window(&reader, &f, seek, 100, TextMatch::Lookup)
                    .unwrap()
                    .rows
            };
            let all = looked_up(Seek::Start { skip: 0 });
            assert_eq!(all.len(), queue_count(&reader, &f).unwrap(), "{words}");
            let probed = queue_window(&reader, &f, Seek::Start { skip: 0 }, 100).unwrap();
            assert_eq!(probed.rows, all, "{sort:?} {answered:?} {words}");
            // Out of steps at once: the read gives way to looking the hits up.
            let starved = window_within(&reader, &f, Seek::Start { skip: 1 }, 100, 1).unwrap();
            assert_eq!(starved.rows, all[all.len().min(1)..], "{sort:?} {words}");
            assert!(starved.vm_steps >= 1);
            for (i, row) in all.iter().enumerate() {
                let key = QueueKey::of(row, &f);
                let after = queue_window(&reader, &f, Seek::After { key, skip: 0 }, 2)
                    .unwrap()
                    .rows;
                assert_eq!(after, all[(i + 1).min(all.len())..(i + 3).min(all.len())]);
                let before = queue_window(&reader, &f, Seek::Before { key, skip: 0 }, 2)
                    .unwrap()
                    .rows;
                assert_eq!(before, all[i.saturating_sub(2)..i]);
            }
        }
    }
    // A search of the whole history is counted from the index alone.
    let whole = QueueFilter {
        answered: AnswerFilter::All,
        text: vec![crate::store::search::TextTerm::any("мят")],
        ..QueueFilter::default()
    };
    assert_eq!(queue_count(&reader, &whole).unwrap(), 14);
    let looked_up = read_window(
        &reader,
        &whole,
        Seek::Start { skip: 0 },
        100,
        TextMatch::Lookup,
    );
    assert_eq!(looked_up.unwrap().rows.len(), 14);
}

/// A store of `n` open reviews, every `every`-th saying "мятый".
fn store_with_hits(n: usize, every: usize) -> (tempfile::TempDir, crate::store::Store) {
    let (dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    let batch: Vec<NewInteraction> = (0..n)
        .map(|i| {
            let mut item = review(&format!("r{i}"), 4, t((i as i64 * 7919) % 100_000));
            // Each by another buyer: the rows' earlier complaints stay one look-up.
            item.customer_name = None;
            if i % every == 0 {
                item.text = format!("Пришёл мятый, отзыв {i}");
            }
            item
        })
        .collect();
    upsert(&mut conn, account, &batch);
    (dir, store)
}

#[test]
fn a_search_page_examines_the_same_rows_however_many_items_match() {
    let search = QueueFilter {
        text: vec![crate::store::search::TextTerm::any("мят")],
        ..QueueFilter::default()
    };
    let first_page = |n| {
        let (_dir, store) = store_with_hits(n, 4);
        let reader = store.reader().unwrap();
        let window = queue_window(&reader, &search, Seek::Start { skip: 0 }, 20).unwrap();
        assert_eq!(window.rows.len(), 20);
        window.vm_steps
    };
    let (few, many) = (first_page(400), first_page(3_200));
    assert!(
        many * 10 <= few * 13,
        "a page of a search with 8x the hits took {many} steps against {few}"
    );
}

#[test]
fn deep_search_pages_agree_with_looking_hits_up() {
    let (_dir, store) = store_with_hits(3_000, 37);
    let reader = store.reader().unwrap();
    for sort in [QueueSort::Deadline, QueueSort::Newest] {
        let f = QueueFilter {
            sort,
            text: vec![crate::store::search::TextTerm::any("мят")],
            ..QueueFilter::default()
        };
        let all = read_window(&reader, &f, Seek::Start { skip: 0 }, 200, TextMatch::Lookup)
            .unwrap()
            .rows;
        assert_eq!(all.len(), 82);
        for (seek, want) in [
            (Seek::Start { skip: 0 }, &all[..10]),
            (Seek::Start { skip: 50 }, &all[50..60]),
            (Seek::End { skip: 0 }, &all[72..]),
            (Seek::End { skip: 30 }, &all[42..52]),
            (
                Seek::After {
                    key: QueueKey::of(&all[20], &f),
                    skip: 15,
                },
                &all[36..46],
            ),
            (
                Seek::Before {
                    key: QueueKey::of(&all[70], &f),
                    skip: 5,
                },
                &all[55..65],
            ),
        ] {
            let probed = queue_window(&reader, &f, seek, 10).unwrap().rows;
            assert_eq!(probed, want, "{sort:?} {seek:?}");
        }
    }
}

/// Twelve reviews with ids `{prefix}0`…, every channel in turn.
fn channel_mix(prefix: &str) -> Vec<NewInteraction> {
    (0..12)
        .map(|i| {
            let mut item = review(&format!("{prefix}{i}"), 3, t(i * 90));
            item.channel = Channel::ALL[i as usize % 3];
            item
        })
        .collect()
}

/// The kept counts agree with a full count, for a few filters of account `wb`.
fn assert_kept_counts_agree(conn: &Connection, wb: i64, step: &str) {
    let filters = [
        QueueFilter::default(),
        QueueFilter {
            account_id: Some(wb),
            ..QueueFilter::default()
        },
        QueueFilter {
            marketplace: Some(Marketplace::Ozon),
            channel: Some(Channel::Question),
            ..QueueFilter::default()
        },
    ];
    for f in filters {
        assert!(kept_open_counts(conn, &f).unwrap().is_some());
        assert_eq!(
            queue_count_by_channel(conn, &f).unwrap(),
            counted_by_channel(conn, &f).unwrap(),
            "{step}: {f:?}"
        );
        assert_eq!(queue_count(conn, &f).unwrap(), counted(conn, &f).unwrap());
        let breached = QueueFilter {
            breached_at: Some(t(500)),
            ..f
        };
        assert_eq!(
            queue_count(conn, &breached).unwrap(),
            counted(conn, &breached).unwrap(),
            "{step}: breached"
        );
    }
}

#[test]
fn kept_open_counts_equal_a_full_count_after_syncs_replies_and_other_writers() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let wb = upsert_account(&conn, "wb shop", Marketplace::Wb).unwrap();
    let ozon = upsert_account(&conn, "ozon shop", Marketplace::Ozon).unwrap();
    let items = channel_mix;
    let agree = |conn: &Connection, step: &str| assert_kept_counts_agree(conn, wb, step);
    upsert(&mut conn, wb, &items("w"));
    upsert(&mut conn, ozon, &items("o"));
    agree(&conn, "synced");
    let first = queue_page(&conn, &QueueFilter::default(), 0, 3).unwrap();
    for (i, row) in first.iter().enumerate() {
        enqueue_reply(&conn, row.id, "Спасибо", &format!("k{i}"), "human", t(1)).unwrap();
    }
    agree(&conn, "replies queued");
    // A sync that finds answers written elsewhere.
    let mut answered = items("w");
    for item in answered.iter_mut().step_by(2) {
        item.answer = Some(Answer {
            text: "Ответ".into(),
            moderation: ModerationState::Published,
            editable: false,
        });
    }
    upsert(&mut conn, wb, &answered);
    agree(&conn, "answers synced");
    // Another process changes states, moves and removes items directly.
    let other = rusqlite::Connection::open(store.path()).unwrap();
    other
        .execute_batch(
            "UPDATE interactions SET state = 'archived' WHERE id % 5 = 0;
             UPDATE interactions SET state = 'open' WHERE state = 'pending';
             UPDATE interactions SET channel = 'chat' WHERE id % 7 = 0;
             DELETE FROM interactions WHERE id % 11 = 0;",
        )
        .unwrap();
    agree(&conn, "another writer");
    other
        .execute("DELETE FROM accounts WHERE id = ?1", [ozon])
        .unwrap();
    agree(&conn, "account removed");
}

#[test]
fn a_queued_reply_keeps_the_item_out_of_the_queue_across_syncs() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    upsert(&mut conn, account, &[review("a", 2, t(0))]);
    let id = queue_page(&conn, &QueueFilter::default(), 0, 1).unwrap()[0].id;
    enqueue_reply(&conn, id, "Спасибо", "key-1", "human", t(1)).unwrap();
    // Enqueuing the same key again is a no-op.
    enqueue_reply(&conn, id, "Спасибо", "key-1", "human", t(2)).unwrap();
    let outbox: i64 = conn
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox, 1);
    // A sync that still sees the item unanswered does not put it back in the queue.
    let mut again = review("a", 2, t(0));
    again.raw = serde_json::json!({"id": "a", "seen": 2});
    upsert(&mut conn, account, &[again]);
    assert_eq!(queue_count(&conn, &QueueFilter::default()).unwrap(), 0);
    assert_eq!(
        interaction(&conn, id).unwrap().unwrap().state,
        AnswerState::Pending
    );
}

#[test]
fn queue_rows_carry_the_customers_earlier_complaints_and_the_chats_unanswered_messages() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    let mut chat = review("chat-1", 5, t(40));
    chat.channel = Channel::Chat;
    chat.rating = None;
    let message = |id: &str, sender, at| ChatMessage {
        external_id: id.into(),
        sender,
        text: "Где заказ?".into(),
        sent_at: t(at),
    };
    chat.messages = vec![
        message("m1", Sender::Buyer, 40),
        message("m2", Sender::Seller, 41),
        message("m3", Sender::Buyer, 42),
        message("m4", Sender::Buyer, 43),
    ];
    upsert(
        &mut conn,
        account,
        &[
            review("first", 1, t(0)),
            review("second", 4, t(10)),
            review("stranger", 5, t(20)),
            chat,
        ],
    );
    // One buyer behind "first" and "second"; "stranger" is someone else.
    conn.execute(
        "INSERT INTO customers (id, account_id, name, created_at) VALUES (7, ?1, 'Анна', 0)",
        [account],
    )
    .unwrap();
    conn.execute(
        "UPDATE interactions SET customer_id = CASE WHEN external_id = 'stranger' THEN NULL
                                                   ELSE 7 END
         WHERE channel = 'review'",
        [],
    )
    .unwrap();
    let rows = queue_page(&conn, &QueueFilter::default(), 0, 10).unwrap();
    let find = |preview: &str| {
        rows.iter()
            .find(|r| r.preview == preview)
            .unwrap_or_else(|| panic!("{preview} in the queue"))
    };
    assert_eq!(find("Отзыв first").prior_complaints, 0, "nothing before it");
    assert_eq!(find("Отзыв second").prior_complaints, 1, "the 1★ before it");
    assert_eq!(find("Отзыв stranger").prior_complaints, 0, "not linked");
    let chat = find("Отзыв chat-1");
    assert_eq!(
        chat.unanswered_buyer_messages, 2,
        "only the messages after the seller's"
    );
    assert_eq!(find("Отзыв second").unanswered_buyer_messages, 0);
}

#[test]
fn chat_threads_are_stored_and_read_oldest_first() {
    let (_dir, store) = temp_store();
    let mut conn = rusqlite::Connection::open(store.path()).unwrap();
    let account = upsert_account(&conn, "shop", Marketplace::Wb).unwrap();
    let mut chat = review("chat-1", 5, t(0));
    chat.channel = Channel::Chat;
    chat.rating = None;
    chat.messages = vec![
        ChatMessage {
            external_id: "m2".into(),
            sender: Sender::Seller,
            text: "Здравствуйте".into(),
            sent_at: t(2),
        },
        ChatMessage {
            external_id: "m1".into(),
            sender: Sender::Buyer,
            text: "Где заказ?".into(),
            sent_at: t(1),
        },
        ChatMessage {
            external_id: "m3".into(),
            sender: Sender::Buyer,
            text: "Ау".into(),
            sent_at: t(3),
        },
    ];
    chat.messages.sort_by_key(|m| m.sent_at);
    upsert(&mut conn, account, &[chat]);
    let row = queue_page(&conn, &QueueFilter::default(), 0, 1).unwrap();
    assert_eq!(row[0].channel, Channel::Chat);
    let item = interaction(&conn, row[0].id).unwrap().unwrap();
    assert_eq!(
        item.waiting_since,
        t(3),
        "clock starts at the unanswered buyer message"
    );
    let thread = chat_messages(&conn, row[0].id).unwrap();
    let texts: Vec<_> = thread.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Где заказ?", "Здравствуйте", "Ау"]);
}
