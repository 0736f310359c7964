//! Replies as sentences, and what changed between a draft and the reply sent from it.

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

/// Where a sentence the seller added stands in their reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The first sentence, before everything kept from the draft.
    Opening,
    /// Anywhere else.
    Body,
    /// The last sentence, after everything kept from the draft.
    Closing,
}

/// What the seller changed in a draft, sentence by sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// Draft sentences the seller deleted (and did not merely reword).
    pub removed: Vec<String>,
    /// Sentences the seller wrote that no draft sentence became.
    pub added: Vec<(String, Place)>,
}

/// A sentence this similar to a draft sentence is that sentence reworded: neither a
/// deletion nor an addition.
const REWORDED: f32 = 0.6;

/// The sentence-level difference from `draft` to `sent`: the longest common run of equal
/// sentences (compared by [`norm`]) is what was kept; an empty edit when nothing was kept
/// (a rewrite teaches no phrases).
pub fn diff(draft: &str, sent: &str) -> Edit {
    let d = sentences(draft);
    let s = sentences(sent);
    let dn: Vec<String> = d.iter().map(|x| norm(x)).collect();
    let sn: Vec<String> = s.iter().map(|x| norm(x)).collect();
    // Longest common subsequence over sentences.
    let mut table = vec![vec![0usize; sn.len() + 1]; dn.len() + 1];
    for i in (0..dn.len()).rev() {
        for j in (0..sn.len()).rev() {
            table[i][j] = if dn[i] == sn[j] && !dn[i].is_empty() {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut kept_d = vec![false; dn.len()];
    let mut kept_s = vec![false; sn.len()];
    while i < dn.len() && j < sn.len() {
        if dn[i] == sn[j] && !dn[i].is_empty() {
            kept_d[i] = true;
            kept_s[j] = true;
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    let (Some(first), Some(last)) = (
        kept_s.iter().position(|k| *k),
        kept_s.iter().rposition(|k| *k),
    ) else {
        return Edit::default();
    };
    let similar = |a: &str, b: &str| crate::ai::normalize::similarity_normalized(a, b) >= REWORDED;
    let removed: Vec<String> = (0..d.len())
        .filter(|&i| !kept_d[i])
        .filter(|&i| (0..s.len()).all(|j| kept_s[j] || !similar(&dn[i], &sn[j])))
        .map(|i| d[i].clone())
        .collect();
    let added = (0..s.len())
        .filter(|&j| !kept_s[j])
        .filter(|&j| (0..d.len()).all(|i| kept_d[i] || !similar(&dn[i], &sn[j])))
        .map(|j| {
            // Only the very first and last sentences are greetings and sign-offs; what
            // else the seller adds belongs to this reply's subject (its product).
            let place = if j < first && j == 0 {
                Place::Opening
            } else if j > last && j + 1 == s.len() {
                Place::Closing
            } else {
                Place::Body
            };
            (s[j].clone(), place)
        })
        .collect();
    Edit { removed, added }
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

    #[test]
    fn the_diff_finds_deleted_and_added_sentences_by_place() {
        let edit = diff(
            "Здравствуйте! Спасибо за отзыв. Будем рады видеть вас снова!",
            "Добрый день! Спасибо за отзыв. Стирайте при 30 градусах. С уважением, магазин «Уют».",
        );
        assert_eq!(
            edit.removed,
            vec!["Здравствуйте!", "Будем рады видеть вас снова!"]
        );
        assert_eq!(
            edit.added,
            vec![
                ("Добрый день!".to_string(), Place::Opening),
                ("Стирайте при 30 градусах.".to_string(), Place::Body),
                ("С уважением, магазин «Уют».".to_string(), Place::Closing),
            ]
        );
    }

    #[test]
    fn rewording_and_rewriting_teach_no_phrases() {
        let reworded = diff(
            "Здравствуйте! Спасибо за ваш отзыв о пледе.",
            "Здравствуйте! Спасибо за отзыв о пледе.",
        );
        assert_eq!(reworded, Edit::default());
        assert_eq!(
            diff("Здравствуйте! Спасибо.", "Совсем другой ответ."),
            Edit::default()
        );
    }
}
