//! The words of notifications, in Russian and English. Customer text is untrusted: control
//! characters are dropped and lines are cut short before anything is shown.

use chrono::{DateTime, Duration, Utc};

use super::model::{Lang, Level, Notification, OpenItem, SyncHealth};
use crate::domain::{Channel, Rating};

/// Lines a batch lists before "and N more".
const BATCH_LINES: usize = 3;
/// Longest title shown, in characters.
const TITLE_CHARS: usize = 80;
/// Longest error text shown, in characters.
const ERROR_CHARS: usize = 160;

/// One line of plain text: no control characters, whitespace collapsed, cut at `max`.
pub fn clean_line(text: &str, max: usize) -> String {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .map(|w| w.chars().filter(|c| !is_invisible(*c)).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect();
    let line = words.join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Bidi overrides and zero-width characters that could disguise text.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn channel_name(lang: Lang, channel: Channel) -> &'static str {
    match (lang, channel) {
        (Lang::Ru, Channel::Review) => "отзыв",
        (Lang::Ru, Channel::Question) => "вопрос",
        (Lang::Ru, Channel::Chat) => "чат",
        (Lang::En, Channel::Review) => "review",
        (Lang::En, Channel::Question) => "question",
        (Lang::En, Channel::Chat) => "chat",
    }
}

fn stars(rating: Option<Rating>) -> String {
    rating
        .map(|r| format!(" ★{}", r.stars()))
        .unwrap_or_default()
}

/// Russian noun form for a count: 1 обращение, 2 обращения, 5 обращений.
pub fn plural_ru<'a>(n: usize, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (n10, n100) = (n % 10, n % 100);
    if n10 == 1 && n100 != 11 {
        one
    } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
        few
    } else {
        many
    }
}

fn items_word(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Ru => format!(
            "{n} {}",
            plural_ru(n, "обращение", "обращения", "обращений")
        ),
        Lang::En if n == 1 => "1 item".into(),
        Lang::En => format!("{n} items"),
    }
}

/// A span of time in words: "2 ч 5 мин", "2 h 5 min".
pub fn span(lang: Lang, d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let (d_u, h_u, m_u, under) = match lang {
        Lang::Ru => ("дн", "ч", "мин", "меньше минуты"),
        Lang::En => ("d", "h", "min", "under a minute"),
    };
    match (days, hours, mins) {
        (0, 0, 0) => under.into(),
        (0, 0, m) => format!("{m} {m_u}"),
        (0, h, 0) => format!("{h} {h_u}"),
        (0, h, m) => format!("{h} {h_u} {m} {m_u}"),
        (d, 0, _) => format!("{d} {d_u}"),
        (d, h, _) => format!("{d} {d_u} {h} {h_u}"),
    }
}

fn item_line(lang: Lang, item: &OpenItem) -> String {
    format!(
        "{} · {}{}: {}",
        clean_line(&item.account_name, 40),
        channel_name(lang, item.channel),
        stars(item.rating),
        clean_line(&item.title, TITLE_CHARS)
    )
}

/// One item reaching `level`.
pub fn item(
    lang: Lang,
    level: Level,
    item: &OpenItem,
    now: DateTime<Utc>,
    bell: bool,
) -> Notification {
    let what = format!("{}{}", channel_name(lang, item.channel), stars(item.rating));
    let (summary, when) = match (lang, level) {
        (Lang::Ru, Level::Breached) => (
            format!("Срок ответа истёк: {what}"),
            format!("просрочено на {}", span(lang, now - item.due_at)),
        ),
        (Lang::En, Level::Breached) => (
            format!("Answer overdue: {what}"),
            format!("overdue by {}", span(lang, now - item.due_at)),
        ),
        (Lang::Ru, _) => (
            format!("Скоро срок ответа: {what}"),
            format!("до срока {}", span(lang, item.due_at - now)),
        ),
        (Lang::En, _) => (
            format!("Answer due soon: {what}"),
            format!("{} left", span(lang, item.due_at - now)),
        ),
    };
    Notification {
        level,
        summary,
        body: format!(
            "{} · {}\n{when}",
            clean_line(&item.account_name, 40),
            clean_line(&item.title, TITLE_CHARS)
        ),
        items: vec![item.id],
        urgent: level == Level::Breached,
        bell,
        desktop: true,
        tag: Some(format!("item-{}", item.id.0)),
    }
}

/// Several items reaching `level` at once.
pub fn batch(lang: Lang, level: Level, items: &[&OpenItem], bell: bool) -> Notification {
    let n = items.len();
    let summary = match (lang, level) {
        (Lang::Ru, Level::Breached) => format!("Просрочено: {}", items_word(lang, n)),
        (Lang::En, Level::Breached) => format!("{} breached", items_word(lang, n)),
        (Lang::Ru, _) => format!("Скоро срок ответа: {}", items_word(lang, n)),
        (Lang::En, _) => format!("{} at risk", items_word(lang, n)),
    };
    let mut lines: Vec<String> = items
        .iter()
        .take(BATCH_LINES)
        .map(|i| format!("• {}", item_line(lang, i)))
        .collect();
    if n > BATCH_LINES {
        lines.push(match lang {
            Lang::Ru => format!("и ещё {}", n - BATCH_LINES),
            Lang::En => format!("and {} more", n - BATCH_LINES),
        });
    }
    Notification {
        level,
        summary,
        body: lines.join("\n"),
        items: items.iter().map(|i| i.id).collect(),
        urgent: level == Level::Breached,
        bell,
        desktop: true,
        tag: None,
    }
}

/// Sync of one or more connectors failing again and again.
pub fn sync_failing(lang: Lang, failing: &[&SyncHealth], bell: bool) -> Notification {
    let summary = match (lang, failing) {
        (Lang::Ru, [one]) => format!(
            "Синхронизация не работает: {}",
            clean_line(&one.account_name, 40)
        ),
        (Lang::En, [one]) => format!("Sync failing: {}", clean_line(&one.account_name, 40)),
        (Lang::Ru, many) => format!("Синхронизация не работает: {} подключ.", many.len()),
        (Lang::En, many) => format!("Sync failing: {} connectors", many.len()),
    };
    let mut lines = Vec::new();
    for h in failing.iter().take(BATCH_LINES) {
        let head = match lang {
            Lang::Ru => format!(
                "{} · {}: неудачных запусков подряд — {}",
                clean_line(&h.account_name, 40),
                clean_line(&h.connector, 40),
                h.failures
            ),
            Lang::En => format!(
                "{} · {}: {} failed runs in a row",
                clean_line(&h.account_name, 40),
                clean_line(&h.connector, 40),
                h.failures
            ),
        };
        lines.push(head);
        if failing.len() == 1 {
            if let Some(err) = h
                .last_error
                .as_deref()
                .map(|e| clean_line(e, ERROR_CHARS))
                .filter(|e| !e.is_empty())
            {
                lines.push(err);
            }
        }
    }
    if failing.len() > BATCH_LINES {
        lines.push(match lang {
            Lang::Ru => format!("и ещё {}", failing.len() - BATCH_LINES),
            Lang::En => format!("and {} more", failing.len() - BATCH_LINES),
        });
    }
    Notification {
        level: Level::SyncFailing,
        summary,
        body: lines.join("\n"),
        items: Vec::new(),
        urgent: false,
        bell,
        desktop: true,
        tag: None,
    }
}

/// The notifications held back by the per-minute cap, summed up: "и ещё 7".
pub fn more(lang: Lang, held: &[Notification], bell: bool) -> Notification {
    let n = held.len();
    let urgent = held.iter().any(|h| h.urgent);
    let summary = match lang {
        Lang::Ru => format!(
            "и ещё {n} {}",
            plural_ru(n, "уведомление", "уведомления", "уведомлений")
        ),
        Lang::En if n == 1 => "and 1 more notification".to_string(),
        Lang::En => format!("and {n} more notifications"),
    };
    let mut lines: Vec<String> = held
        .iter()
        .take(BATCH_LINES)
        .map(|h| format!("• {}", clean_line(&h.summary, TITLE_CHARS)))
        .collect();
    if n > BATCH_LINES {
        lines.push(match lang {
            Lang::Ru => format!("и ещё {}", n - BATCH_LINES),
            Lang::En => format!("and {} more", n - BATCH_LINES),
        });
    }
    Notification {
        level: held
            .iter()
            .map(|h| h.level)
            .find(|l| *l == Level::Breached)
            .unwrap_or(Level::AtRisk),
        summary,
        body: lines.join("\n"),
        items: held.iter().flat_map(|h| h.items.iter().copied()).collect(),
        urgent,
        bell,
        desktop: held.iter().any(|h| h.desktop),
        tag: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals() {
        let w = |n| items_word(Lang::Ru, n);
        assert_eq!(w(1), "1 обращение");
        assert_eq!(w(3), "3 обращения");
        assert_eq!(w(7), "7 обращений");
        assert_eq!(w(11), "11 обращений");
        assert_eq!(w(21), "21 обращение");
        assert_eq!(w(112), "112 обращений");
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Lang::Ru, Duration::minutes(125)), "2 ч 5 мин");
        assert_eq!(span(Lang::En, Duration::minutes(60)), "1 h");
        assert_eq!(span(Lang::En, Duration::seconds(20)), "under a minute");
        assert_eq!(span(Lang::Ru, Duration::hours(50)), "2 дн 2 ч");
    }

    #[test]
    fn customer_text_is_cleaned_and_cut() {
        assert_eq!(
            clean_line("Плохо\x1b[31m\n  очень\u{202E}", 80),
            "Плохо [31m очень"
        );
        let long = "слово ".repeat(40);
        let cut = clean_line(&long, 20);
        assert!(cut.chars().count() <= 20, "{cut}");
        assert!(cut.ends_with('…'));
    }
}
