//! Searched words on the shared store, matched as SQLite's FTS5 matches them (docs/search.md):
//! each phrase's words whole and one after the other, the last one as a prefix,
//! case-insensitive, ё = е, within one field. A phrase becomes a regular expression over
//! `agentiq_words(…)` (migration 006), which the trigram index serves.

use crate::store::search::{fold_yo, TextField};

/// Characters between words: neither letters nor digits (SQLite's tokenizer splits on
/// them), nor the U+0001 that joins the fields.
const BETWEEN: &str = r"[^[:alnum:]\x01]+";
/// Where a word starts: the start of the text, or after anything but a letter or digit.
const WORD_START: &str = r"(^|[^[:alnum:]])";

/// The regular expression of a phrase, or `None` when it holds no word. Words are letters
/// and digits only, so nothing typed is regular-expression syntax.
pub fn phrase_pattern(text: &str) -> Option<String> {
    let words: Vec<String> = fold_yo(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(format!("{WORD_START}{}", words.join(BETWEEN)))
}

/// The SQL condition that a phrase (the parameter `pattern`) is in `field` of item `i`.
pub fn condition(field: TextField, pattern: &str) -> String {
    let words = match field {
        TextField::Any => "agentiq_words(i.text, i.pros, i.cons, i.product_name, i.customer_name)",
        TextField::Product => "agentiq_words(i.product_name)",
        TextField::Customer => "agentiq_words(i.customer_name)",
    };
    format!("{words} ~ {pattern}")
}

#[cfg(test)]
mod tests {
    use super::phrase_pattern;

    #[test]
    fn a_phrase_becomes_whole_words_in_order_the_last_a_prefix_and_nothing_else() {
        assert_eq!(
            phrase_pattern("Плед тёплый").as_deref(),
            Some(r"(^|[^[:alnum:]])плед[^[:alnum:]\x01]+теплый")
        );
        // Regular-expression syntax never reaches it: only letters and digits do.
        assert_eq!(
            phrase_pattern("a.b | *c (d)").as_deref(),
            Some(r"(^|[^[:alnum:]])a[^[:alnum:]\x01]+b[^[:alnum:]\x01]+c[^[:alnum:]\x01]+d")
        );
        assert_eq!(phrase_pattern(" ,; "), None);
    }
}
