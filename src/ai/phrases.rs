//! Replies as sentences, and phrases as the seller's lessons keep them: compared by their
//! words, with the customer's and the product's names as `{name}` and `{product}`.

/// A reply's sentences, punctuation kept: a sentence ends at `.`, `!`, `?` or `…`
/// followed by a space or the end ("1.5" stays whole).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let ends =
            matches!(c, '.' | '!' | '?' | '…') && chars.peek().is_none_or(|n| n.is_whitespace());
        if ends {
            // "?!" and "..." stay with their sentence.
            while let Some(&n) = chars.peek() {
                if matches!(n, '.' | '!' | '?' | '…' | ')' | '»') {
                    current.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            push_trimmed(&mut out, &mut current);
        } else if c == '\n' {
            push_trimmed(&mut out, &mut current);
        }
    }
    push_trimmed(&mut out, &mut current);
    out
}

fn push_trimmed(out: &mut Vec<String>, current: &mut String) {
    let s = current.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
    current.clear();
}

/// What two phrases are compared by: lower-case, ё as е, words only, single spaces;
/// `{name}` and `{product}` kept.
pub fn norm(phrase: &str) -> String {
    let lower = phrase.to_lowercase().replace('ё', "е");
    let mut out = String::new();
    for word in lower.split(|c: char| !(c.is_alphanumeric() || c == '{' || c == '}')) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The item's own names in a phrase replaced by `{name}` and `{product}`, so a lesson from
/// one customer's reply fits the next customer's.
pub fn generalise(phrase: &str, name: Option<&str>, product: Option<&str>) -> String {
    let mut out = phrase.to_string();
    if let Some(p) = product.filter(|p| !p.is_empty()) {
        out = out.replace(p, "{product}");
    }
    if let Some(n) = name.filter(|n| n.chars().count() >= 2) {
        out = replace_word(&out, n, "{name}");
    }
    out
}

/// `phrase` with `{name}` and `{product}` filled; `None` when it needs one that is unknown.
pub fn fill(phrase: &str, name: Option<&str>, product: Option<&str>) -> Option<String> {
    let mut out = phrase.to_string();
    if out.contains("{name}") {
        out = out.replace("{name}", name?);
    }
    if out.contains("{product}") {
        out = out.replace("{product}", product?);
    }
    Some(out)
}

/// Replaces `word` where it stands as a whole word.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        let whole =
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric);
        out.push_str(&rest[..at]);
        out.push_str(if whole { with } else { word });
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_ends_not_numbers() {
        assert_eq!(
            sentences("Здравствуйте, Анна! Размер 1.5 подходит. Хорошего дня!"),
            vec![
                "Здравствуйте, Анна!",
                "Размер 1.5 подходит.",
                "Хорошего дня!"
            ]
        );
        assert_eq!(sentences("Да?! Нет..."), vec!["Да?!", "Нет..."]);
    }

    #[test]
    fn names_are_generalised_and_filled() {
        let g = generalise(
            "Анна, спасибо за «Плед»! Аннабель не при чём.",
            Some("Анна"),
            Some("«Плед»"),
        );
        assert_eq!(g, "{name}, спасибо за {product}! Аннабель не при чём.");
        assert_eq!(
            fill(&g, Some("Ольга"), Some("«Чайник»")).as_deref(),
            Some("Ольга, спасибо за «Чайник»! Аннабель не при чём.")
        );
        assert_eq!(fill("{name}, привет", None, None), None);
    }
}
