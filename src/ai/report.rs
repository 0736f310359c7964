//! Output of `agentiq classify` and `agentiq check`, as text or JSON.

use serde_json::json;

use super::classify::{classify, escalation_requires_human};
use super::guardrails::{check, CheckContext, Verdict};
use super::intent::Escalation;
use crate::domain::{Channel, Marketplace, Rating, SlaTier};

/// The SLA tier an item of a channel, rating and intent falls in: the SLA policy's
/// (`sla::tier_for`), which the caller passes in, since the policy sits above drafting.
pub type TierRule = fn(Channel, Option<Rating>, Option<&str>) -> SlaTier;

/// The SLA tier SPEC section 2 gives a classified item: `tier_for`'s, raised to critical
/// when a regulator or court is mentioned.
fn tier(
    channel: Channel,
    rating: Option<Rating>,
    c: &super::Classification,
    tier_for: TierRule,
) -> SlaTier {
    if c.escalations.contains(&Escalation::Legal) {
        return SlaTier::Critical;
    }
    tier_for(channel, rating, Some(c.intent.as_str()))
}

/// `agentiq classify --channel review --rating 2 "текст"`: intent, confidence, sentiment,
/// escalations and the SLA tier (by `tier_for`), as aligned text or one JSON object.
pub fn classify_report(
    channel: Channel,
    rating: Option<Rating>,
    text: &str,
    json: bool,
    tier_for: TierRule,
) -> String {
    let c = classify(channel, rating, text);
    let human = escalation_requires_human(&c);
    let tier = tier(channel, rating, &c, tier_for);
    if json {
        let value = json!({
            "channel": channel.as_str(),
            "rating": rating.map(Rating::stars),
            "intent": c.intent.as_str(),
            "intent_confidence": round2(c.intent_confidence),
            "sentiment": { "label": c.sentiment.label.as_str(), "score": round2(c.sentiment.score) },
            "escalations": c.escalations.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            "requires_human": human,
            "sla_tier": tier.as_str(),
            "evidence": c.evidence.iter().map(|e| json!({"label": e.label, "matched": e.matched})).collect::<Vec<_>>(),
        });
        return value.to_string();
    }
    let mut out = String::new();
    out.push_str(&format!(
        "intent:       {} ({}), confidence {:.2}\n",
        c.intent.as_str(),
        c.intent.label_ru(),
        c.intent_confidence
    ));
    out.push_str(&format!(
        "sentiment:    {} ({:+.2})\n",
        c.sentiment.label.as_str(),
        c.sentiment.score
    ));
    if c.escalations.is_empty() {
        out.push_str("escalations:  none\n");
    } else {
        let list: Vec<String> = c
            .escalations
            .iter()
            .map(|e| format!("{} ({})", e.as_str(), e.label_en()))
            .collect();
        out.push_str(&format!("escalations:  {}\n", list.join(", ")));
    }
    out.push_str(&format!(
        "human:        {}\n",
        if human {
            "required, never answered automatically"
        } else {
            "not required"
        }
    ));
    out.push_str(&format!("sla tier:     {}\n", tier.as_str()));
    if !c.evidence.is_empty() {
        let ev: Vec<String> = c
            .evidence
            .iter()
            .map(|e| format!("{} «{}»", e.label, e.matched))
            .collect();
        out.push_str(&format!("evidence:     {}\n", ev.join("; ")));
    }
    out
}

fn round2(x: f32) -> f64 {
    (f64::from(x) * 100.0).round() / 100.0
}

/// `agentiq check --channel review --customer-text "..." "ответ"`: the verdict and its
/// findings, and the exit code (0 pass, 1 warn, 2 block).
pub fn check_report(
    channel: Channel,
    marketplace: Marketplace,
    customer_text: &str,
    reply: &str,
    json: bool,
) -> (String, i32) {
    let verdict = check(
        reply,
        &CheckContext::new(channel, marketplace, customer_text),
    );
    let code = verdict.level.exit_code();
    let text = if json {
        verdict_json(&verdict, reply).to_string()
    } else {
        verdict_text(&verdict, reply)
    };
    (text, code)
}

pub fn verdict_json(v: &Verdict, reply: &str) -> serde_json::Value {
    json!({
        "level": v.level.as_str(),
        "exit_code": v.level.exit_code(),
        "findings": v.findings.iter().map(|f| json!({
            "rule": f.rule.as_str(),
            "severity": f.severity.as_str(),
            "reason_ru": f.reason_ru,
            "reason_en": f.reason_en,
            "span": { "start": f.span.start, "end": f.span.end },
            "text": reply.get(f.span.clone()).unwrap_or(""),
        })).collect::<Vec<_>>(),
    })
}

fn verdict_text(v: &Verdict, reply: &str) -> String {
    let mut out = format!(
        "{}: {} finding(s)\n",
        v.level.as_str().to_uppercase(),
        v.findings.len()
    );
    for f in &v.findings {
        let fragment: String = reply
            .get(f.span.clone())
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        out.push_str(&format!(
            "  {:<5}  {:<22} {}..{}  «{}»\n         {}\n         {}\n",
            f.severity.as_str(),
            f.rule.as_str(),
            f.span.start,
            f.span.end,
            fragment.replace('\n', " "),
            f.reason_ru,
            f.reason_en
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_report_text_and_json() {
        let text = classify_report(
            Channel::Review,
            Rating::new(1),
            "Не включается! Буду писать в Роспотребнадзор.",
            false,
            crate::sla::tier_for,
        );
        assert!(text.contains("intent:       defect_not_working"), "{text}");
        assert!(text.contains("legal"));
        assert!(text.contains("sla tier:     critical"));
        let json: serde_json::Value = serde_json::from_str(&classify_report(
            Channel::Question,
            None,
            "Какая длина шнура?",
            true,
            crate::sla::tier_for,
        ))
        .unwrap();
        assert_eq!(json["intent"], "product_spec");
        assert_eq!(json["requires_human"], false);
        assert_eq!(json["sla_tier"], "high");
    }

    #[test]
    fn check_report_exit_codes() {
        let (_, code) = check_report(
            Channel::Review,
            Marketplace::Wb,
            "",
            "Спасибо за отзыв!",
            false,
        );
        assert_eq!(code, 0);
        let (_, code) = check_report(
            Channel::Chat,
            Marketplace::Wb,
            "",
            "Напишите в поддержку маркетплейса.",
            false,
        );
        assert_eq!(code, 1);
        let (out, code) = check_report(
            Channel::Review,
            Marketplace::Wb,
            "",
            "Вернём деньги, пишите в телеграм @shop",
            true,
        );
        assert_eq!(code, 2);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["level"], "block");
        let rules: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"promise_money") && rules.contains(&"off_platform"));
        assert_eq!(json["findings"][0]["text"], "Вернём деньги");
    }
}
