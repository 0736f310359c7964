//! Offline drafts over every demo item: safe, named, varied, placeholder-free.

mod ai_demo;

use std::collections::HashSet;

use agentiq::ai::guardrails::{check, placeholders, CheckContext, Level, Rule};
use agentiq::ai::normalize::cyrillic_share;
use agentiq::ai::{
    draft_for, offline_draft, short_product_name, CustomerHistory, DraftContext, DraftSource,
    Escalation, TemplateSet,
};
use agentiq::domain::Channel;

/// Draft every item of a demo in queue order, feeding back the last answers as "recent"
/// the way a seller working through the queue would.
fn draft_all(demo: &ai_demo::Demo, with_recent: bool) -> Vec<(usize, String)> {
    let mut recent: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, it) in demo.items.iter().enumerate() {
        let mut ctx = DraftContext::new(&it.interaction, &it.thread);
        if let Some(p) = &it.product {
            ctx = ctx.with_product(p);
        }
        if with_recent {
            ctx = ctx.with_recent_answers(&recent);
        }
        let d = offline_draft(&ctx, 0);
        let customer = ctx.customer_text();
        let v = check(&d.text, &ctx.check_context(&customer));
        assert_ne!(
            v.level,
            Level::Block,
            "item {i} ({}): {}\n{v:#?}",
            it.kind,
            d.text
        );
        if with_recent {
            assert!(
                !v.has(Rule::NearDuplicate),
                "item {i}: repeats a recent answer: {}",
                d.text
            );
        }
        out.push((i, d.text.clone()));
        recent.insert(0, d.text);
        recent.truncate(30);
    }
    out
}

#[test]
fn every_demo_item_gets_a_safe_named_placeholder_free_draft() {
    for demo in ai_demo::both() {
        for (i, text) in draft_all(&demo, true) {
            let it = &demo.items[i];
            let (min, max) = it.interaction.channel.reply_length(demo.marketplace);
            let n = text.chars().count();
            assert!(n >= min && n <= max, "item {i}: length {n}");
            assert!(
                placeholders(&text).is_empty(),
                "item {i}: placeholder in {text}"
            );
            assert!(
                !text.contains(['{', '}', '[', ']', '<', '>']),
                "item {i}: {text}"
            );
            assert!(cyrillic_share(&text) > 0.8, "item {i}: not Russian: {text}");
            assert_eq!(text, text.trim(), "item {i}: untrimmed");
            assert!(!text.contains("  "), "item {i}: double space in {text}");
            if let Some(p) = &it.product {
                let short = short_product_name(&p.name);
                assert!(
                    text.contains(&short),
                    "item {i} ({}) does not name {short}: {text}",
                    it.kind
                );
            }
            if let Some(name) = &it.interaction.customer_name {
                assert!(
                    text.contains(name.as_str()),
                    "item {i}: no greeting by name: {text}"
                );
            }
        }
    }
}

#[test]
fn no_two_wb_review_drafts_are_identical() {
    let demo = ai_demo::wb();
    let reviews: Vec<usize> = demo
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.interaction.channel == Channel::Review)
        .map(|(i, _)| i)
        .collect();
    assert!(reviews.len() >= 135, "{}", reviews.len());
    // Each item on its own (no recent answers known): still all different.
    let mut seen = HashSet::new();
    let mut previous = String::new();
    for &i in &reviews {
        let it = &demo.items[i];
        let mut ctx = DraftContext::new(&it.interaction, &it.thread);
        if let Some(p) = &it.product {
            ctx = ctx.with_product(p);
        }
        let text = offline_draft(&ctx, 0).text;
        assert_ne!(text, previous, "item {i} repeats the previous draft");
        assert!(
            seen.insert(text.clone()),
            "item {i}: duplicate draft {text}"
        );
        previous = text;
    }
    // In queue order with recent answers: all different too.
    let texts: Vec<String> = draft_all(&demo, true).into_iter().map(|(_, t)| t).collect();
    let unique: HashSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len());
}

#[test]
fn consecutive_variants_of_one_item_differ() {
    for demo in ai_demo::both() {
        for it in demo.items.iter().take(80) {
            let mut ctx = DraftContext::new(&it.interaction, &it.thread);
            if let Some(p) = &it.product {
                ctx = ctx.with_product(p);
            }
            let drafts: Vec<String> = (0..4).map(|v| offline_draft(&ctx, v).text).collect();
            for w in drafts.windows(2) {
                assert_ne!(w[0], w[1], "{}", it.interaction.text);
            }
            // Deterministic: the same variant gives the same text.
            assert_eq!(offline_draft(&ctx, 2).text, drafts[2]);
        }
    }
}

#[test]
fn draft_for_keeps_working_without_a_product_card() {
    let demo = ai_demo::wb();
    for it in demo.items.iter().take(40) {
        let d = draft_for(&it.interaction, &it.thread, 0);
        assert_eq!(d.source, DraftSource::Template);
        assert!(d.prompt_version.is_none());
        assert!((0.0..=1.0).contains(&d.confidence));
        let name = it
            .interaction
            .product
            .as_ref()
            .and_then(|p| p.name.clone())
            .unwrap();
        assert!(d.text.contains(&short_product_name(&name)), "{}", d.text);
        assert_ne!(d.text, draft_for(&it.interaction, &it.thread, 1).text);
    }
}

#[test]
fn anonymous_customers_get_a_neutral_greeting() {
    let demo = ai_demo::wb();
    let it = demo
        .items
        .iter()
        .find(|it| {
            it.interaction.customer_name.is_none() && it.interaction.channel == Channel::Question
        })
        .expect("an anonymous question");
    let mut interaction = it.interaction.clone();
    for name in [None, Some("Покупатель".to_string()), Some("  ".to_string())] {
        interaction.customer_name = name;
        let text = draft_for(&interaction, &[], 0).text;
        assert!(
            ["Здравствуйте", "Добрый день", "Приветствуем"]
                .iter()
                .any(|g| text.starts_with(g)),
            "{text}"
        );
        assert!(!text.contains("Покупатель,"), "{text}");
    }
}

fn find<'a>(demo: &'a ai_demo::Demo, needle: &str) -> &'a ai_demo::Item {
    demo.items
        .iter()
        .find(|it| it.interaction.text.contains(needle))
        .unwrap_or_else(|| panic!("no demo item with «{needle}»"))
}

#[test]
fn questions_quote_the_characteristic_asked_about() {
    let demo = ai_demo::wb();
    for (needle, value) in [
        ("Какая длина шнура?", "0,75 м"),
        ("На какую площадь рассчитан?", "до 25 м²"),
        ("Какой объём у каждого контейнера?", "370, 640 и 1040 мл"),
    ] {
        let it = find(&demo, needle);
        let ctx = DraftContext::new(&it.interaction, &it.thread)
            .with_product(it.product.as_ref().unwrap());
        let d = offline_draft(&ctx, 0);
        assert!(d.text.contains(value), "{needle}: {}", d.text);
        let without = offline_draft(&DraftContext::new(&it.interaction, &it.thread), 0);
        assert!(
            d.confidence > without.confidence,
            "a quoted spec is worth more confidence"
        );
    }
}

#[test]
fn a_return_is_mentioned_only_when_the_customer_asked() {
    let demo = ai_demo::wb();
    let asked = find(&demo, "Хочу обменять или вернуть деньги");
    let ctx =
        DraftContext::new(&asked.interaction, &[]).with_product(asked.product.as_ref().unwrap());
    let text = offline_draft(&ctx, 0).text;
    assert!(text.contains("возврат"), "{text}");
    assert!(text.contains("Wildberries"), "{text}");
    let not_asked = find(&demo, "Через месяц отслоилось затемняющее покрытие");
    for v in 0..6 {
        let ctx = DraftContext::new(&not_asked.interaction, &[])
            .with_product(not_asked.product.as_ref().unwrap());
        let text = offline_draft(&ctx, v).text;
        assert!(!text.to_lowercase().contains("возврат"), "{text}");
    }
}

#[test]
fn customer_history_shows_in_the_draft() {
    let demo = ai_demo::wb();
    let happy = find(&demo, "Кошка одобрила");
    let returning = CustomerHistory {
        previous_interactions: 3,
        previous_positive: 2,
        ..CustomerHistory::default()
    };
    let ctx = DraftContext::new(&happy.interaction, &[]).with_history(&returning);
    let lines = &TemplateSet::defaults().common.history.returning;
    let text = offline_draft(&ctx, 0).text;
    assert!(lines.iter().any(|l| text.contains(l.as_str())), "{text}");

    let angry = find(&demo, "После первой же стирки появились катышки");
    let complained = CustomerHistory {
        previous_interactions: 2,
        previous_complaints: 1,
        ..CustomerHistory::default()
    };
    let ctx = DraftContext::new(&angry.interaction, &[]).with_history(&complained);
    let lines = &TemplateSet::defaults().common.history.repeat_complaint;
    let text = offline_draft(&ctx, 0).text;
    assert!(lines.iter().any(|l| text.contains(l.as_str())), "{text}");
}

#[test]
fn escalated_items_get_cautious_low_confidence_drafts() {
    let demo = ai_demo::wb();
    let it = find(&demo, "Буду писать в Роспотребнадзор");
    let ctx = DraftContext::new(&it.interaction, &[]).with_product(it.product.as_ref().unwrap());
    let cls = ctx.classification();
    assert!(cls.escalations.contains(&Escalation::Legal));
    assert!(cls.escalations.contains(&Escalation::HealthAllergy));
    let d = offline_draft(&ctx, 0);
    assert!(d.confidence <= 0.3);
    let bodies = &TemplateSet::defaults().review.escalation["health_allergy"].bodies;
    let product = short_product_name(&it.product.as_ref().unwrap().name);
    assert!(
        bodies
            .iter()
            .any(|b| d.text.contains(&b.replace("{product}", &product))),
        "{}",
        d.text
    );
}

#[test]
fn approved_answers_are_reused_and_adapted() {
    let demo = ai_demo::wb();
    let approved = ai_demo::approved(&demo);
    assert!(approved.len() >= 10);
    // The same customer text from another customer, on the same product.
    let source = demo
        .items
        .iter()
        .find(|it| it.answer.is_some() && it.interaction.customer_name.as_deref() == Some("Анна"))
        .unwrap();
    let mut item = source.interaction.clone();
    item.external_id = "wb-new-1".into();
    item.customer_name = Some("Ольга".into());
    let ctx = DraftContext::new(&item, &[])
        .with_product(source.product.as_ref().unwrap())
        .with_approved(&approved);
    let d = offline_draft(&ctx, 0);
    assert_eq!(d.source, DraftSource::Reuse, "{}", d.text);
    assert!(d.text.starts_with("Ольга,"), "{}", d.text);
    assert!(!d.text.contains("Анна"));
    assert!(d.confidence > 0.8);
    // The next variant moves on to templates, and differs.
    let next = offline_draft(&ctx, 1);
    assert_eq!(next.source, DraftSource::Template);
    assert_ne!(next.text, d.text);
    // Having just sent that answer, reusing it would repeat it: templates instead.
    let recent = vec![source.answer.clone().unwrap()];
    let ctx = ctx.with_recent_answers(&recent);
    assert_eq!(offline_draft(&ctx, 0).source, DraftSource::Template);
    // An unrelated text does not reuse anything.
    let other = find(&demo, "Кошка одобрила");
    let ctx = DraftContext::new(&other.interaction, &[]).with_approved(&approved);
    assert_eq!(offline_draft(&ctx, 0).source, DraftSource::Template);
}

#[test]
fn banned_phrases_keep_out_of_drafts() {
    let demo = ai_demo::wb();
    let banned = vec!["спасибо за отзыв".to_string(), "хорошего дня".to_string()];
    for it in demo
        .items
        .iter()
        .filter(|it| it.interaction.channel == Channel::Review)
        .take(60)
    {
        let mut ctx = DraftContext::new(&it.interaction, &[]).with_banned_phrases(&banned);
        if let Some(p) = &it.product {
            ctx = ctx.with_product(p);
        }
        let d = offline_draft(&ctx, 0);
        let lower = d.text.to_lowercase();
        assert!(
            !lower.contains("спасибо за отзыв") && !lower.contains("хорошего дня"),
            "{}",
            d.text
        );
        let customer = ctx.customer_text();
        let v = check(
            &d.text,
            &CheckContext::new(Channel::Review, demo.marketplace, &customer)
                .with_banned_phrases(&banned),
        );
        assert_ne!(v.level, Level::Block);
    }
}

#[test]
fn a_name_that_trips_a_guardrail_is_dropped_not_sent() {
    let demo = ai_demo::wb();
    let it = find(&demo, "Кошка одобрила");
    let mut item = it.interaction.clone();
    item.customer_name = Some("Бот".into());
    let d = draft_for(&item, &[], 0);
    assert!(!d.text.contains("Бот"), "{}", d.text);
}
