//! Text normalisation shared by the classifier, the guardrails and reuse: lowercase,
//! `ё` → `е`, punctuation stripped, Latin look-alike letters inside Cyrillic words mapped
//! back to Cyrillic, invisible characters dropped. Tokens keep the byte range they came
//! from so that findings can point at the seller's own text, which is never rewritten.

use std::ops::Range;

/// One word of a text, normalised, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Normalised form: lowercase, `ё` → `е`, no punctuation.
    pub norm: String,
    /// Byte range of the word in the original text.
    pub span: Range<usize>,
    /// Sentence number (breaks at `.`, `!`, `?`, `;`, `…` and line breaks).
    pub sentence: u32,
    /// Clause number (breaks additionally at commas, colons, dashes, brackets, quotes).
    pub clause: u32,
    /// Whether the word was written in capitals (at least two letters, all upper case).
    pub upper: bool,
}

impl Token {
    pub fn is_number(&self) -> bool {
        !self.norm.is_empty() && self.norm.chars().all(|c| c.is_ascii_digit())
    }
}

/// Characters that never belong to a word and are dropped silently (zero-width spaces,
/// soft hyphens, combining acute accents used as stress marks).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{0301}'
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_invisible(c)
}

fn is_sentence_break(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | '…' | '\n' | '\r')
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        ',' | ':' | '—' | '–' | '(' | ')' | '"' | '«' | '»' | '“' | '”' | '„'
    )
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// A Latin letter that looks like a Cyrillic one, as used to dodge filters ("бoт").
fn cyrillic_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' | 'A' => 'а',
        'c' | 'C' => 'с',
        'e' | 'E' => 'е',
        'o' | 'O' => 'о',
        'p' | 'P' => 'р',
        'x' | 'X' => 'х',
        'y' => 'у',
        'k' | 'K' => 'к',
        'B' => 'в',
        'H' => 'н',
        'M' => 'м',
        'T' => 'т',
        _ => return None,
    })
}

/// Normalise one raw word (no separators inside).
pub fn normalize_word(raw: &str) -> String {
    let mixed = raw.chars().any(is_cyrillic) && raw.chars().any(|c| c.is_ascii_alphabetic());
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_invisible(c) {
            continue;
        }
        let c = if mixed {
            cyrillic_lookalike(c).unwrap_or(c)
        } else {
            c
        };
        for l in c.to_lowercase() {
            out.push(if l == 'ё' { 'е' } else { l });
        }
    }
    out
}

/// Abbreviations whose period does not end a sentence ("ул. Ленина, д. 5", "и т. д.").
const ABBREVIATIONS: &[&str] = &[
    "ул",
    "д",
    "кв",
    "корп",
    "стр",
    "пр",
    "пер",
    "просп",
    "наб",
    "мкр",
    "пл",
    "г",
    "им",
    "т",
    "е",
    "др",
    "п",
];

/// Split a text into normalised word tokens with their byte ranges.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut sentence = 0u32;
    let mut clause = 0u32;
    let mut start: Option<usize> = None;
    let push = |tokens: &mut Vec<Token>, s: usize, e: usize, sentence: u32, clause: u32| {
        let raw = &text[s..e];
        let norm = normalize_word(raw);
        if norm.is_empty() {
            return;
        }
        let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
        let upper = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
        tokens.push(Token {
            norm,
            span: s..e,
            sentence,
            clause,
            upper,
        });
    };
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            push(&mut tokens, s, i, sentence, clause);
        }
        let abbreviation = c == '.'
            && tokens
                .last()
                .is_some_and(|t| t.span.end == i && ABBREVIATIONS.contains(&t.norm.as_str()));
        if is_sentence_break(c) && !abbreviation {
            sentence += 1;
            clause += 1;
        } else if is_clause_break(c) || abbreviation {
            clause += 1;
        }
    }
    if let Some(s) = start {
        push(&mut tokens, s, text.len(), sentence, clause);
    }
    tokens
}

/// The text as one normalised string of words separated by single spaces.
pub fn normalize(text: &str) -> String {
    let tokens = tokenize(text);
    let mut out = String::with_capacity(text.len());
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&t.norm);
    }
    out
}

/// Endings removed by [`stem`], longest first within each length.
const ENDINGS: &[&str] = &[
    "иями", "ями", "ами", "ого", "его", "ому", "ему", "ыми", "ими", "ешь", "ишь", "ете", "ите",
    "ает", "яет", "уют", "ают", "ует", "ала", "ила", "ыла", "ела", "али", "или", "ели", "ать",
    "ять", "ить", "еть", "уть", "ешь", "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ую", "юю",
    "ом", "ем", "ах", "ях", "ов", "ев", "ам", "ям", "ет", "ют", "ут", "ит", "ат", "ят", "им", "ым",
    "ть", "ла", "ло", "ли", "ие", "ия", "ию", "ии", "ые", "ых", "ал", "ил", "ел", "ыл", "а", "я",
    "о", "е", "ы", "и", "у", "ю", "ь", "й",
];

/// A deliberately small Russian stemmer: drops a reflexive `-ся/-сь` and one common
/// inflectional ending, keeping at least three letters of stem. It is not Snowball; it
/// only has to make "вернём"/"вернем"/"вернуть" and "деньги"/"денег" meet often enough
/// for retrieval and for turning seller-entered banned phrases into stem patterns.
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 3 || !chars.iter().any(|c| is_cyrillic(*c)) {
        return word.to_string();
    }
    let mut end = chars.len();
    let tail: String = chars[end.saturating_sub(2)..end].iter().collect();
    if (tail == "ся" || tail == "сь") && end - 2 >= 4 {
        end -= 2;
    }
    let body: String = chars[..end].iter().collect();
    for ending in ENDINGS {
        let n = ending.chars().count();
        if end > n + 2 && body.ends_with(ending) {
            return chars[..end - n].iter().collect();
        }
    }
    body
}

/// Words too common to say anything about what a text is about.
pub const STOP_WORDS: &[&str] = &[
    "и",
    "в",
    "во",
    "на",
    "с",
    "со",
    "что",
    "а",
    "но",
    "я",
    "мы",
    "вы",
    "он",
    "она",
    "оно",
    "они",
    "это",
    "как",
    "по",
    "из",
    "за",
    "для",
    "у",
    "к",
    "ко",
    "о",
    "об",
    "от",
    "же",
    "ли",
    "бы",
    "то",
    "так",
    "уже",
    "очень",
    "все",
    "еще",
    "мне",
    "меня",
    "нас",
    "вас",
    "вам",
    "нам",
    "его",
    "ее",
    "их",
    "там",
    "тут",
    "был",
    "была",
    "было",
    "были",
    "есть",
    "до",
    "при",
    "или",
    "если",
    "да",
    "ну",
    "вот",
    "этот",
    "эта",
    "эти",
    "этого",
    "такой",
    "просто",
    "только",
    "можно",
    "нельзя",
    "ли",
    "подскажите",
    "скажите",
    "пожалуйста",
    "здравствуйте",
    "спасибо",
    "какой",
    "какая",
    "какое",
    "какие",
    "какого",
    "какую",
    "каким",
    "сколько",
    "насколько",
    "будет",
    "будут",
    "не",
    "ни",
    "а",
    "же",
];

/// Content stems of a text, for retrieval and overlap scores.
pub fn content_stems(text: &str) -> Vec<String> {
    tokenize(text)
        .into_iter()
        .filter(|t| !STOP_WORDS.contains(&t.norm.as_str()))
        .map(|t| stem(&t.norm))
        .collect()
}

/// Similarity of two texts in 0.0..=1.0 on their normalised forms: one minus the edit
/// distance divided by the longer length, counted in characters for texts up to
/// [`CHAR_SIMILARITY_LIMIT`] characters and in words beyond (to stay fast). Equal texts
/// after normalisation give 1; "Анна, спасибо…" against "Ольга, спасибо…" stays high.
pub fn similarity(a: &str, b: &str) -> f32 {
    similarity_normalized(&normalize(a), &normalize(b))
}

/// Texts longer than this (in characters) are compared word by word.
pub const CHAR_SIMILARITY_LIMIT: usize = 1200;

/// [`similarity`] of two already normalised strings (see [`normalize`]).
pub fn similarity_normalized(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    if longest <= CHAR_SIMILARITY_LIMIT {
        return 1.0 - levenshtein(&a, &b) as f32 / longest as f32;
    }
    let a: String = a.into_iter().collect();
    let b: String = b.into_iter().collect();
    let aw: Vec<&str> = a.split(' ').collect();
    let bw: Vec<&str> = b.split(' ').collect();
    1.0 - levenshtein(&aw, &bw) as f32 / aw.len().max(bw.len()).max(1) as f32
}

/// [`similarity_normalized`] when it is at least `threshold`, else `None`. Computes only
/// the diagonal band of the edit-distance table that can reach the threshold, so checking
/// a reply against dozens of recent answers stays cheap.
pub fn similarity_at_least(a: &str, b: &str, threshold: f32) -> Option<f32> {
    let ac: Vec<char> = a.chars().collect();
    let bc: Vec<char> = b.chars().collect();
    let longest = ac.len().max(bc.len());
    if longest == 0 {
        return (threshold <= 1.0).then_some(1.0);
    }
    if longest > CHAR_SIMILARITY_LIMIT {
        let s = similarity_normalized(a, b);
        return (s >= threshold).then_some(s);
    }
    let max_dist = ((1.0 - threshold.clamp(0.0, 1.0)) * longest as f32).floor() as usize;
    let d = levenshtein_within(&ac, &bc, max_dist)?;
    let s = 1.0 - d as f32 / longest as f32;
    (s >= threshold).then_some(s)
}

/// Edit distance if it is at most `k`, else `None` (Ukkonen's band).
fn levenshtein_within<T: PartialEq>(a: &[T], b: &[T], k: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > k {
        return None;
    }
    const INF: usize = usize::MAX / 2;
    let mut prev = vec![INF; m + 1];
    let mut cur = vec![INF; m + 1];
    for (j, slot) in prev.iter_mut().enumerate().take(k.min(m) + 1) {
        *slot = j;
    }
    for i in 1..=n {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        // Only the band is computed; the cells just outside it must read as infinite.
        cur[0] = if i <= k { i } else { INF };
        if lo > 1 {
            cur[lo - 1] = INF;
        }
        let mut row_min = cur[0];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let v = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < m {
            cur[hi + 1] = INF;
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= k).then_some(prev[m])
}

/// The full edit distance, from `strsim`. The banded [`levenshtein_within`] stays ours:
/// `strsim` has no bounded variant, and the band is what keeps checking a reply against
/// dozens of recent answers cheap.
fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    strsim::generic_levenshtein(&Items(a), &Items(b))
}

/// A slice as `strsim` takes a sequence (a sized value whose reference iterates).
struct Items<'a, T>(&'a [T]);

impl<'a, T> IntoIterator for &Items<'a, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Share of letters that are Cyrillic (0 when there are no letters).
pub fn cyrillic_share(text: &str) -> f32 {
    let mut letters = 0usize;
    let mut cyr = 0usize;
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if is_cyrillic(c) {
            cyr += 1;
        }
    }
    if letters == 0 {
        0.0
    } else {
        cyr as f32 / letters as f32
    }
}

/// Whether a text is "shouted": at least ten letters, at least 60% of them capitals.
pub fn is_shouting(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 10 {
        return false;
    }
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    upper * 10 >= letters.len() * 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_yo_and_punctuation() {
        assert_eq!(normalize("Вернём ДЕНЬГИ, ёлки!"), "вернем деньги елки");
        assert_eq!(normalize("  "), "");
    }

    #[test]
    fn tokens_keep_byte_ranges_of_the_original() {
        let text = "Мы вернём деньги";
        let tokens = tokenize(text);
        assert_eq!(tokens.len(), 3);
        assert_eq!(&text[tokens[1].span.clone()], "вернём");
        assert_eq!(tokens[1].norm, "вернем");
    }

    #[test]
    fn sentences_and_clauses_are_counted() {
        let t = tokenize("Раз, два. Три");
        assert_eq!((t[0].sentence, t[0].clause), (0, 0));
        assert_eq!((t[1].sentence, t[1].clause), (0, 1));
        assert_eq!(t[2].sentence, 1);
    }

    #[test]
    fn abbreviation_periods_do_not_end_sentences() {
        let t = tokenize("ул. Ленина, д. 5. Спасибо");
        assert_eq!(t[0].sentence, t[3].sentence, "ул. … 5");
        assert_ne!(t[3].sentence, t[4].sentence);
    }

    #[test]
    fn latin_lookalikes_and_invisible_characters_are_undone() {
        // "бoт" with a Latin o, "ро\u{200B}бот" with a zero-width space.
        assert_eq!(normalize("бoт"), "бот");
        assert_eq!(normalize("ро\u{200B}бот"), "робот");
        // A pure Latin word is left alone.
        assert_eq!(normalize("Ozon"), "ozon");
    }

    #[test]
    fn stems_meet_across_inflections() {
        assert_eq!(stem("деньги"), stem("деньгами"));
        assert_eq!(stem("работает"), stem("работать"));
        assert_eq!(stem("сломался"), stem("сломалась"));
        assert_eq!(stem("он"), "он");
    }

    #[test]
    fn similarity_ignores_case_and_punctuation() {
        assert_eq!(similarity("Спасибо за отзыв!", "спасибо за ОТЗЫВ"), 1.0);
        let s = similarity(
            "Анна, спасибо за отзыв о пледе, рады что понравился",
            "Ольга, спасибо за отзыв о пледе, рады что понравился",
        );
        assert!((0.9..1.0).contains(&s), "{s}");
        assert!(similarity("совсем другой текст", "спасибо за покупку") < 0.5);
        assert_eq!(similarity("", ""), 1.0);
        let long_a = "слово ".repeat(400);
        let long_b = format!("{long_a} ещё");
        assert!(similarity(&long_a, &long_b) > 0.99);
    }

    #[test]
    fn banded_similarity_agrees_with_the_full_one() {
        let pairs = [
            (
                "анна спасибо за отзыв о пледе",
                "ольга спасибо за отзыв о пледе",
            ),
            ("абвгд", "абвгд"),
            ("", ""),
            ("спасибо", "спасибо большое за покупку"),
            ("kitten sitting", "sitting kitten"),
        ];
        for (a, b) in pairs {
            let full = similarity_normalized(a, b);
            for t in [0.0, 0.5, 0.8, 0.9, 1.0] {
                match similarity_at_least(a, b, t) {
                    Some(s) => assert!((s - full).abs() < 1e-6 && s >= t, "{a}/{b}/{t}"),
                    None => assert!(full < t, "{a}/{b}/{t}: {full}"),
                }
            }
        }
    }

    #[test]
    fn shouting_needs_enough_capitals() {
        assert!(is_shouting("СЛОМАЛСЯ ЧЕРЕЗ НЕДЕЛЮ"));
        assert!(!is_shouting("Сломался через неделю"));
        assert!(!is_shouting("OK"));
    }
}
