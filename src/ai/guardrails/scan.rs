//! Character-level scanners for what word patterns cannot see: links, e-mails, @handles,
//! phone and card numbers, unfilled placeholders. Each returns byte ranges into the text
//! it was given.

use std::ops::Range;

/// What a contact-like fragment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Link,
    Email,
    Handle,
    Phone,
    Card,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub kind: ContactKind,
    pub span: Range<usize>,
    /// Digits only (phones, cards) or the lower-cased text (links, e-mails, handles), to
    /// compare with what the customer wrote.
    pub key: String,
}

/// Top-level domains that make "word.tld" a link.
const TLDS: &[&str] = &[
    "ru",
    "рф",
    "su",
    "com",
    "net",
    "org",
    "info",
    "biz",
    "pro",
    "me",
    "io",
    "co",
    "cc",
    "ly",
    "shop",
    "store",
    "site",
    "online",
    "онлайн",
    "su",
    "by",
    "kz",
    "ua",
    "uz",
    "app",
    "link",
    "club",
    "top",
    "xyz",
    "tv",
    "ws",
    "to",
    "gg",
    "ai",
    "рус",
];

const LEADING_PUNCT: &[char] = &['(', '[', '{', '«', '"', '\'', '“', '„', '<'];
const TRAILING_PUNCT: &[char] = &[
    '.', ',', '!', '?', ';', ':', ')', ']', '}', '»', '"', '\'', '”', '>', '…',
];

/// Whitespace-separated chunks with surrounding punctuation trimmed, as byte ranges.
fn chunks(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut push = |s: usize, e: usize| {
        let piece = &text[s..e];
        let lead = piece.len() - piece.trim_start_matches(LEADING_PUNCT).len();
        let trimmed = piece.trim_start_matches(LEADING_PUNCT);
        let trail = trimmed.len() - trimmed.trim_end_matches(TRAILING_PUNCT).len();
        if s + lead < e - trail {
            out.push(s + lead..e - trail);
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                push(s, i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        push(s, text.len());
    }
    out
}

fn is_host_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.' || c == '_'
}

/// Whether `host` ("shop.ru", "t.me") looks like a domain name.
fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let tld = labels[labels.len() - 1].to_lowercase();
    TLDS.contains(&tld.as_str())
        && labels[..labels.len() - 1].iter().all(|l| {
            l.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
        && labels[..labels.len() - 1]
            .iter()
            .any(|l| l.chars().any(char::is_alphabetic))
}

/// Links, e-mails and @handles.
pub fn links_emails_handles(text: &str) -> Vec<Contact> {
    let mut found = Vec::new();
    for r in chunks(text) {
        let chunk = &text[r.clone()];
        let lower = chunk.to_lowercase();
        if lower.contains("://") || lower.starts_with("www.") {
            found.push(Contact {
                kind: ContactKind::Link,
                span: r,
                key: lower,
            });
            continue;
        }
        if let Some(at) = chunk.rfind('@') {
            let (local, domain) = (&chunk[..at], &chunk[at + 1..]);
            let domain_host: String = domain.chars().take_while(|c| is_host_char(*c)).collect();
            if !local.is_empty() && is_domain(domain_host.trim_end_matches('.')) {
                found.push(Contact {
                    kind: ContactKind::Email,
                    span: r,
                    key: lower,
                });
                continue;
            }
            if local.is_empty() {
                let handle: String = domain
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if handle.len() >= 3 {
                    found.push(Contact {
                        kind: ContactKind::Handle,
                        span: r.start..r.start + 1 + handle.len(),
                        key: handle.to_lowercase(),
                    });
                }
                continue;
            }
        }
        // "shop.ru", "t.me/name", "ссылка:site.ru/x": find a host-like run with a TLD.
        let mut i = 0;
        while i < chunk.len() {
            let Some(c) = chunk[i..].chars().next() else {
                break;
            };
            if !is_host_char(c) {
                i += c.len_utf8();
                continue;
            }
            let run_len: usize = chunk[i..]
                .chars()
                .take_while(|c| is_host_char(*c))
                .map(char::len_utf8)
                .sum();
            let run = chunk[i..i + run_len].trim_end_matches('.');
            if is_domain(run) {
                found.push(Contact {
                    kind: ContactKind::Link,
                    span: r.start + i..r.end,
                    key: chunk[i..].to_lowercase(),
                });
                break;
            }
            i += run_len.max(1);
        }
    }
    found
}

fn luhn_ok(digits: &[u32]) -> bool {
    let mut sum = 0;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut d = *d;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Phone numbers (Russian formats and international ones with `+`) and card-like numbers
/// (13–19 digits passing the Luhn check).
pub fn phones_and_cards(text: &str) -> Vec<Contact> {
    let mut found = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let prev_alnum = i > 0 && chars[i - 1].1.is_alphanumeric();
        if prev_alnum || !(c == '+' || c.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let plus = c == '+';
        let mut digits: Vec<u32> = Vec::new();
        let mut j = if plus { i + 1 } else { i };
        let mut end = start;
        let mut seps = 0;
        while j < chars.len() {
            let (pos, ch) = chars[j];
            if let Some(d) = ch.to_digit(10) {
                digits.push(d);
                end = pos + ch.len_utf8();
                seps = 0;
            } else if matches!(ch, ' ' | '-' | '(' | ')' | '.' | '\u{00A0}') && seps < 2 {
                seps += 1;
            } else {
                break;
            }
            j += 1;
        }
        // A number glued to letters ("12345abc") is an identifier, not a phone.
        let next_alpha = chars
            .iter()
            .find(|(p, _)| *p >= end)
            .is_some_and(|(_, ch)| ch.is_alphabetic());
        let n = digits.len();
        let kind = if next_alpha || n == 0 {
            None
        } else if !plus && (13..=19).contains(&n) && luhn_ok(&digits) {
            Some(ContactKind::Card)
        } else if (plus && (11..=13).contains(&n))
            || (n == 11 && matches!(digits[0], 7 | 8))
            || (n == 10 && digits[0] == 9)
        {
            Some(ContactKind::Phone)
        } else {
            None
        };
        if let Some(kind) = kind {
            let mut key: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            if kind == ContactKind::Phone && n == 11 && digits[0] == 8 {
                key.replace_range(0..1, "7");
            }
            if kind == ContactKind::Phone && n == 10 {
                key.insert(0, '7');
            }
            found.push(Contact {
                kind,
                span: start..end,
                key,
            });
            i = j;
        } else {
            // Skip past the run so its tail is not re-read as a new number.
            i = j.max(i + 1);
        }
    }
    found
}

/// Words that, written in capitals, are template slots ("Здравствуйте, ИМЯ!").
const SLOT_WORDS: &[&str] = &[
    "ИМЯ",
    "ТОВАР",
    "НАЗВАНИЕ",
    "ФИО",
    "ПОКУПАТЕЛЬ",
    "NAME",
    "PRODUCT",
    "CUSTOMER",
];

/// Unfilled placeholders: `{name}`, `{{x}}`, `[имя]`, `<товар>`, `___`, `%s`, `%name%`,
/// `$name`, `${x}`, slot words in capitals (`ИМЯ`) and runs of `XXX`/`ХХХ`.
pub fn placeholders(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let bracketed = |open: u8, close: u8, max: usize, need_letter: bool, found: &mut Vec<_>| {
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == open {
                let rest = &text[i + 1..];
                if let Some(k) = rest.find(char::from(close)) {
                    let inner = &rest[..k];
                    let ok = inner.chars().count() <= max
                        && !inner.contains('\n')
                        && !inner.contains(char::from(open))
                        && (!need_letter || inner.chars().any(char::is_alphabetic));
                    if ok {
                        found.push(i..i + 1 + k + 1);
                        i += k + 2;
                        continue;
                    }
                }
            }
            i += 1;
        }
    };
    bracketed(b'{', b'}', 60, false, &mut found);
    bracketed(b'[', b']', 40, true, &mut found);
    bracketed(b'<', b'>', 40, true, &mut found);
    // Runs of three or more underscores.
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let j = bytes[i..].iter().take_while(|b| **b == b'_').count();
            if j >= 3 {
                found.push(i..i + j);
            }
            i += j;
        } else {
            i += 1;
        }
    }
    // printf/shell style: %s, %name%, $name, ${x}.
    for (i, c) in text.char_indices() {
        if c != '%' && c != '$' {
            continue;
        }
        let rest = &text[i + 1..];
        let Some(next) = rest.chars().next() else {
            continue;
        };
        if c == '$' && next == '{' {
            continue; // covered by the {…} scan
        }
        if next.is_ascii_alphabetic() {
            let word: usize = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .map(char::len_utf8)
                .sum();
            let mut end = i + 1 + word;
            if c == '%' && text[end..].starts_with('%') {
                end += 1;
            }
            found.push(i..end);
        }
    }
    // Slot words in capitals and XXX runs.
    for t in crate::ai::normalize::tokenize(text) {
        let raw = &text[t.span.clone()];
        let is_slot = SLOT_WORDS.contains(&raw);
        let xs =
            raw.chars().count() >= 3 && raw.chars().all(|c| matches!(c, 'X' | 'Х' | 'x' | 'х'));
        if is_slot || (xs && raw.chars().all(char::is_uppercase)) {
            found.push(t.span);
        }
    }
    crate::ai::lexicon::merge_spans(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(ContactKind, String)> {
        let mut all = links_emails_handles(text);
        all.extend(phones_and_cards(text));
        all.into_iter()
            .map(|c| (c.kind, text[c.span].to_string()))
            .collect()
    }

    #[test]
    fn finds_links_emails_and_handles() {
        assert_eq!(
            kinds("Пишите: shop@mail.ru, сайт https://shop.ru/x или t.me/shop, ник @shop_bot."),
            [
                (ContactKind::Email, "shop@mail.ru".to_string()),
                (ContactKind::Link, "https://shop.ru/x".to_string()),
                (ContactKind::Link, "t.me/shop".to_string()),
                (ContactKind::Handle, "@shop_bot".to_string()),
            ]
        );
        assert_eq!(
            kinds("Заходите на www.example.com!")[0].1,
            "www.example.com"
        );
        assert_eq!(kinds("каталог на сайте магазин.рф")[0].1, "магазин.рф");
    }

    #[test]
    fn odd_unicode_never_panics() {
        // Lower-casing "İ" changes its byte length; offsets must come from the original.
        for t in [
            "İİİ shop.ru",
            "ẞ@x.ru",
            "@",
            "a@",
            "@@@",
            "…www.",
            "+",
            "8 (",
            "{",
            "[[]]",
            "%",
            "$",
        ] {
            let _ = links_emails_handles(t);
            let _ = phones_and_cards(t);
            let _ = placeholders(t);
        }
        assert_eq!(links_emails_handles("İİİ shop.ru")[0].key, "shop.ru");
    }

    #[test]
    fn ordinary_text_is_not_a_link() {
        for t in [
            "и т.д. и т.п.",
            "Мощность 22.5 Вт, ёмкость 20000 мА·ч",
            "г.Москва, ул.Ленина",
            "Размер 150×200 см, 3.5 кг",
            "Версия iOS 17.2",
        ] {
            assert!(kinds(t).is_empty(), "{t}: {:?}", kinds(t));
        }
    }

    #[test]
    fn finds_phone_numbers_in_common_formats() {
        for (t, n) in [
            ("Звоните 8 (800) 555-35-35", "8 (800) 555-35-35"),
            ("+7 912 345-67-89", "+7 912 345-67-89"),
            ("тел. 89123456789.", "89123456789"),
            ("мобильный 912 345 67 89", "912 345 67 89"),
        ] {
            let found = phones_and_cards(t);
            assert_eq!(found.len(), 1, "{t}");
            assert_eq!(found[0].kind, ContactKind::Phone);
            assert_eq!(&t[found[0].span.clone()], n);
        }
        assert_eq!(phones_and_cards("8 800 555 35 35")[0].key, "78005553535");
    }

    #[test]
    fn numbers_that_are_not_phones() {
        for t in [
            "артикул 146972802",
            "SKU 1456789012",
            "заказ 12.05.2026",
            "20000 мА·ч, 65 Вт, 2026 год",
            "размеры 30×50, 50×90, 70×140",
        ] {
            assert!(phones_and_cards(t).is_empty(), "{t}");
        }
    }

    #[test]
    fn card_numbers_need_luhn() {
        let found = phones_and_cards("карта 4276 3800 1234 5679");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, ContactKind::Card);
        assert!(phones_and_cards("карта 4276 3800 1234 5670").is_empty());
    }

    #[test]
    fn finds_placeholders() {
        let t = "Здравствуйте, {name}! Ваш [товар] <product> ___ %s ИМЯ XXX";
        let got: Vec<&str> = placeholders(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            got,
            ["{name}", "[товар]", "<product>", "___", "%s", "ИМЯ", "XXX"]
        );
        for clean in [
            "Скидка 50% — это не к нам",
            "Размер [1]",
            "Ответ: 3 > 2 и 1 < 2",
            "Имя и товар",
            "Цена $ 5",
        ] {
            assert!(placeholders(clean).is_empty(), "{clean}");
        }
    }
}
