use super::*;
use crate::domain::AnswerState;
use serde_json::json;

fn info(chat_type: &str) -> serde_json::Value {
    json!({
        "chat": {
            "chat_id": "7c1f0b2e-5d3a-4e8f-9a61-2b7c4d9e0f13",
            "chat_status": "Opened",
            "chat_type": chat_type,
            "created_at": "2026-02-10T09:00:00Z"
        },
        "first_unread_message_id": "3000000000200000002",
        "last_message_id": "3000000000200000003",
        "unread_count": 1
    })
}

fn message(id: &str, kind: &str, user: &str, at: &str, text: &str) -> serde_json::Value {
    json!({
        "message_id": id,
        "created_at": at,
        "data": [text],
        "user": {"id": user, "type": kind},
        "context": {"sku": "615220418", "order_number": "0112233-0001"},
        "is_read": true,
        "is_image": false
    })
}

#[test]
fn parses_a_chat_waiting_for_the_seller() {
    // Newest first, as /v3/chat/history returns by default.
    let messages = vec![
        message(
            "3000000000200000003",
            "Сustomer",
            "8812",
            "2026-02-10T09:20:00Z",
            "Ау?",
        ),
        message(
            "3000000000200000002",
            "seller",
            "55",
            "2026-02-10T09:10:00Z",
            "Проверим",
        ),
        message(
            "3000000000200000001",
            "customer",
            "8812",
            "2026-02-10T09:00:00Z",
            "Где заказ?",
        ),
    ];
    let parsed = parse_chat(info("Buyer_Seller"), messages).unwrap();
    assert!(parsed.skipped.is_empty());
    assert_eq!(
        parsed.newest_message_id.as_deref(),
        Some("3000000000200000003")
    );
    let item = parsed.item.unwrap();
    assert_eq!(item.external_id, "7c1f0b2e-5d3a-4e8f-9a61-2b7c4d9e0f13");
    assert_eq!(
        item.reply_handle.as_deref(),
        Some(item.external_id.as_str())
    );
    assert_eq!(item.customer_external_id.as_deref(), Some("8812"));
    assert_eq!(item.product.as_ref().unwrap().external_id, "615220418");
    let texts: Vec<_> = item.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Где заказ?", "Проверим", "Ау?"], "oldest first");
    assert_eq!(item.text, "Ау?");
    assert_eq!(item.answer_state(), AnswerState::Open);
    assert_eq!(
        item.waiting_since().to_rfc3339(),
        "2026-02-10T09:20:00+00:00"
    );
}

#[test]
fn system_messages_do_not_answer_a_chat() {
    let messages = vec![
        message("3", "crm", "0", "2026-02-10T09:30:00Z", "Заказ доставлен"),
        message(
            "1",
            "customer",
            "8812",
            "2026-02-10T09:00:00Z",
            "Где заказ?",
        ),
    ];
    let item = parse_chat(info("Buyer_Seller"), messages)
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item.messages.len(), 1);
    assert_eq!(item.answer_state(), AnswerState::Open);
}

#[test]
fn support_chats_and_empty_chats_are_not_items() {
    let messages = vec![message(
        "1",
        "support",
        "1",
        "2026-02-10T09:00:00Z",
        "Здравствуйте",
    )];
    assert!(parse_chat(info("Seller_Support"), messages)
        .unwrap()
        .item
        .is_none());
    assert!(parse_chat(info("Buyer_Seller"), Vec::new())
        .unwrap()
        .item
        .is_none());
    assert!(is_buyer_chat(None));
    assert!(is_buyer_chat(Some("BUYER_SELLER")));
    assert!(!is_buyer_chat(Some("Seller_Support")));
}

#[test]
fn a_malformed_message_is_skipped_the_chat_is_kept() {
    let messages = vec![
        message("2", "customer", "8812", "не время", "Ау?"),
        json!({"message_id": "4", "data": "не массив"}),
        message(
            "1",
            "customer",
            "8812",
            "2026-02-10T09:00:00Z",
            "Где заказ?",
        ),
    ];
    let parsed = parse_chat(info("Buyer_Seller"), messages).unwrap();
    assert_eq!(parsed.skipped.len(), 2);
    assert!(parsed.skipped.iter().all(|s| s.reason.contains("7c1f0b2e")));
    assert_eq!(parsed.skipped[0].external_id.as_deref(), Some("2"));
    assert_eq!(parsed.item.unwrap().messages.len(), 1);
}

#[test]
fn a_malformed_chat_entry_is_skipped() {
    let err = parse_chat(json!({"chat": {"chat_status": "Opened"}}), Vec::new()).unwrap_err();
    assert!(err.reason.contains("unreadable"), "{}", err.reason);
    let err = parse_chat(json!({"chat": {"chat_id": ""}}), Vec::new()).unwrap_err();
    assert!(err.reason.contains("empty"), "{}", err.reason);
}

#[test]
fn replies_go_to_the_chat_id() {
    let target = ReplyTarget {
        external_id: "c".into(),
        reply_handle: Some("h".into()),
        product_external_id: None,
    };
    assert_eq!(chat_id_of(&target), "h");
    let bare = ReplyTarget {
        reply_handle: None,
        ..target
    };
    assert_eq!(chat_id_of(&bare), "c");
}
