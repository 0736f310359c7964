//! Synthetic data at any scale: realistic Russian items recombined from the demo shops'
//! texts, spread over the past months, deterministic for a seed. A million items build in
//! seconds.

use chrono::{DateTime, Duration, Utc};
use rand::seq::IndexedRandom;
use rand::Rng;

use super::state::{SimAnswer, SimMessage, SimQuestion, SimReview, SimState};

/// Share of generated items per channel: reviews, questions, chat messages.
const REVIEW_SHARE: f64 = 0.6;
const QUESTION_SHARE: f64 = 0.25;

/// How far back generated items go.
const SPAN_DAYS: i64 = 180;

/// Adds `n` items across every account of `state`, older ones mostly answered.
pub fn generate(state: &mut SimState, n: usize, now: DateTime<Utc>) {
    if state.accounts.is_empty() || n == 0 {
        return;
    }
    let accounts = state.accounts.len();
    for i in 0..accounts {
        let share = n / accounts + usize::from(i < n % accounts);
        generate_for(state, i, share, now);
        let account = &mut state.accounts[i];
        account
            .reviews
            .sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        account
            .questions
            .sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    }
}

/// The texts and names an account's generated items are recombined from.
struct Pools {
    products: Vec<i64>,
    /// (rating, text, pros, cons) of every review.
    reviews: Vec<(u8, String, Option<String>, Option<String>)>,
    questions: Vec<String>,
    answers: Vec<String>,
    names: Vec<String>,
    /// The buyers' chat messages.
    chats: Vec<String>,
}

impl Pools {
    /// The account's pools, or `None` when it has too little to recombine.
    fn of(account: &super::state::SimAccount) -> Option<Pools> {
        let pools = Pools {
            products: account.products.iter().map(|p| p.id).collect(),
            reviews: account
                .reviews
                .iter()
                .map(|r| (r.rating, r.text.clone(), r.pros.clone(), r.cons.clone()))
                .chain(
                    account
                        .incoming_reviews
                        .iter()
                        .map(|r| (r.rating, r.text.clone(), r.pros.clone(), r.cons.clone())),
                )
                .collect(),
            questions: account
                .questions
                .iter()
                .map(|q| q.text.clone())
                .chain(account.incoming_questions.iter().map(|q| q.text.clone()))
                .collect(),
            answers: account
                .reviews
                .iter()
                .filter_map(|r| r.answer.as_ref().map(|a| a.text.clone()))
                .collect(),
            names: account
                .reviews
                .iter()
                .filter_map(|r| r.author.clone())
                .collect(),
            chats: account
                .chats
                .iter()
                .flat_map(|c| c.messages.iter().filter(|m| m.from_buyer))
                .map(|m| m.text.clone())
                .collect(),
        };
        let usable =
            !pools.products.is_empty() && !pools.reviews.is_empty() && !pools.names.is_empty();
        usable.then_some(pools)
    }
}

/// What every generated item draws first: its id, product, author, age and whether it is
/// answered by now.
struct Draw {
    id: String,
    product_id: i64,
    name: Option<String>,
    created_at: DateTime<Utc>,
    answered: bool,
}

const DEFAULT_ANSWER: &str = "Спасибо за отзыв! Рады, что вы с нами.";

fn generate_for(state: &mut SimState, i: usize, n: usize, now: DateTime<Utc>) {
    let account = &state.accounts[i];
    let marketplace = account.marketplace;
    let Some(pools) = Pools::of(account) else {
        return;
    };
    let span = Duration::days(SPAN_DAYS).num_seconds();
    for _ in 0..n {
        let age = Duration::seconds(state.rng.random_range(0..span));
        let created_at = now - age;
        // Older items are usually answered by now; the recent ones wait.
        let answered = age > Duration::days(2) && state.rng.random_bool(0.85);
        let roll: f64 = state.rng.random();
        let product_id = *pools
            .products
            .choose(&mut state.rng)
            .unwrap_or(&pools.products[0]);
        let name = pools.names.choose(&mut state.rng).cloned();
        let id = state.new_item_id(marketplace);
        let draw = Draw {
            id,
            product_id,
            name,
            created_at,
            answered,
        };
        if roll < REVIEW_SHARE || pools.questions.is_empty() && pools.chats.is_empty() {
            push_review(state, i, &pools, draw);
        } else if roll < REVIEW_SHARE + QUESTION_SHARE && !pools.questions.is_empty() {
            push_question(state, i, &pools, draw);
        } else {
            push_chat(state, i, &pools, draw, marketplace);
        }
    }
}

/// The seller's answer to a drawn item, when it is answered.
fn answer_for(rng: &mut rand_chacha::ChaCha8Rng, pools: &Pools, draw: &Draw) -> Option<SimAnswer> {
    draw.answered.then(|| SimAnswer {
        text: pools
            .answers
            .choose(rng)
            .map_or(DEFAULT_ANSWER, String::as_str)
            .to_string(),
        state: "wbRu".into(),
        editable: false,
        at: draw.created_at + Duration::hours(3),
    })
}

fn push_review(state: &mut SimState, i: usize, pools: &Pools, draw: Draw) {
    let (rating, text, pros, cons) = pools.reviews.choose(&mut state.rng).cloned().unwrap_or((
        5,
        "Всё отлично".into(),
        None,
        None,
    ));
    // A second sentence from another review of the same rating varies the text.
    let extra = pools
        .reviews
        .iter()
        .filter(|r| r.0 == rating)
        .collect::<Vec<_>>()
        .choose(&mut state.rng)
        .and_then(|r| r.1.split_terminator(['.', '!']).next().map(str::to_string));
    let text = match extra {
        Some(e) if state.rng.random_bool(0.4) && !text.contains(e.trim()) => {
            format!("{text} {}.", e.trim())
        }
        _ => text,
    };
    let answer = answer_for(&mut state.rng, pools, &draw);
    let photos = state.rng.random_range(0..3);
    state.accounts[i].reviews.push(SimReview {
        id: draw.id,
        product_id: draw.product_id,
        author: draw.name,
        rating,
        text,
        pros,
        cons,
        photos,
        created_at: draw.created_at,
        viewed: answer.is_some(),
        answer,
    });
}

fn push_question(state: &mut SimState, i: usize, pools: &Pools, draw: Draw) {
    let text = pools
        .questions
        .choose(&mut state.rng)
        .cloned()
        .unwrap_or_default();
    let answer = answer_for(&mut state.rng, pools, &draw);
    state.accounts[i].questions.push(SimQuestion {
        id: draw.id,
        product_id: draw.product_id,
        author: draw.name,
        text,
        created_at: draw.created_at,
        viewed: answer.is_some(),
        answer,
        rejected: false,
    });
}

fn push_chat(
    state: &mut SimState,
    i: usize,
    pools: &Pools,
    draw: Draw,
    marketplace: crate::domain::Marketplace,
) {
    let client = draw.name.unwrap_or_else(|| "Покупатель".into());
    let mut chat = state.new_chat(&client, Some(draw.product_id));
    let text = pools
        .chats
        .choose(&mut state.rng)
        .cloned()
        .unwrap_or_default();
    chat.messages.push(SimMessage {
        id: draw.id,
        from_buyer: true,
        text,
        at: draw.created_at,
    });
    if draw.answered {
        let reply_id = state.new_item_id(marketplace);
        chat.messages.push(SimMessage {
            id: reply_id,
            from_buyer: false,
            text: "Здравствуйте! Уже проверяем ваш вопрос.".into(),
            at: draw.created_at + Duration::minutes(20),
        });
    }
    state.accounts[i].chats.push(chat);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::DemoShop;

    fn state(seed: u64) -> SimState {
        let mut s = SimState::new(seed);
        let now = Utc::now();
        s.add_shop(&DemoShop::wb().unwrap(), "t", None, now);
        s.add_shop(&DemoShop::ozon().unwrap(), "k", Some("1"), now);
        s
    }

    #[test]
    fn generates_the_requested_number_across_accounts_and_channels() {
        let mut s = state(3);
        let before: usize = s
            .accounts
            .iter()
            .map(|a| a.reviews.len() + a.questions.len() + a.chats.len())
            .sum();
        generate(&mut s, 10_000, Utc::now());
        let after: usize = s
            .accounts
            .iter()
            .map(|a| a.reviews.len() + a.questions.len() + a.chats.len())
            .sum();
        assert_eq!(after - before, 10_000);
        for a in &s.accounts {
            assert!(a.reviews.len() > a.questions.len());
            assert!(a.questions.len() > 100);
            assert!(a
                .reviews
                .windows(2)
                .all(|w| w[0].created_at <= w[1].created_at));
        }
    }

    #[test]
    fn same_seed_same_data() {
        let now = Utc::now();
        let mut a = state(5);
        let mut b = state(5);
        generate(&mut a, 500, now);
        generate(&mut b, 500, now);
        let texts = |s: &SimState| -> Vec<String> {
            s.accounts[0]
                .reviews
                .iter()
                .map(|r| format!("{}{}", r.id, r.text))
                .collect()
        };
        assert_eq!(texts(&a), texts(&b));
    }
}
