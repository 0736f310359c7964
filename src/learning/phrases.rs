//! What changed between a draft and the reply sent from it, sentence by sentence.

pub use crate::ai::phrases::{fill, generalise, norm, sentences};

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
