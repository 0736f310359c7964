//! The drafts learn from the seller (issue #18, item 5): a scripted seller who always
//! edits drafts the same way (deletes one phrase, adds a sign-off) needs far less editing
//! after a few replies. Real store, real sync from the simulator, the real drafter
//! (`DraftInputs` as the preparation reads them) and the real send path
//! (`prepare::enqueue_checked`, which is where learning happens).

mod common;

use agentiq::ai::offline_draft;
use agentiq::domain::{Channel, InteractionId};
use agentiq::learning::phrases::sentences;
use agentiq::outbox::{edit_distance, Actor, EnqueueOutcome, ReplyRequest, SentDraft};
use agentiq::prepare::enqueue_checked;
use agentiq::prepare::DraftInputs;
use agentiq::store::{self, QueueFilter};
use chrono::Utc;

/// The phrase the seller deletes wherever a draft has it (a shipped review closing).
const DELETED: &str = "Хорошего дня!";
/// The sign-off the seller adds to every reply.
const SIGN_OFF: &str = "С уважением, команда магазина «Уютный дом».";

/// What the scripted seller sends for a draft.
fn seller_edit(draft: &str) -> String {
    let mut kept: Vec<String> = sentences(draft)
        .into_iter()
        .filter(|s| s != DELETED && s != SIGN_OFF)
        .collect();
    kept.push(SIGN_OFF.to_string());
    kept.join(" ")
}

type World = common::SyncedShop;

async fn synced_shop() -> World {
    common::synced_wb_reviews().await
}

fn open_reviews(w: &World) -> Vec<InteractionId> {
    let reader = w.store.reader().unwrap();
    store::queue_page(&reader, &QueueFilter::default(), 0, 500)
        .unwrap()
        .into_iter()
        .filter(|r| r.channel == Channel::Review)
        .map(|r| r.id)
        .collect()
}

fn draft(w: &World, id: InteractionId) -> String {
    let reader = w.store.reader().unwrap();
    let inputs = DraftInputs::load(&reader, id).unwrap().unwrap();
    offline_draft(&inputs.context(), 0).text
}

const REPLIES: usize = 24;
const WINDOW: usize = 6;

#[tokio::test]
async fn a_seller_who_edits_the_same_way_edits_half_as_much_after_a_few_replies() {
    let w = synced_shop().await;
    let items = open_reviews(&w);
    assert!(items.len() >= REPLIES, "only {} open reviews", items.len());
    let mut distances = Vec::new();
    let mut last_drafts = Vec::new();
    for (n, id) in items.into_iter().take(REPLIES).enumerate() {
        let draft = draft(&w, id);
        let sent = seller_edit(&draft);
        distances.push(edit_distance(&draft, &sent));
        if n >= REPLIES - WINDOW {
            last_drafts.push(draft.clone());
        }
        let outcome = enqueue_checked(
            &w.store,
            &w.writer,
            ReplyRequest {
                interaction_id: id,
                text: sent.clone(),
                idempotency_key: format!("learn-{}", id.0),
                draft: Some(SentDraft {
                    id: None,
                    text: draft,
                    source: "template".into(),
                }),
                override_block: false,
                actor: Actor::Human,
                undo_until: None,
                shadow: false,
            },
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(
            matches!(outcome, EnqueueOutcome::Queued { .. }),
            "{sent}: {outcome:?}"
        );
    }
    let mean = |d: &[f64]| d.iter().sum::<f64>() / d.len() as f64;
    let first = mean(&distances[..WINDOW]);
    let last = mean(&distances[REPLIES - WINDOW..]);
    eprintln!("edit distance: first {WINDOW} replies {first:.3}, last {WINDOW} {last:.3}");
    assert!(first > 0.05, "the seller did edit at first: {distances:?}");
    assert!(
        last <= first * 0.5,
        "at least 50% less editing after {REPLIES} replies: {distances:?}"
    );
    let reader = w.store.reader().unwrap();
    let learnt = agentiq::learning::Learnt::load(&reader, 1).unwrap();
    let has = |kind: &str, phrase: &str| {
        learnt
            .phrases
            .iter()
            .any(|p| p.kind == kind && p.phrase == phrase && p.seen >= 2)
    };
    assert!(has("avoid", DELETED), "{:#?}", learnt.phrases);
    assert!(has("closing", SIGN_OFF), "{:#?}", learnt.phrases);
    // The LLM is told the same habits.
    let next = open_reviews(&w)[0];
    let inputs = DraftInputs::load(&reader, next).unwrap().unwrap();
    let prompt = agentiq::ai::llm::system_prompt(&inputs.context());
    assert!(prompt.contains("Привычки продавца"), "{prompt}");
    assert!(prompt.contains(&format!("«{DELETED}»")), "{prompt}");
    assert!(prompt.contains(&format!("«{SIGN_OFF}»")), "{prompt}");
    for d in &last_drafts {
        assert!(d.ends_with(SIGN_OFF), "{d}");
        assert!(!sentences(d).iter().any(|s| s == DELETED), "{d}");
    }
}
