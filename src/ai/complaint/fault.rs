//! Where a fault stands in a clause: a listed fault pattern, or one read from the
//! clause's shape, and whether its words can stand without a named part.

use super::words;
use super::{matches_with, Lexicon};
use crate::ai::normalize::Token;

/// Whether a fault word can follow "товар" without its own subject: present tense
/// singular ("не включается", "течёт") or no verb at all ("маломерит", "не как на фото").
/// A masculine past tense ("перестал", "сломался") agrees with "товар" too; a plural
/// ("скрипят") does not.
pub(super) fn stands_alone(fault_words: &[&Token]) -> bool {
    let other_number_or_gender = |w: &str| {
        [
            "ла", "ло", "ли", "лась", "лось", "лись", "ят", "ут", "ют", "ются", "ятся", "утся",
            "атся", "но",
        ]
        .iter()
        .any(|e| w.ends_with(e))
            || (w.chars().count() > 4 && w.ends_with("ат"))
    };
    // "привезли треснутую": an adjective agreeing with a word outside the quote cannot
    // take "товар" as its subject ("товар треснутую").
    let agrees_elsewhere = |w: &str| {
        w.chars().count() > 4
            && [
                "ую", "юю", "ая", "яя", "ые", "ие", "ое", "ее", "ых", "их", "ым", "ыми", "ими",
                "ого", "ому",
            ]
            .iter()
            .any(|e| w.ends_with(e))
    };
    !fault_words
        .iter()
        .any(|t| other_number_or_gender(&t.norm) || agrees_elsewhere(&t.norm))
}

/// Whether a word is an infinitive ("синхронизироваться", "заряжаться"): a fault like
/// "перестал" takes it into the quote.
pub(super) fn is_infinitive(word: &str) -> bool {
    word.chars().count() > 4
        && ["ть", "ться", "тись", "чь"]
            .iter()
            .any(|e| word.ends_with(e))
}

/// Where a fault stands in the tokens, and how sure the reading is.
pub(super) struct Fault {
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// Names a problem without a part ("маломерит").
    pub(super) alone: bool,
    /// Read from the shape of the clause, not from the lexicon: ranked after listed faults.
    pub(super) shaped: bool,
}

/// Words after "не" that leave the fault open ("не та модель", "не такой как на фото").
pub(super) const DANGLING: &[&str] = &[
    "тот",
    "та",
    "то",
    "те",
    "ту",
    "другой",
    "другая",
    "другое",
    "другую",
    "другие",
    "такой",
    "такая",
    "такое",
    "такие",
    "такого",
];

/// Objects no fault has: "нет претензий" is praise.
const NOT_MISSING: &[&str] = &[
    "претенз",
    "слов",
    "проблем",
    "нарекан",
    "замечан",
    "вопрос",
    "минус",
    "недостат",
];

/// The fault starting at token `i`: a listed pattern, or a clause shaped like one — a
/// negated verb or adjective ("не вставляется", "не стойкие"), a parcel that came in a
/// bad state ("пришли прогорклые", "мятая пришла"), something missing ("нет звука").
pub(super) fn fault_at(lex: &Lexicon, tokens: &[Token], i: usize) -> Option<Fault> {
    let same_clause = |j: usize| j < tokens.len() && tokens[j].clause == tokens[i].clause;
    if let Some((words, alone, _)) = lex.faults.iter().find(|(words, _, listed)| {
        i + words.len() <= tokens.len()
            && words
                .iter()
                .zip(&tokens[i..])
                .all(|(p, t)| matches_with(p, &t.norm, *listed))
            && tokens[i..i + words.len()]
                .iter()
                .all(|t| t.clause == tokens[i].clause)
    }) {
        return Some(Fault {
            lo: i,
            hi: i + words.len(),
            alone: *alone,
            shaped: false,
        });
    }
    let w = tokens[i].norm.as_str();
    let next = same_clause(i + 1).then(|| tokens[i + 1].norm.as_str());
    let shaped = |lo, hi, alone| {
        Some(Fault {
            lo,
            hi,
            alone,
            shaped: true,
        })
    };
    match (w, next) {
        ("не", Some(n)) if DANGLING.contains(&n) => shaped(i, i + 2, true),
        ("не", Some(n))
            if (words::is_verb_like(n) || words::is_adjective_like(n))
                && !words::is_customer_verb(n)
                && !words::is_function_word(n) =>
        {
            shaped(i, i + 2, false)
        }
        ("нет", Some(n))
            if !words::is_function_word(n)
                && !words::is_verb_like(n)
                && !NOT_MISSING.iter().any(|m| n.starts_with(m)) =>
        {
            shaped(i, i + 2, true)
        }
        _ if words::is_arrival(w) => {
            // "пришла вся мятая", "мятая пришла".
            let mut j = i + 1;
            while same_clause(j)
                && ["весь", "вся", "все", "всё", "уже", "совсем", "просто"]
                    .contains(&tokens[j].norm.as_str())
            {
                j += 1;
            }
            let bad =
                |t: &Token| words::is_adjective_like(&t.norm) && !words::is_good_state(&t.norm);
            if same_clause(j) && bad(&tokens[j]) {
                shaped(i, j + 1, false)
            } else if i > 0 && tokens[i - 1].clause == tokens[i].clause && bad(&tokens[i - 1]) {
                shaped(i - 1, i + 1, false)
            } else {
                None
            }
        }
        _ => None,
    }
}
