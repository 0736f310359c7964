//! The condescension guardrail on its test sets (tests/fixtures/guardrails/): every
//! condescending reply is blocked on public channels, and good replies are blocked at most
//! 5% of the time by any rule (docs/guardrails.md has the figures).
//!
//! `cargo test --test guardrails_condescension -- --nocapture` prints them.

use agentiq::ai::guardrails::{check, CheckContext, Level, Rule};
use agentiq::domain::{Channel, Marketplace};

fn lines(name: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/guardrails/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

const PUBLIC: [Channel; 2] = [Channel::Review, Channel::Question];

#[test]
fn condescending_replies_are_blocked_on_public_channels() {
    let replies = lines("condescending.txt");
    assert!(replies.len() >= 40, "{}", replies.len());
    let mut by_condescension = 0;
    let mut missed = Vec::new();
    for reply in &replies {
        for marketplace in [Marketplace::Wb, Marketplace::Ozon] {
            for channel in PUBLIC {
                let v = check(reply, &CheckContext::new(channel, marketplace, ""));
                if !v.is_block() || !(v.has(Rule::Condescension) || v.has(Rule::BlameCustomer)) {
                    missed.push(format!("{marketplace:?} {channel}: {reply}"));
                }
            }
            // In a private chat the seller is warned, not stopped.
            let chat = check(reply, &CheckContext::new(Channel::Chat, marketplace, ""));
            assert!(chat.level >= Level::Warn, "«{reply}»");
        }
        let v = check(
            reply,
            &CheckContext::new(Channel::Review, Marketplace::Wb, ""),
        );
        if v.has(Rule::Condescension) {
            by_condescension += 1;
        }
    }
    assert!(
        missed.is_empty(),
        "not blocked as condescending: {missed:#?}"
    );
    println!(
        "condescending replies: {} of {} blocked on public channels ({} by condescension, the rest by blame_customer)",
        replies.len(),
        replies.len(),
        by_condescension
    );
}

#[test]
fn good_replies_are_rarely_blocked() {
    let replies = lines("polite.txt");
    assert!(replies.len() >= 100, "{}", replies.len());
    let mut blocked = Vec::new();
    let mut wrongly = Vec::new();
    for reply in &replies {
        for channel in PUBLIC {
            let v = check(reply, &CheckContext::new(channel, Marketplace::Wb, ""));
            if v.has(Rule::Condescension) {
                wrongly.push(format!("{channel}: {reply}"));
            }
            if v.is_block() && channel == Channel::Review {
                let rules: Vec<&str> = v.blocking().map(|f| f.rule.as_str()).collect();
                blocked.push(format!("{reply} ({})", rules.join(", ")));
            }
        }
    }
    let rate = blocked.len() as f64 / replies.len() as f64;
    println!(
        "good replies: {} of {} blocked on reviews by any rule ({:.1}%)",
        blocked.len(),
        replies.len(),
        rate * 100.0
    );
    for b in &blocked {
        println!("  blocked: {b}");
    }
    assert!(
        wrongly.is_empty(),
        "condescension found in good replies: {wrongly:#?}"
    );
    assert!(
        rate <= 0.05,
        "false blocks {:.1}%: {blocked:#?}",
        rate * 100.0
    );
}
