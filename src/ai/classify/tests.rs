use super::*;
use crate::ai::intent::SentimentLabel;
use chrono::TimeZone;

fn review(stars: u8, text: &str) -> Classification {
    classify(Channel::Review, Rating::new(stars), text)
}

#[test]
fn lexicons_compile() {
    let m = build_model().unwrap();
    assert_eq!(
        m.intents.len(),
        14,
        "every intent but `other` has a lexicon"
    );
    assert!(!m.care.is_empty());
    assert_eq!(m.escalations.len(), 5, "all but mass_defect come from text");
}

#[test]
fn five_star_praise_is_thanks() {
    let c = review(5, "Отличный плед, очень мягкий! Рекомендую.");
    assert_eq!(c.intent, Intent::Thanks);
    assert_eq!(c.sentiment.label, SentimentLabel::Positive);
    assert!(c.escalations.is_empty());
}

#[test]
fn defect_beats_refund_request() {
    let c = review(1, "Сломался через неделю, хочу вернуть деньги");
    assert_eq!(c.intent, Intent::DefectNotWorking, "{c:?}");
    assert_eq!(c.sentiment.label, SentimentLabel::Negative);
}

#[test]
fn more_cues_mean_more_confidence() {
    let one = review(1, "Перестал работать.");
    let many = review(
        1,
        "Перестал работать, не включается, индикатор не горит. Брак.",
    );
    assert_eq!(one.intent, Intent::DefectNotWorking);
    assert_eq!(many.intent, Intent::DefectNotWorking);
    assert!(many.intent_confidence > one.intent_confidence);
    let nothing = classify(Channel::Chat, None, "Добрый день");
    assert_eq!(nothing.intent, Intent::Other);
    assert!(nothing.intent_confidence < one.intent_confidence);
}

#[test]
fn negation_is_respected() {
    let c = review(
        5,
        "Ручка не нагревается, ничего не пригорает, не сломалась за год",
    );
    assert_eq!(c.intent, Intent::Thanks, "{c:?}");
}

#[test]
fn care_words_depend_on_channel() {
    let q = classify(Channel::Question, None, "Можно стирать в машинке?");
    assert_eq!(q.intent, Intent::ProductSpec);
    let chat = classify(Channel::Chat, None, "Как правильно стирать?");
    assert_eq!(chat.intent, Intent::UsageHowto);
}

#[test]
fn unmatched_question_is_pre_purchase() {
    // A vague question the corpus never saw: taken as pre-purchase, without conviction.
    let q = classify(Channel::Question, None, "И что скажете?");
    assert_eq!(q.intent, Intent::PrePurchase);
    assert!(q.intent_confidence < 0.5);
}

#[test]
fn escalations_carry_evidence() {
    let c = review(1, "Буду писать в Роспотребнадзор, у ребёнка аллергия");
    assert_eq!(
        c.escalations,
        [Escalation::HealthAllergy, Escalation::Legal]
    );
    assert!(c.evidence.iter().any(|e| e.matched == "Роспотребнадзор"));
    assert!(escalation_requires_human(&c));
}

#[test]
fn mass_defect_counts_within_window() {
    let now = Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap();
    let p = MassDefectPolicy::default();
    let days = |d: i64| now - Duration::days(d);
    assert!(!mass_defect(&[days(0), days(1)], now, &p));
    assert!(mass_defect(&[days(0), days(1), days(2)], now, &p));
    assert!(!mass_defect(&[days(0), days(1), days(5)], now, &p));
    let strict = MassDefectPolicy {
        min_complaints: 2,
        window: Duration::days(1),
    };
    assert!(mass_defect(&[now, now - Duration::hours(3)], now, &strict));
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, r#"{"min_complaints":3,"window":72}"#);
}
