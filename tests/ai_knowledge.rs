//! Drafts and the LLM prompt with the seller's knowledge base and the customer's
//! history: which entry a draft quotes and when it quotes none.

use agentiq::ai::llm::{system_prompt, user_prompt};
use agentiq::ai::{offline_draft, CustomerHistory, DraftContext};
use agentiq::domain::{
    AnswerState, Channel, Interaction, InteractionId, Marketplace, ProductRef, Rating,
};
use agentiq::kb::{parse_markdown, parse_toml, Entry};
use chrono::{TimeZone, Utc};

fn item(channel: Channel, stars: Option<u8>, text: &str) -> Interaction {
    let t = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    Interaction {
        id: InteractionId(7),
        account_id: 1,
        account_name: "Уютный дом".into(),
        marketplace: Marketplace::Wb,
        channel,
        external_id: format!("kb-{channel}-{}", text.len()),
        product: Some(ProductRef {
            external_id: "146972802".into(),
            name: Some("Плед флисовый 150×200, серый".into()),
            brand: None,
        }),
        customer_name: Some("Анна".into()),
        text: text.into(),
        pros: None,
        cons: None,
        photos: 0,
        rating: stars.and_then(Rating::new),
        created_at: t,
        waiting_since: t,
        state: AnswerState::Open,
        answer: None,
        at_risk_at: t,
        due_at: t,
        reply_handle: None,
    }
}

fn base() -> Vec<Entry> {
    let mut entries = parse_markdown(
        "care.md",
        "## Уход за пледом\nСтирать при 30 °C в деликатном режиме. Не отбеливать.\n\n\
         ## Уход за подушками\nСтирать при 40 °C, отжим до 600 оборотов.\n",
        "care",
    )
    .unwrap();
    entries.extend(
        parse_toml(
            "warranty.toml",
            "[[entry]]\ntitle = \"Гарантия на текстиль\"\ntext = \"Гарантия на пледы и подушки — \
             6 месяцев со дня получения. Если изделие расползлось по шву, пришлите фото в \
             личном кабинете маркетплейса.\"\n",
        )
        .unwrap(),
    );
    entries
}

#[test]
fn a_question_the_base_answers_gets_the_entry_and_says_which() {
    let entries = base();
    let question = item(
        Channel::Question,
        None,
        "Как стирать плед? В машинке можно?",
    );
    let ctx = DraftContext::new(&question, &[]).with_knowledge(&entries);
    let d = offline_draft(&ctx, 0);
    assert!(
        d.text
            .contains("стирать при 30 °C в деликатном режиме. Не отбеливать."),
        "{}",
        d.text
    );
    assert!(
        d.text.contains("«Плед флисовый 150×200»"),
        "names the product: {}",
        d.text
    );
    assert!(
        d.reasons
            .contains(&"база знаний: «Уход за пледом»".to_string()),
        "{:?}",
        d.reasons
    );
    // Another variant, another wording around the same answer.
    let other = offline_draft(&ctx, 1);
    assert_ne!(other.text, d.text);
    assert!(other.text.contains("30 °C"));
    // Without the base: no such sentence, lower confidence.
    let plain = offline_draft(&DraftContext::new(&question, &[]), 0);
    assert!(!plain.text.contains("30 °C"));
    assert!(
        plain.confidence < d.confidence,
        "{} vs {}",
        plain.confidence,
        d.confidence
    );
}

#[test]
fn complaints_get_terms_never_care_rules_and_praise_gets_nothing() {
    let entries = base();
    let faded = item(
        Channel::Review,
        Some(2),
        "Плед после стирки при 30 градусах весь в катышках, расползся по шву",
    );
    let d = offline_draft(&DraftContext::new(&faded, &[]).with_knowledge(&entries), 0);
    assert!(
        !d.text.contains("Не отбеливать"),
        "no care lecture: {}",
        d.text
    );
    assert!(
        !d.reasons.iter().any(|r| r.contains("Уход")),
        "{:?}",
        d.reasons
    );

    let praise = item(
        Channel::Review,
        Some(5),
        "Отличный плед, стирала уже три раза",
    );
    let d = offline_draft(&DraftContext::new(&praise, &[]).with_knowledge(&entries), 0);
    assert!(
        !d.reasons.iter().any(|r| r.starts_with("база знаний")),
        "{:?}",
        d.reasons
    );
}

#[test]
fn the_prompt_carries_the_entries_and_the_customer_history() {
    let entries = base();
    let question = item(Channel::Question, None, "Какая гарантия на плед?");
    let history = CustomerHistory {
        previous_interactions: 2,
        previous_complaints: 1,
        previous_positive: 1,
        summary: Some("раньше: 2 отзыва; оценки по порядку: 5★ 2★; жалоб: 1".into()),
    };
    let ctx = DraftContext::new(&question, &[])
        .with_knowledge(&entries)
        .with_history(&history);
    let user = user_prompt(&ctx, 3);
    assert!(user.contains("\"база_знаний\""), "{user}");
    assert!(
        user.contains("\"запись\": \"Гарантия на текстиль\""),
        "{user}"
    );
    let first = user.find("Гарантия на текстиль").unwrap();
    if let Some(care) = user.find("Уход за пледом") {
        assert!(first < care, "the warranty entry first");
    }
    assert!(user.contains("\"кратко\": \"раньше: 2 отзыва"), "{user}");
    assert!(user.contains("\"жалоб_раньше\": 1"), "{user}");
    let system = system_prompt(&ctx);
    assert!(system.contains("база_знаний") && system.contains("история_покупателя"));
}
