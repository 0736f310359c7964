//! The offline AI per item, over every customer text of the two demo shops (reviews,
//! questions, chat messages): classification, the offline draft, and the guardrail check
//! of a reply (the shop's own answer where the demo has one, else the draft; with 30
//! recent answers and the default banned phrases, as background preparation checks).
//! The baseline is tokenising the same text, the pass every rule builds on.
//!
//! `cargo bench --bench ai`

mod common;

use std::hint::black_box;
use std::time::Instant;

use agentiq::ai::guardrails::{check, default_banned_phrases, CheckContext, ReplyGuard};
use agentiq::ai::normalize::tokenize;
use agentiq::ai::{classify, offline_draft, DraftContext};
use agentiq::domain::{
    AnswerState, Channel, ChatMessage, Interaction, InteractionId, Marketplace, ProductRef, Rating,
    Sender,
};
use agentiq::simulator::DemoShop;
use common::{Goal, Line};

struct Item {
    interaction: Interaction,
    thread: Vec<ChatMessage>,
    reply: Option<String>,
    /// What the editor holds for the item, and a 1000-character reply to check.
    editor: Option<(ReplyGuard, String)>,
}

fn interaction(
    shop: &DemoShop,
    channel: Channel,
    product: Option<i64>,
    rating: Option<u8>,
    text: &str,
    author: Option<&str>,
) -> Interaction {
    let now = common::anchor();
    let product = product.and_then(|id| shop.product(id)).map(|p| ProductRef {
        external_id: p.id.to_string(),
        name: Some(p.name.clone()),
        brand: Some(p.brand.clone()),
    });
    Interaction {
        id: InteractionId(1),
        account_id: 1,
        account_name: shop.shop.name.clone(),
        marketplace: shop.shop.marketplace,
        channel,
        external_id: "x".into(),
        product,
        customer_name: author.map(str::to_string),
        text: text.to_string(),
        pros: None,
        cons: None,
        photos: 0,
        rating: rating.and_then(Rating::new),
        created_at: now,
        waiting_since: now,
        state: AnswerState::Open,
        answer: None,
        at_risk_at: now,
        due_at: now,
        reply_handle: None,
    }
}

fn items() -> Vec<Item> {
    let mut items = Vec::new();
    for shop in [DemoShop::wb().unwrap(), DemoShop::ozon().unwrap()] {
        for r in shop.reviews.iter().chain(&shop.incoming_reviews) {
            items.push(Item {
                interaction: interaction(
                    &shop,
                    Channel::Review,
                    Some(r.product),
                    Some(r.rating),
                    &r.text,
                    r.author.as_deref(),
                ),
                thread: Vec::new(),
                reply: r.answer.clone(),
                editor: None,
            });
        }
        for q in shop.questions.iter().chain(&shop.incoming_questions) {
            items.push(Item {
                interaction: interaction(
                    &shop,
                    Channel::Question,
                    Some(q.product),
                    None,
                    &q.text,
                    q.author.as_deref(),
                ),
                thread: Vec::new(),
                reply: q.answer.clone(),
                editor: None,
            });
        }
        for chat in &shop.chats {
            let thread: Vec<ChatMessage> = chat
                .messages
                .iter()
                .enumerate()
                .map(|(i, m)| ChatMessage {
                    external_id: i.to_string(),
                    sender: if m.from == "seller" {
                        Sender::Seller
                    } else {
                        Sender::Buyer
                    },
                    text: m.text.clone(),
                    sent_at: common::anchor(),
                })
                .collect();
            let text = thread
                .iter()
                .filter(|m| m.sender == Sender::Buyer)
                .map(|m| m.text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            items.push(Item {
                interaction: interaction(
                    &shop,
                    Channel::Chat,
                    chat.product,
                    None,
                    &text,
                    Some(&chat.client_name),
                ),
                thread,
                reply: None,
                editor: None,
            });
        }
    }
    items
}

fn main() {
    let mut c = common::criterion();
    let mut items = items();
    let count = items.len() as u64;
    let banned = default_banned_phrases();
    let recent: Vec<String> = items
        .iter()
        .filter_map(|i| i.reply.clone())
        .take(30)
        .collect();
    for item in &mut items {
        if item.reply.is_none() {
            let ctx = DraftContext::new(&item.interaction, &item.thread);
            item.reply = Some(offline_draft(&ctx, 0).text);
        }
        let base = item.reply.clone().unwrap_or_default();
        let long: String =
            std::iter::repeat_n(format!("{base} "), 1000 / base.chars().count().max(1) + 1)
                .collect::<String>()
                .chars()
                .take(1000)
                .collect();
        let guard = ReplyGuard::new(
            item.interaction.channel,
            item.interaction.marketplace,
            item.interaction.text.clone(),
            banned.clone(),
            Vec::new(),
        );
        item.editor = Some((guard, long));
    }
    fn check_ctx<'a>(
        item: &'a Item,
        recent: &'a [String],
        banned: &'a [String],
    ) -> CheckContext<'a> {
        CheckContext::new(
            item.interaction.channel,
            item.interaction.marketplace,
            &item.interaction.text,
        )
        .with_recent_answers(recent)
        .with_banned_phrases(banned)
    }
    eprintln!(
        "{count} demo items, {} WB",
        items
            .iter()
            .filter(|i| i.interaction.marketplace == Marketplace::Wb)
            .count()
    );

    let mut group = c.benchmark_group("ai");
    // Each measurement is a pass over every item, recorded per item.
    let mut per_item = |name: &str, f: &dyn Fn(&Item)| {
        let id = format!("ai/{name}");
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                for _ in 0..iters {
                    for item in &items {
                        f(item);
                    }
                }
                common::record(&id, started.elapsed(), iters * count)
            })
        });
    };
    per_item("tokenize text", &|i| {
        black_box(tokenize(&i.interaction.text));
    });
    per_item("tokenize reply", &|i| {
        black_box(tokenize(i.reply.as_deref().unwrap_or_default()));
    });
    per_item("classify", &|i| {
        black_box(classify(
            i.interaction.channel,
            i.interaction.rating,
            &i.interaction.text,
        ));
    });
    per_item("offline draft", &|i| {
        black_box(offline_draft(
            &DraftContext::new(&i.interaction, &i.thread)
                .with_recent_answers(&recent)
                .with_banned_phrases(&banned),
            0,
        ));
    });
    per_item("guardrails check", &|i| {
        black_box(check(
            i.reply.as_deref().unwrap_or_default(),
            &check_ctx(i, &recent, &banned),
        ));
    });
    per_item("guardrails check, no recent answers", &|i| {
        let ctx = CheckContext::new(
            i.interaction.channel,
            i.interaction.marketplace,
            &i.interaction.text,
        )
        .with_banned_phrases(&banned);
        black_box(check(i.reply.as_deref().unwrap_or_default(), &ctx));
    });
    // What the reply editor runs on every keystroke: the rules that need nothing from the
    // store (no recent answers) on a 1000-character reply, with the context it holds.
    per_item("editor check, 1000-char reply", &|i| {
        if let Some((guard, reply)) = &i.editor {
            black_box(guard.check(reply));
        }
    });
    per_item("classify + draft + check", &|i| {
        let c = classify(
            i.interaction.channel,
            i.interaction.rating,
            &i.interaction.text,
        );
        let ctx = DraftContext::new(&i.interaction, &i.thread)
            .with_recent_answers(&recent)
            .with_banned_phrases(&banned)
            .with_classification(&c);
        let draft = offline_draft(&ctx, 0);
        black_box(check(&draft.text, &check_ctx(i, &recent, &banned)));
    });
    group.finish();
    c.final_summary();
    common::report(
        "ai",
        &[
            Line::new(
                "classification per item vs tokenising its text",
                "ai/classify",
                "ai/tokenize text",
                Goal::None,
            ),
            Line::new(
                "offline draft per item vs tokenising the text",
                "ai/offline draft",
                "ai/tokenize text",
                Goal::None,
            ),
            Line::new(
                "guardrails check per reply vs tokenising the reply",
                "ai/guardrails check",
                "ai/tokenize reply",
                Goal::None,
            ),
            Line::new(
                "guardrails check per reply: with 30 recent answers vs without",
                "ai/guardrails check",
                "ai/guardrails check, no recent answers",
                Goal::None,
            ),
            Line::new(
                "classify + draft + check per item vs tokenising the text",
                "ai/classify + draft + check",
                "ai/tokenize text",
                Goal::None,
            ),
        ],
    );
}
