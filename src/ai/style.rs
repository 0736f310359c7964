//! What the drafts learnt from the seller's edits for one account, channel and product,
//! and how a draft uses it: the offline drafter applies it ([`Style::apply`]), the LLM
//! prompt lists it ([`Style::prompt_lines`]). The `learning` layer learns it from sent
//! replies and loads it for an item.

use super::phrases::{fill, generalise, norm, sentences};

/// A draft longer than this many times the seller's usual length is cut down...
const TOO_LONG: f64 = 1.5;
/// ...to about this many times it.
const CUT_TO: f64 = 1.2;

/// The learnt style a draft for one item applies; empty when nothing was learnt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Style {
    /// Phrases the seller deletes, generalised ({name}, {product}).
    pub avoid: Vec<String>,
    /// Openings the seller adds, most used first ({name}, {product} unfilled).
    pub openings: Vec<String>,
    /// Sign-offs the seller adds, most used first.
    pub closings: Vec<String>,
    /// What the seller adds about this product (care advice and the like).
    pub bodies: Vec<String>,
    /// The usual length of the seller's replies in this channel, in characters.
    pub preferred_chars: Option<f64>,
}

impl Style {
    pub fn is_empty(&self) -> bool {
        self == &Style::default()
    }

    /// Whether a sentence (generalised) is one the seller deletes: the same words, or
    /// containing a deleted phrase of three words or more.
    fn avoids(&self, sentence_norm: &str) -> bool {
        self.avoid.iter().map(|a| norm(a)).any(|a| {
            a == sentence_norm
                || (a.split(' ').count() >= 3
                    && format!(" {sentence_norm} ").contains(&format!(" {a} ")))
        })
    }

    /// `draft` as the seller would have edited it: deleted phrases out, their opening,
    /// product advice and sign-off in, cut towards their usual length. `name` and
    /// `product` are how the draft names the customer and the product. Unchanged when
    /// nothing applies or every sentence would go.
    pub fn apply(&self, draft: &str, name: Option<&str>, product: Option<&str>) -> String {
        if self.is_empty() {
            return draft.to_string();
        }
        let mut kept: Vec<String> = sentences(draft)
            .into_iter()
            .filter(|s| !self.avoids(&norm(&generalise(s, name, product))))
            .collect();
        if kept.is_empty() {
            return draft.to_string();
        }
        let present = |list: &[String], s: &str| list.iter().any(|k| norm(k) == norm(s));
        let filled = |list: &[String]| -> Vec<String> {
            list.iter().filter_map(|p| fill(p, name, product)).collect()
        };
        let mut learnt: Vec<String> = Vec::new();
        if let Some(opening) = filled(&self.openings).into_iter().next() {
            if !present(&kept, &opening) {
                kept.insert(0, opening.clone());
            }
            learnt.push(opening);
        }
        for body in filled(&self.bodies) {
            if !present(&kept, &body) {
                kept.push(body.clone());
            }
            learnt.push(body);
        }
        if let Some(closing) = filled(&self.closings).into_iter().next() {
            if let Some(at) = kept.iter().position(|k| norm(k) == norm(&closing)) {
                kept.remove(at);
            }
            kept.push(closing.clone());
            learnt.push(closing);
        }
        if let Some(preferred) = self.preferred_chars {
            let length = |k: &[String]| k.iter().map(|s| s.chars().count() + 1).sum::<usize>();
            if length(&kept) as f64 > preferred * TOO_LONG {
                // The draft's own middle sentences go first, the last of them first.
                while length(&kept) as f64 > preferred * CUT_TO && kept.len() > 2 {
                    let Some(at) = (1..kept.len() - 1)
                        .rev()
                        .find(|&i| !present(&learnt, &kept[i]))
                    else {
                        break;
                    };
                    kept.remove(at);
                }
            }
        }
        kept.join(" ")
    }

    /// The lines the LLM prompt lists: what to leave out, how to open and sign off, the
    /// usual length. Empty when nothing was learnt.
    pub fn prompt_lines(&self) -> Vec<String> {
        let quote = |list: &[String]| {
            list.iter()
                .take(5)
                .map(|p| format!("«{p}»"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = Vec::new();
        if !self.avoid.is_empty() {
            out.push(format!(
                "продавец удаляет из черновиков эти фразы — не используй их: {}",
                quote(&self.avoid)
            ));
        }
        if !self.openings.is_empty() {
            out.push(format!(
                "продавец начинает ответ так: {}",
                quote(&self.openings[..1])
            ));
        }
        if !self.bodies.is_empty() {
            out.push(format!(
                "продавец добавляет об этом товаре: {}",
                quote(&self.bodies)
            ));
        }
        if !self.closings.is_empty() {
            out.push(format!(
                "продавец заканчивает ответ так: {}",
                quote(&self.closings[..1])
            ));
        }
        if let Some(chars) = self.preferred_chars {
            out.push(format!(
                "обычная длина ответов продавца в этом канале — около {} символов",
                chars.round() as i64
            ));
        }
        if !out.is_empty() {
            out.push("{name} — имя покупателя, {product} — название товара".to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style() -> Style {
        Style {
            avoid: vec!["Будем рады видеть вас снова!".into()],
            openings: vec!["Добрый день, {name}!".into()],
            closings: vec!["С уважением, магазин «Уют».".into()],
            bodies: vec![],
            preferred_chars: None,
        }
    }

    #[test]
    fn a_draft_is_edited_as_the_seller_edits() {
        let out = style().apply(
            "Спасибо за отзыв о «Пледе»! Будем рады видеть вас снова!",
            Some("Анна"),
            Some("«Пледе»"),
        );
        assert_eq!(
            out,
            "Добрый день, Анна! Спасибо за отзыв о «Пледе»! С уважением, магазин «Уют»."
        );
    }

    #[test]
    fn an_opening_needing_an_unknown_name_is_left_out() {
        let out = style().apply("Спасибо за отзыв!", None, None);
        assert_eq!(out, "Спасибо за отзыв! С уважением, магазин «Уют».");
    }

    #[test]
    fn long_drafts_are_cut_towards_the_usual_length() {
        let s = Style {
            preferred_chars: Some(40.0),
            ..Style::default()
        };
        let out = s.apply(
            "Здравствуйте! Спасибо за отзыв. Нам очень приятно. Мы стараемся для вас. Хорошего дня!",
            None,
            None,
        );
        assert!(out.starts_with("Здравствуйте!"), "{out}");
        assert!(out.ends_with("Хорошего дня!"), "{out}");
        assert!(out.chars().count() <= 48 + 20, "{out}");
    }

    #[test]
    fn nothing_learnt_changes_nothing() {
        assert_eq!(
            Style::default().apply("Текст. Ещё.", None, None),
            "Текст. Ещё."
        );
        assert!(Style::default().prompt_lines().is_empty());
    }
}
