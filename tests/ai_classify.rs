//! The offline classifier: every intent with inflected Russian, escalations, confidence,
//! mass defects, and the `classify` / `check` CLI reports.

mod ai_demo;

use agentiq::ai::{
    check_report, classify, classify_interaction, classify_report, escalation_requires_human,
    is_product_complaint, mass_defect, Escalation, Intent, MassDefectPolicy, SentimentLabel,
};
use agentiq::domain::{Channel, Marketplace, Rating};
use chrono::{Duration, TimeZone, Utc};

fn intent(channel: Channel, stars: Option<u8>, text: &str) -> Intent {
    classify(channel, stars.and_then(Rating::new), text).intent
}

#[test]
fn every_intent_with_inflected_forms() {
    use Channel::{Chat, Question, Review};
    let cases: &[(Intent, Channel, Option<u8>, &str)] = &[
        (
            Intent::DefectNotWorking,
            Review,
            Some(1),
            "Не работает с первого дня",
        ),
        (
            Intent::DefectNotWorking,
            Review,
            Some(1),
            "Перестал работать через неделю",
        ),
        (
            Intent::DefectNotWorking,
            Review,
            Some(2),
            "Сломалась ручка, теперь не закрывается",
        ),
        (
            Intent::DefectNotWorking,
            Chat,
            None,
            "Чайник не включается, индикатор не горит",
        ),
        (
            Intent::DefectNotWorking,
            Review,
            Some(1),
            "СЛОМАЛСЯ через два дня. Брак!",
        ),
        (
            Intent::WrongItem,
            Review,
            Some(1),
            "Пришёл не тот цвет, заказывала серый",
        ),
        (
            Intent::WrongItem,
            Chat,
            None,
            "Прислали другую модель, а заказывал 20000",
        ),
        (
            Intent::WrongItem,
            Review,
            Some(2),
            "Пришло два полотенца вместо трёх",
        ),
        (
            Intent::WrongItem,
            Review,
            Some(1),
            "Некомплект: не хватает трёх деталей",
        ),
        (
            Intent::DeliveryStatus,
            Chat,
            None,
            "Где мой заказ? Когда придёт?",
        ),
        (
            Intent::DeliveryStatus,
            Question,
            None,
            "Сколько дней доставка в Новосибирск?",
        ),
        (
            Intent::DeliveryDelay,
            Review,
            Some(2),
            "Заказ шёл две недели вместо обещанных трёх дней",
        ),
        (
            Intent::DeliveryDelay,
            Chat,
            None,
            "Ждала посылку уже 12 дней, трек стоит на месте",
        ),
        (
            Intent::CancelRequest,
            Chat,
            None,
            "Хочу отменить заказ, передумала",
        ),
        (Intent::CancelRequest, Chat, None, "Как отменить заказ?"),
        (
            Intent::RefundExchange,
            Chat,
            None,
            "Оформил возврат. Когда придут деньги?",
        ),
        (
            Intent::RefundExchange,
            Chat,
            None,
            "Можно обменять на размер побольше? Хочу поменять",
        ),
        (
            Intent::RefundExchange,
            Chat,
            None,
            "Верните деньги за заказ",
        ),
        (
            Intent::Thanks,
            Review,
            Some(5),
            "Отличный плед, очень мягкий! Рекомендую",
        ),
        (Intent::Thanks, Review, Some(5), "Жене понравилось 👍"),
        (
            Intent::Thanks,
            Chat,
            None,
            "Спасибо большое, всё получилось!",
        ),
        (
            Intent::QualityComplaint,
            Review,
            Some(2),
            "Линяют страшно, после стирки катышки",
        ),
        (
            Intent::QualityComplaint,
            Review,
            Some(3),
            "Воняет химией, швы кривые",
        ),
        (
            Intent::QualityComplaint,
            Review,
            Some(2),
            "Покрытие облезло, деньги на ветер",
        ),
        (
            Intent::UsageHowto,
            Chat,
            None,
            "Как подключить браслет к телефону?",
        ),
        (
            Intent::UsageHowto,
            Chat,
            None,
            "Подскажите, как настроить таймер? Что делать?",
        ),
        (Intent::ProductSpec, Question, None, "Какая длина шнура?"),
        (
            Intent::ProductSpec,
            Question,
            None,
            "Какой объём у контейнеров?",
        ),
        (
            Intent::ProductSpec,
            Question,
            None,
            "Можно мыть в посудомоечной машине?",
        ),
        (
            Intent::SizingFit,
            Question,
            None,
            "Какой размер брать при обхвате головы 49 см?",
        ),
        (
            Intent::SizingFit,
            Review,
            Some(4),
            "Маломерит, берите на размер больше",
        ),
        (
            Intent::Availability,
            Question,
            None,
            "Когда будет в наличии синий цвет?",
        ),
        (
            Intent::Availability,
            Question,
            None,
            "Будут ли эти шторы в бежевом цвете?",
        ),
        (
            Intent::Availability,
            Question,
            None,
            "Есть такой же, но побольше?",
        ),
        (
            Intent::Compatibility,
            Question,
            None,
            "Подойдёт ли к iPhone 15?",
        ),
        (
            Intent::Compatibility,
            Question,
            None,
            "Совместимо с Samsung A55?",
        ),
        (
            Intent::Compatibility,
            Question,
            None,
            "Точно подойдёт к индукционной плите?",
        ),
        (
            Intent::PrePurchase,
            Question,
            None,
            "Есть ли подарочная упаковка? Хочу подарить",
        ),
        (
            Intent::PrePurchase,
            Chat,
            None,
            "У вас есть оптовые цены? Нужно штук тридцать",
        ),
        (
            Intent::PrePurchase,
            Question,
            None,
            "А вы сами таким пользуетесь?",
        ),
        (Intent::Other, Chat, None, "Добрый день"),
        (Intent::Other, Review, None, "Ну такое"),
    ];
    let mut covered = std::collections::HashSet::new();
    for (expected, channel, stars, text) in cases {
        assert_eq!(
            intent(*channel, *stars, text),
            *expected,
            "{channel} {stars:?}: {text}"
        );
        covered.insert(*expected);
    }
    assert_eq!(covered.len(), Intent::ALL.len(), "every intent has a case");
}

#[test]
fn rating_and_channel_steer_the_intent() {
    // Praise in a 5-star review is thanks; the same words ironically in a 1-star one are not.
    assert_eq!(
        intent(Channel::Review, Some(5), "Ну спасибо, удружили"),
        Intent::Thanks
    );
    assert_ne!(
        intent(Channel::Review, Some(1), "Ну спасибо, удружили"),
        Intent::Thanks
    );
    // A public question leans pre-purchase; in a chat a bare question is just "other".
    assert_eq!(
        intent(Channel::Question, None, "А это точно вам?"),
        Intent::PrePurchase
    );
    assert_eq!(
        intent(Channel::Chat, None, "А это точно вам?"),
        Intent::Other
    );
    // Care words: a spec question before buying, a how-to in a chat.
    assert_eq!(
        intent(Channel::Question, None, "Можно стирать в машинке?"),
        Intent::ProductSpec
    );
    assert_eq!(
        intent(Channel::Chat, None, "Как правильно стирать?"),
        Intent::UsageHowto
    );
    // Root causes beat the remedy asked for.
    assert_eq!(
        intent(
            Channel::Review,
            Some(1),
            "Задымился и перестал работать. Требую замену или возврат денег"
        ),
        Intent::DefectNotWorking
    );
    // Negation: "не сломался", "не колется", "катышков нет".
    assert_eq!(
        intent(
            Channel::Review,
            Some(5),
            "Год пользуюсь — не сломался, не колется, катышков нет"
        ),
        Intent::Thanks
    );
}

#[test]
fn sentiment_follows_words_rating_and_shouting() {
    let c = classify(Channel::Review, Rating::new(5), "Отлично, рекомендую! 😍");
    assert_eq!(c.sentiment.label, SentimentLabel::Positive);
    let c = classify(
        Channel::Review,
        Rating::new(1),
        "Ужас, брак, деньги на ветер",
    );
    assert_eq!(c.sentiment.label, SentimentLabel::Negative);
    assert!(c.sentiment.score < -0.7);
    let neutral = classify(Channel::Question, None, "Какая длина шнура?");
    assert_eq!(neutral.sentiment.label, SentimentLabel::Neutral);
    let calm = classify(Channel::Chat, None, "чайник не включается");
    let shouted = classify(Channel::Chat, None, "ЧАЙНИК НЕ ВКЛЮЧАЕТСЯ!!!");
    assert!(shouted.sentiment.score < calm.sentiment.score);
}

#[test]
fn confidence_grows_with_evidence() {
    let weak = classify(Channel::Review, Rating::new(3), "Средне.");
    let one = classify(Channel::Review, Rating::new(1), "Перестал работать.");
    let many = classify(
        Channel::Review,
        Rating::new(1),
        "Перестал работать, не включается, индикатор не горит. Брак, сломался.",
    );
    assert!(weak.intent_confidence < one.intent_confidence);
    assert!(one.intent_confidence < many.intent_confidence);
    assert!(many.intent_confidence > 0.8);
    // A close call between two readings is less certain than a clear one.
    let mixed = classify(
        Channel::Chat,
        None,
        "Сломался. Хочу вернуть деньги и обменять",
    );
    let clear = classify(Channel::Chat, None, "Сломался, не включается, не работает");
    assert!(mixed.intent_confidence < clear.intent_confidence);
    for c in [weak, one, many, mixed, clear] {
        assert!((0.0..=1.0).contains(&c.intent_confidence));
    }
}

#[test]
fn escalations_for_items_a_human_must_answer() {
    let cases: &[(&str, Escalation)] = &[
        (
            "У ребёнка аллергия и сыпь после пледа",
            Escalation::HealthAllergy,
        ),
        ("Всё тело чешется, красные пятна", Escalation::HealthAllergy),
        (
            "У сына начался кашель, а у него астма",
            Escalation::HealthAllergy,
        ),
        ("Обжёгся паром", Escalation::HealthAllergy),
        ("Задымился, пахло горелой проводкой", Escalation::Safety),
        ("Стекло лопнуло, осколки по всей кухне", Escalation::Safety),
        (
            "Ребёнок тянет детали в рот — это опасно",
            Escalation::Safety,
        ),
        (
            "Похоже на подделку, логотип кривой",
            Escalation::Counterfeit,
        ),
        ("Это не оригинал, а дешёвая копия", Escalation::Counterfeit),
        ("Если не вернёте деньги, пожалеете", Escalation::Threat),
        ("Буду писать в Роспотребнадзор", Escalation::Legal),
        ("Пойду в суд, все фото у меня есть", Escalation::Legal),
        ("Обращусь к юристу и в прокуратуру", Escalation::Legal),
        (
            "Напишу жалобу в защиту прав потребителей",
            Escalation::Legal,
        ),
    ];
    for (text, e) in cases {
        let c = classify(Channel::Chat, None, text);
        assert!(c.escalations.contains(e), "{text}: {:?}", c.escalations);
        assert!(escalation_requires_human(&c));
        assert!(
            c.evidence.iter().any(|ev| ev.label == e.as_str()),
            "{text}: evidence"
        );
    }
    for text in [
        "Отличный плед, спасибо!",
        "Шея перестала болеть через неделю, сплю отлично",
        "Взяла в детскую по совету педиатра",
        "Судя по отзывам, хороший",
        "Претензий к пошиву нет",
        "Безопасность на высоте, сертификат есть",
    ] {
        let c = classify(Channel::Review, Rating::new(5), text);
        assert!(c.escalations.is_empty(), "{text}: {:?}", c.escalations);
        assert!(!escalation_requires_human(&c));
    }
}

#[test]
fn mass_defect_from_a_products_recent_complaints() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let policy = MassDefectPolicy::default();
    assert_eq!(policy.min_complaints, 3);
    assert_eq!(policy.window, Duration::days(3));
    let hours = |h: i64| now - Duration::hours(h);
    assert!(mass_defect(&[hours(1), hours(20), hours(60)], now, &policy));
    assert!(!mass_defect(
        &[hours(1), hours(20), hours(80)],
        now,
        &policy
    ));
    assert!(!mass_defect(&[], now, &policy));
    // Counting complaints from classified demo reviews of one product (the kettle).
    let demo = ai_demo::wb();
    let kettle: Vec<_> = demo
        .items
        .iter()
        .filter(|it| it.interaction.channel == Channel::Review)
        .filter(|it| {
            it.interaction
                .product
                .as_ref()
                .is_some_and(|p| p.external_id == "175603391")
        })
        .filter(|it| {
            is_product_complaint(
                &classify_interaction(&it.interaction, &[]),
                it.interaction.rating,
            )
        })
        .map(|it| it.interaction.created_at)
        .collect();
    assert!(kettle.len() >= 3, "{}", kettle.len());
    let latest = kettle.iter().max().copied().unwrap();
    assert!(mass_defect(&kettle, latest, &policy));
}

#[test]
fn chats_are_read_from_their_unanswered_messages() {
    let demo = ai_demo::wb();
    let chat = demo
        .items
        .iter()
        .find(|it| {
            it.kind == "incoming_chat_messages" && it.interaction.text.contains("Так что с обменом")
        })
        .expect("Ирина's chat");
    let c = classify_interaction(&chat.interaction, &chat.thread);
    // The last message alone says little; the thread says it is the wrong colour.
    assert!(
        matches!(c.intent, Intent::WrongItem | Intent::RefundExchange),
        "{:?}",
        c.intent
    );
    let vera = demo
        .items
        .iter()
        .find(|it| {
            it.kind == "incoming_chat_messages" && it.interaction.text.contains("пишу жалобу")
        })
        .expect("Вера's chat");
    let c = classify_interaction(&vera.interaction, &vera.thread);
    assert!(c.escalations.contains(&Escalation::Legal));
    assert!(c.escalations.contains(&Escalation::Threat));
}

#[test]
fn demo_items_all_classify_within_bounds() {
    for demo in ai_demo::both() {
        for it in &demo.items {
            let c = classify_interaction(&it.interaction, &it.thread);
            assert!((0.0..=1.0).contains(&c.intent_confidence));
            assert!((-1.0..=1.0).contains(&c.sentiment.score));
        }
    }
}

#[test]
fn cli_reports() {
    let text = classify_report(
        Channel::Review,
        Rating::new(2),
        "Сломался через неделю, пишу в Роспотребнадзор",
        false,
        agentiq::sla::tier_for,
    );
    assert!(text.contains("defect_not_working"), "{text}");
    assert!(text.contains("legal"), "{text}");
    assert!(text.contains("required"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&classify_report(
        Channel::Review,
        Rating::new(5),
        "Отличный плед!",
        true,
        agentiq::sla::tier_for,
    ))
    .unwrap();
    assert_eq!(json["intent"], "thanks");
    assert_eq!(json["sentiment"]["label"], "positive");
    assert_eq!(json["escalations"].as_array().unwrap().len(), 0);

    let (out, code) = check_report(
        Channel::Review,
        Marketplace::Wb,
        "",
        "Спасибо за отзыв!",
        false,
    );
    assert_eq!(code, 0, "{out}");
    let (out, code) = check_report(
        Channel::Question,
        Marketplace::Wb,
        "Чайник течёт",
        "Оформите возврат.",
        false,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unsolicited_return"));
    let (out, code) = check_report(
        Channel::Review,
        Marketplace::Ozon,
        "",
        "Вернём деньги, пишите на wildberries",
        true,
    );
    assert_eq!(code, 2);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["exit_code"], 2);
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "competitor"));
}
