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

fn generate_for(state: &mut SimState, i: usize, n: usize, now: DateTime<Utc>) {
    let account = &state.accounts[i];
    let marketplace = account.marketplace;
    let products: Vec<i64> = account.products.iter().map(|p| p.id).collect();
    if products.is_empty() {
        return;
    }
    let review_pool: Vec<_> = account
        .reviews
        .iter()
        .map(|r| (r.rating, r.text.clone(), r.pros.clone(), r.cons.clone()))
        .chain(
            account
                .incoming_reviews
                .iter()
                .map(|r| (r.rating, r.text.clone(), r.pros.clone(), r.cons.clone())),
        )
        .collect();
    let question_pool: Vec<String> = account
        .questions
        .iter()
        .map(|q| q.text.clone())
        .chain(account.incoming_questions.iter().map(|q| q.text.clone()))
        .collect();
    let answer_pool: Vec<String> = account
        .reviews
        .iter()
        .filter_map(|r| r.answer.as_ref().map(|a| a.text.clone()))
        .collect();
    let names: Vec<String> = account
        .reviews
        .iter()
        .filter_map(|r| r.author.clone())
        .collect();
    let chat_pool: Vec<String> = account
        .chats
        .iter()
        .flat_map(|c| {
            c.messages
                .iter()
                .filter(|m| m.from_buyer)
                .map(|m| m.text.clone())
        })
        .collect();
    if review_pool.is_empty() || names.is_empty() {
        return;
    }
    let default_answer = "Спасибо за отзыв! Рады, что вы с нами.".to_string();
    let span = Duration::days(SPAN_DAYS).num_seconds();
    for _ in 0..n {
        let age = Duration::seconds(state.rng.random_range(0..span));
        let created_at = now - age;
        // Older items are usually answered by now; the recent ones wait.
        let answered = age > Duration::days(2) && state.rng.random_bool(0.85);
        let roll: f64 = state.rng.random();
        let product_id = *products.choose(&mut state.rng).unwrap_or(&products[0]);
        let name = names.choose(&mut state.rng).cloned();
        let id = state.new_item_id(marketplace);
        let answer = |rng: &mut rand_chacha::ChaCha8Rng| {
            answered.then(|| SimAnswer {
                text: answer_pool.choose(rng).unwrap_or(&default_answer).clone(),
                state: "wbRu".into(),
                editable: false,
                at: created_at + Duration::hours(3),
            })
        };
        if roll < REVIEW_SHARE || question_pool.is_empty() && chat_pool.is_empty() {
            let (rating, text, pros, cons) = review_pool
                .choose(&mut state.rng)
                .cloned()
                .unwrap_or((5, "Всё отлично".into(), None, None));
            // A second sentence from another review of the same rating varies the text.
            let extra = review_pool
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
            let answer = answer(&mut state.rng);
            let photos = state.rng.random_range(0..3);
            state.accounts[i].reviews.push(SimReview {
                id,
                product_id,
                author: name,
                rating,
                text,
                pros,
                cons,
                photos,
                created_at,
                viewed: answer.is_some(),
                answer,
            });
        } else if roll < REVIEW_SHARE + QUESTION_SHARE && !question_pool.is_empty() {
            let text = question_pool
                .choose(&mut state.rng)
                .cloned()
                .unwrap_or_default();
            let answer = answer(&mut state.rng);
            state.accounts[i].questions.push(SimQuestion {
                id,
                product_id,
                author: name,
                text,
                created_at,
                viewed: answer.is_some(),
                answer,
                rejected: false,
            });
        } else {
            let client = name.unwrap_or_else(|| "Покупатель".into());
            let mut chat = state.new_chat(&client, Some(product_id));
            let text = chat_pool
                .choose(&mut state.rng)
                .cloned()
                .unwrap_or_default();
            chat.messages.push(SimMessage {
                id,
                from_buyer: true,
                text,
                at: created_at,
            });
            if answered {
                let reply_id = state.new_item_id(marketplace);
                chat.messages.push(SimMessage {
                    id: reply_id,
                    from_buyer: false,
                    text: "Здравствуйте! Уже проверяем ваш вопрос.".into(),
                    at: created_at + Duration::minutes(20),
                });
            }
            state.accounts[i].chats.push(chat);
        }
    }
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
