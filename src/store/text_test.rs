//! A search's terms tested on one item's texts, as the full-text index would match them:
//! a search page walks the queue's order and keeps the rows this accepts, so its cost
//! follows the rows it walks, not the hits of the whole history (collecting those costs
//! about 25 ms for "плед" at a million items before the first row is known).
//!
//! The words are those of `interactions_fts`'s tokenizer (`unicode61`): runs of letters
//! and digits, case folded, `ё` as `е` (migration 001). Its `remove_diacritics 2` folds
//! accented Latin letters; this test folds the common ones of Latin-1 and Latin
//! Extended-A the same way, and leaves Cyrillic as it is, as the tokenizer does.

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use super::search::{TextField, TextTerm};

/// The SQL function a walking search page calls on each row: its arguments are the
/// columns of `interactions_fts`, in order.
pub(super) const FUNCTION: &str = "agentiq_text_matches";

/// Registers [`FUNCTION`] on `conn` for `terms`; a later call replaces it.
pub(super) fn register(conn: &Connection, terms: &[TextTerm]) -> rusqlite::Result<()> {
    let phrases: Vec<Phrase> = terms.iter().filter_map(Phrase::of).collect();
    conn.create_scalar_function(
        FUNCTION,
        5,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let mut columns: [Option<Vec<String>>; 5] = Default::default();
            let mut tokens_of = |i: usize| -> rusqlite::Result<Vec<String>> {
                if let Some(t) = &columns[i] {
                    return Ok(t.clone());
                }
                let text = ctx.get::<Option<String>>(i)?.unwrap_or_default();
                let t = tokens(&text);
                columns[i] = Some(t.clone());
                Ok(t)
            };
            for phrase in &phrases {
                let found = match phrase.field {
                    TextField::Any => {
                        let mut any = false;
                        for i in 0..5 {
                            if phrase.in_tokens(&tokens_of(i)?) {
                                any = true;
                                break;
                            }
                        }
                        any
                    }
                    TextField::Product => phrase.in_tokens(&tokens_of(3)?),
                    TextField::Customer => phrase.in_tokens(&tokens_of(4)?),
                };
                if !found {
                    return Ok(false);
                }
            }
            Ok(true)
        },
    )
}

/// One term: its words must follow each other in one column, the last as a prefix.
struct Phrase {
    field: TextField,
    words: Vec<String>,
}

impl Phrase {
    fn of(term: &TextTerm) -> Option<Phrase> {
        let words = tokens(&term.text);
        (!words.is_empty()).then_some(Phrase {
            field: term.field,
            words,
        })
    }

    fn in_tokens(&self, tokens: &[String]) -> bool {
        let n = self.words.len();
        if tokens.len() < n {
            return false;
        }
        tokens.windows(n).any(|w| {
            w.iter().zip(&self.words).enumerate().all(|(i, (t, word))| {
                if i + 1 == n {
                    t.starts_with(word.as_str())
                } else {
                    t == word
                }
            })
        })
    }
}

/// The tokenizer's words of `s`.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                word.push(fold(lower));
            }
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// `ё` as `е`, and an accented Latin letter as its base letter.
fn fold(c: char) -> char {
    match c {
        'ё' => 'е',
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_agrees_with_the_full_text_index() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(text, pros, cons, product_name, customer_name,
                 tokenize = 'unicode61 remove_diacritics 2')",
        )
        .unwrap();
        let docs = [
            "Плед пришёл мятый, но тёплый",
            "ПЛЕДЫ отличные! Не работает молния",
            "Кофе в café «Ёлка» — не-работает",
            "Пледик 2шт., размер 200x220",
            "йогурт и иголка, naïve résumé",
        ];
        for (i, d) in docs.iter().enumerate() {
            conn.execute(
                "INSERT INTO t (rowid, text) VALUES (?1, ?2)",
                rusqlite::params![i as i64, super::super::search::fold_yo(d)],
            )
            .unwrap();
        }
        for query in [
            "плед",
            "пледы",
            "мят",
            "не работает",
            "работ",
            "cafe",
            "елк",
            "ёлка",
            "2шт",
            "200x",
            "йог",
            "игол",
            "naive resume",
            "resum",
            "теплый",
            "но теп",
        ] {
            let terms = [TextTerm::any(query)];
            let expression = super::super::search::fts_expression(&terms).unwrap();
            let mut stmt = conn
                .prepare("SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid")
                .unwrap();
            let indexed: Vec<i64> = stmt
                .query_map([&expression], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            register(&conn, &terms).unwrap();
            let tested: Vec<i64> = conn
                .prepare(&format!(
                    "SELECT rowid FROM t
                     WHERE {FUNCTION}(text, pros, cons, product_name, customer_name)
                     ORDER BY rowid"
                ))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(tested, indexed, "{query}");
        }
    }
}
