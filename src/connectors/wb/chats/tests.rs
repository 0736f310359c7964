use super::*;
use crate::domain::AnswerState;
use serde_json::json;

fn buyer(id: &str, at: i64, text: &str) -> serde_json::Value {
    json!({
        "chatID": "1:c0ffee", "eventID": id, "eventType": "message",
        "message": {"text": text}, "source": "android", "addTimestamp": at,
        "sender": "client", "clientID": 771203, "clientName": "Тамара"
    })
}

fn seller(id: &str, at: i64, text: &str) -> serde_json::Value {
    json!({
        "chatID": "1:c0ffee", "eventID": id, "eventType": "message",
        "message": {"text": text}, "source": "seller-public-api",
        "addTimestamp": at.to_string(), "sender": "seller"
    })
}

fn chat_entry() -> serde_json::Value {
    json!({
        "chatID": "1:c0ffee", "replySign": "1:c0ffee:sig-5521", "clientName": "Тамара",
        "goodCard": {"nmID": "40417788", "price": 1890, "priceCurrency": "RUB"},
        "lastMessage": {"text": "Спасибо", "addTimestamp": 1767000300000_i64}
    })
}

#[test]
fn builds_a_whole_chat_from_the_list_and_its_events() {
    let events = vec![
        buyer("e1", 1767000000000, "Где мой заказ?"),
        seller("e2", 1767000100000, "Уже в пути, завтра будет в ПВЗ."),
        buyer("e3", 1767000300000, "Спасибо"),
    ];
    let (items, skipped) = parse_chat_page(vec![chat_entry()], events);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(items.len(), 1);
    let chat = &items[0];
    assert_eq!(chat.channel, Channel::Chat);
    assert_eq!(chat.external_id, "1:c0ffee");
    assert_eq!(chat.reply_handle.as_deref(), Some("1:c0ffee:sig-5521"));
    assert_eq!(chat.customer_external_id.as_deref(), Some("771203"));
    assert_eq!(chat.customer_name.as_deref(), Some("Тамара"));
    assert_eq!(chat.product.as_ref().unwrap().external_id, "40417788");
    assert_eq!(chat.messages.len(), 3);
    assert_eq!(chat.messages[1].sender, Sender::Seller);
    assert_eq!(
        chat.answer_state(),
        AnswerState::Open,
        "the buyer spoke last"
    );
    assert_eq!(chat.waiting_since(), from_ms(1767000300000));
    assert_eq!(chat.created_at, from_ms(1767000000000));
    assert_eq!(chat.text, "Спасибо");
}

#[test]
fn the_cursor_memo_carries_the_unanswered_tail_into_the_next_step() {
    let mut memo = BTreeMap::new();
    let none = HashMap::new();
    let first = vec![
        parse_event(buyer("e1", 1000, "Здравствуйте")).unwrap(),
        parse_event(buyer("e2", 2000, "Есть размер M?")).unwrap(),
    ];
    let items = apply_events(&mut memo, &none, first);
    assert_eq!(items[0].answer_state(), AnswerState::Open);
    // The next step only brings one more buyer message: the chat still waits since
    // the first one, and it started when it started.
    let items = apply_events(
        &mut memo,
        &none,
        vec![parse_event(buyer("e3", 5000, "Ау")).unwrap()],
    );
    let chat = &items[0];
    assert_eq!(chat.messages.len(), 3);
    assert_eq!(chat.waiting_since(), from_ms(1000));
    assert_eq!(chat.created_at, from_ms(1000));
    assert_eq!(chat.text, "Здравствуйте\nЕсть размер M?\nАу");
    // The seller answers: the chat is answered and nothing is remembered as waiting.
    let items = apply_events(
        &mut memo,
        &none,
        vec![parse_event(seller("e4", 6000, "Есть")).unwrap()],
    );
    assert_eq!(items[0].answer_state(), AnswerState::Answered);
    assert!(memo["1:c0ffee"].tail.is_empty());
    // A new buyer message after that waits from itself.
    let items = apply_events(
        &mut memo,
        &none,
        vec![parse_event(buyer("e5", 9000, "А L?")).unwrap()],
    );
    assert_eq!(items[0].messages.len(), 1);
    assert_eq!(items[0].waiting_since(), from_ms(9000));
    assert_eq!(items[0].created_at, from_ms(1000));
}

#[test]
fn wb_notices_and_attachments() {
    let notice = json!({
        "chatID": "1:c0ffee", "eventID": "n1", "eventType": "message",
        "message": {"text": "Покупатель оформил возврат"}, "addTimestamp": 100, "sender": "wb"
    });
    let (items, skipped) = parse_chat_page(vec![], vec![notice.clone()]);
    assert!(items.is_empty(), "a WB notice alone is not a conversation");
    assert!(skipped.is_empty());
    let photo = json!({
        "chatID": "1:c0ffee", "eventID": "p1", "eventType": "message", "isNewChat": "true",
        "replySign": "sig-from-event",
        "message": {"attachments": {
            "images": [{"url": "https://example.invalid/1.jpg"}, {"url": "https://example.invalid/2.jpg"}],
            "files": [{"name": "Чек.pdf", "size": "2048"}],
            "goodCard": {"nmID": 99001122}
        }},
        "addTime": "2026-01-05T09:30:00Z", "sender": "client"
    });
    let (items, _) = parse_chat_page(vec![], vec![notice, photo]);
    let chat = &items[0];
    assert_eq!(chat.messages.len(), 1);
    assert_eq!(chat.messages[0].text, "[файл: Чек.pdf] [фото ×2]");
    assert_eq!(chat.reply_handle.as_deref(), Some("sig-from-event"));
    assert_eq!(chat.product.as_ref().unwrap().external_id, "99001122");
    assert_eq!(
        chat.created_at,
        from_ms(100),
        "the chat began with the notice"
    );
}

#[test]
fn malformed_events_and_chats_are_skipped_with_a_reason() {
    let events = vec![
        json!({"eventID": "x1", "addTimestamp": 5, "sender": "client"}),
        json!({"chatID": "1:c0ffee", "eventID": "x2", "sender": "client"}),
        json!({"chatID": "1:c0ffee", "eventID": "x3", "addTime": "вчера"}),
        json!(["not", "an", "event"]),
        buyer("ok", 10, "Нормальное сообщение"),
    ];
    let chats = vec![
        json!({"replySign": "s"}),
        json!({"chatID": "", "replySign": "s"}),
        chat_entry(),
    ];
    let (items, skipped) = parse_chat_page(chats, events);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].messages.len(), 1);
    let reasons: Vec<(Option<&str>, &str)> = skipped
        .iter()
        .map(|s| (s.external_id.as_deref(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 6, "{reasons:?}");
    assert!(reasons
        .iter()
        .any(|(id, r)| *id == Some("x1") && r.contains("chatID")));
    assert!(reasons
        .iter()
        .any(|(id, r)| *id == Some("x2") && r.contains("addTimestamp")));
    assert!(reasons
        .iter()
        .any(|(id, r)| *id == Some("x3") && r.contains("addTime")));
    assert!(reasons.iter().any(|(_, r)| r.contains("unreadable chat")));
}

#[test]
fn a_long_wait_keeps_its_start() {
    let thread: Vec<ChatMessage> = (0..120)
        .map(|i| ChatMessage {
            external_id: format!("m{i}"),
            sender: Sender::Buyer,
            text: "?".into(),
            sent_at: from_ms(i * 1000),
        })
        .collect();
    let tail = unanswered_tail(&thread);
    assert_eq!(tail.len(), TAIL_CAP);
    assert_eq!(tail[0].id, "m0");
    assert_eq!(tail[TAIL_CAP - 1].id, "m119");
}

#[test]
fn cursor_round_trips() {
    let mut cur = Cursor {
        next: Some(1767000300000),
        ..Cursor::default()
    };
    cur.chats.insert(
        "1:c0ffee".into(),
        ChatMemo {
            first: 1,
            tail: vec![MemoMessage {
                id: "e1".into(),
                text: "Здравствуйте".into(),
                at: 1,
            }],
        },
    );
    let text = serde_json::to_string(&cur).unwrap();
    assert_eq!(serde_json::from_str::<Cursor>(&text).unwrap(), cur);
}
