use super::*;
use serde_json::json;

#[test]
fn ids_counters_and_flags_in_both_forms() {
    let a: ChatInfo = serde_json::from_value(json!({
        "chat": {"chat_id": "c-1", "chat_type": "Buyer_Seller"},
        "last_message_id": "18446744073709551615",
        "unread_count": "2"
    }))
    .unwrap();
    let b: ChatInfo = serde_json::from_value(json!({
        "chat": {"chat_id": "c-1"},
        "last_message_id": 18446744073709551615u64,
        "unread_count": 2
    }))
    .unwrap();
    assert_eq!(a.last_message_id.as_deref(), Some("18446744073709551615"));
    assert_eq!(a.last_message_id, b.last_message_id);
    assert_eq!(a.unread_count, b.unread_count);
    let list: ChatListResponse =
        serde_json::from_value(json!({"chats": null, "has_next": "true"})).unwrap();
    assert!(list.has_next);
    assert!(list.chats.is_empty());
    let q: Question = serde_json::from_value(json!({
        "id": "q", "published_at": "2026-01-01T00:00:00Z", "answers_count": "0", "sku": "77"
    }))
    .unwrap();
    assert_eq!((q.answers_count, q.sku), (0, Some(77)));
}

#[test]
fn from_message_id_as_number_or_string() {
    let n: ChatHistoryRequest =
        serde_json::from_value(json!({"chat_id": "x", "from_message_id": 3000000000000000007u64}))
            .unwrap();
    let s: ChatHistoryRequest =
        serde_json::from_value(json!({"chat_id": "x", "from_message_id": "3000000000000000007"}))
            .unwrap();
    assert_eq!(n.from_message_id, Some(3_000_000_000_000_000_007));
    assert_eq!(n.from_message_id, s.from_message_id);
    assert!(serde_json::from_value::<ChatHistoryRequest>(json!({"from_message_id": "x"})).is_err());
}

#[test]
fn authors_including_the_cyrillic_spelling() {
    assert_eq!(Author::parse("customer"), Author::Customer);
    assert_eq!(Author::parse("Сustomer"), Author::Customer, "Cyrillic С");
    assert_eq!(Author::parse("SELLER"), Author::Seller);
    assert_eq!(Author::parse("crm"), Author::Other);
    assert_eq!(Author::parse(""), Author::Other);
}

#[test]
fn error_bodies_in_both_published_shapes() {
    let arr: RpcStatus =
        serde_json::from_str(r#"{"code": 3, "message": "bad", "details": []}"#).unwrap();
    let text: RpcStatus =
        serde_json::from_str(r#"{"code": "5", "message": "gone", "details": "x"}"#).unwrap();
    assert_eq!((arr.code, text.code), (3, 5));
    let limited: RpcStatus = serde_json::from_str(&format!(
        r#"{{"code": 8, "message": "{RATE_LIMIT_MESSAGE}"}}"#
    ))
    .unwrap();
    assert_eq!(limited.code, code::RESOURCE_EXHAUSTED);
}
