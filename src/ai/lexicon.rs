//! A small, honest stem-prefix matcher over normalised tokens: how the classifier and the
//! guardrails recognise inflected Russian without a morphological dictionary.
//!
//! Pattern syntax (one pattern per string, words separated by spaces):
//!
//! - `вернем` matches exactly that normalised word (`ё` is written and matched as `е`);
//! - `деньг*` matches any word starting with `деньг` (деньги, деньгами — but not
//!   "денег", so the lexicons write `деньг*|денег`);
//! - `верн*|возврат*|компенсир*` matches any of the alternatives;
//! - `#` matches a number (`3`, `14`);
//! - `~N` between two words lets up to N other words stand between them, never across a
//!   sentence boundary.
//!
//! Prefixes are written as the shortest stem shared by the forms meant (`ден*` would be
//! too broad). Patterns are matched on normalised text, so "Вернём", "вернем" and
//! "ВЕРНЁМ" are the same word.
//!
//! A match is dropped as negated when `не` or `ни` stands in the same clause within two
//! words before it, or inside one of its gaps ("мы не можем вернуть деньги", "это не
//! брак"); groups where that makes no sense switch it off.

use std::ops::Range;

use serde::Deserialize;

use super::normalize::{normalize_word, Token};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Alt {
    Exact(String),
    Prefix(String),
    Number,
}

impl Alt {
    fn matches(&self, t: &Token) -> bool {
        match self {
            Alt::Exact(w) => t.norm == *w,
            Alt::Prefix(p) => t.norm.starts_with(p.as_str()),
            Alt::Number => t.is_number(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Word(Vec<Alt>),
    Gap(usize),
}

/// One compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    elems: Vec<Elem>,
    /// The pattern as written, for evidence and error messages.
    pub source: String,
}

/// Words that negate what follows them.
const NEGATIONS: [&str; 2] = ["не", "ни"];

impl Pattern {
    /// Compile a pattern; see the module documentation for the syntax.
    pub fn parse(source: &str) -> Result<Pattern, String> {
        let mut elems = Vec::new();
        for part in source.split_whitespace() {
            if let Some(n) = part.strip_prefix('~') {
                let n: usize = n
                    .parse()
                    .map_err(|_| format!("pattern '{source}': bad gap '{part}'"))?;
                match elems.last() {
                    Some(Elem::Word(_)) => elems.push(Elem::Gap(n)),
                    _ => return Err(format!("pattern '{source}': gap must follow a word")),
                }
                continue;
            }
            let mut alts = Vec::new();
            for alt in part.split('|') {
                if alt == "#" {
                    alts.push(Alt::Number);
                } else if let Some(p) = alt.strip_suffix('*') {
                    let p = normalize_word(p);
                    if p.chars().count() < 2 {
                        return Err(format!("pattern '{source}': prefix '{alt}' is too short"));
                    }
                    alts.push(Alt::Prefix(p));
                } else {
                    let w = normalize_word(alt);
                    if w.is_empty() {
                        return Err(format!("pattern '{source}': empty word in '{part}'"));
                    }
                    alts.push(Alt::Exact(w));
                }
            }
            elems.push(Elem::Word(alts));
        }
        match (elems.first(), elems.last()) {
            (Some(Elem::Word(_)), Some(Elem::Word(_))) => Ok(Pattern {
                elems,
                source: source.to_string(),
            }),
            (None, _) => Err("empty pattern".to_string()),
            _ => Err(format!("pattern '{source}': cannot end with a gap")),
        }
    }

    /// A seller-entered phrase as a pattern: each word of four letters or more becomes
    /// its stem as a prefix, shorter words must match exactly, and up to one other word
    /// may stand between consecutive words. Explicit pattern syntax (`*`, `|`, `~`) is
    /// taken as written.
    pub fn from_phrase(phrase: &str) -> Result<Pattern, String> {
        if phrase.contains(['*', '|', '~']) {
            return Pattern::parse(phrase);
        }
        let words: Vec<String> = super::normalize::tokenize(phrase)
            .into_iter()
            .map(|t| {
                if t.norm.chars().count() >= 4 && !t.is_number() {
                    let s = super::normalize::stem(&t.norm);
                    // Keep at least four letters so short stems do not match everything.
                    let s = if s.chars().count() < 4 {
                        t.norm.chars().take(4).collect()
                    } else {
                        s
                    };
                    format!("{s}*")
                } else {
                    t.norm
                }
            })
            .collect();
        if words.is_empty() {
            return Err(format!("phrase '{phrase}' has no words"));
        }
        Pattern::parse(&words.join(" ~1 ")).map(|mut p| {
            p.source = phrase.to_string();
            p
        })
    }

    /// The first match starting exactly at token `start`: matched word positions.
    fn match_at(&self, tokens: &[Token], start: usize) -> Option<Vec<usize>> {
        let mut matched = Vec::with_capacity(self.elems.len());
        if self.step(tokens, 0, start, 0, &mut matched) {
            Some(matched)
        } else {
            None
        }
    }

    fn step(
        &self,
        tokens: &[Token],
        elem: usize,
        pos: usize,
        gap: usize,
        matched: &mut Vec<usize>,
    ) -> bool {
        let Some(e) = self.elems.get(elem) else {
            return true;
        };
        match e {
            Elem::Gap(n) => self.step(tokens, elem + 1, pos, *n, matched),
            Elem::Word(alts) => {
                let sentence = matched.first().map(|&i| tokens[i].sentence);
                for skip in 0..=gap {
                    let i = pos + skip;
                    let Some(t) = tokens.get(i) else {
                        return false;
                    };
                    if sentence.is_some_and(|s| s != t.sentence) {
                        return false;
                    }
                    if alts.iter().any(|a| a.matches(t)) {
                        matched.push(i);
                        if self.step(tokens, elem + 1, i + 1, 0, matched) {
                            return true;
                        }
                        matched.pop();
                    }
                }
                false
            }
        }
    }
}

/// A match of one pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the pattern within its set.
    pub pattern: usize,
    /// Token range `first..last+1`.
    pub tokens: Range<usize>,
    /// Byte range in the original text.
    pub span: Range<usize>,
}

/// Patterns with weights, matched together.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    pub patterns: Vec<(Pattern, f32)>,
    /// Drop negated matches (see the module documentation).
    pub negatable: bool,
}

impl PatternSet {
    pub fn new(negatable: bool) -> PatternSet {
        PatternSet {
            patterns: Vec::new(),
            negatable,
        }
    }

    /// Compile and add patterns with one weight.
    pub fn add_all<S: AsRef<str>>(&mut self, sources: &[S], weight: f32) -> Result<(), String> {
        for s in sources {
            self.patterns.push((Pattern::parse(s.as_ref())?, weight));
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Every non-negated match of every pattern, in text order; a pattern matches at most
    /// once per starting word.
    pub fn find_all(&self, tokens: &[Token]) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (pi, (p, _)) in self.patterns.iter().enumerate() {
            for start in 0..tokens.len() {
                let Some(words) = p.match_at(tokens, start) else {
                    continue;
                };
                let last = words.last().copied().unwrap_or(start);
                if self.negatable && negated(tokens, start, last, &words) {
                    continue;
                }
                hits.push(Hit {
                    pattern: pi,
                    tokens: start..last + 1,
                    span: tokens[start].span.start..tokens[last].span.end,
                });
            }
        }
        hits.sort_by_key(|h| (h.span.start, h.span.end));
        hits
    }

    /// Score of a text: overlapping hits form one cue worth the heaviest of them, and a
    /// pattern counts once however often it matches. Returns the hits too.
    pub fn score(&self, tokens: &[Token]) -> (f32, Vec<Hit>) {
        let hits = self.find_all(tokens);
        let mut seen = vec![false; self.patterns.len()];
        let mut total = 0.0;
        let mut i = 0;
        while i < hits.len() {
            // One cluster: hits whose token ranges overlap a running range.
            let mut end = hits[i].tokens.end;
            let mut j = i;
            while j < hits.len() && hits[j].tokens.start < end {
                end = end.max(hits[j].tokens.end);
                j += 1;
            }
            let cluster = &hits[i..j];
            let best = cluster
                .iter()
                .filter(|h| !seen[h.pattern])
                .map(|h| self.patterns[h.pattern].1)
                .fold(0.0f32, f32::max);
            total += best;
            for h in cluster {
                seen[h.pattern] = true;
            }
            i = j;
        }
        (total, hits)
    }

    /// Whether anything matches.
    pub fn matches(&self, tokens: &[Token]) -> bool {
        !self.find_all(tokens).is_empty()
    }
}

/// One group of patterns as written in a lexicon file (`data/lexicons/*.toml`,
/// `data/guardrails/*.toml`): either a flat `patterns` list or `strong`/`medium`/`weak`
/// tiers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub strong: Vec<String>,
    #[serde(default)]
    pub medium: Vec<String>,
    #[serde(default)]
    pub weak: Vec<String>,
    /// Drop negated matches; on unless the file says otherwise.
    pub negatable: Option<bool>,
}

impl GroupDef {
    /// Compile with the given weights for the tiers (`patterns` count as `weak`).
    pub fn compile(&self, strong: f32, medium: f32, weak: f32) -> Result<PatternSet, String> {
        let mut set = PatternSet::new(self.negatable.unwrap_or(true));
        set.add_all(&self.strong, strong)?;
        set.add_all(&self.medium, medium)?;
        set.add_all(&self.weak, weak)?;
        set.add_all(&self.patterns, weak)?;
        Ok(set)
    }
}

/// Is the match `first..=last` (word positions `words`) negated? By «не»/«ни» up to two
/// words before it in the same clause (but not the conditional «если не»: "если не
/// вернёте деньги" still asks for the money), by «не» inside a gap, or by «нет» right
/// after it ("катышков нет").
fn negated(tokens: &[Token], first: usize, last: usize, words: &[usize]) -> bool {
    let clause = tokens[first].clause;
    let is_negation = |i: usize| {
        NEGATIONS.contains(&tokens[i].norm.as_str())
            && !(i > 0 && tokens[i - 1].norm == "если" && tokens[i - 1].clause == clause)
    };
    let before =
        (first.saturating_sub(2)..first).any(|i| tokens[i].clause == clause && is_negation(i));
    let in_gaps = (first..=last).any(|i| !words.contains(&i) && is_negation(i));
    let after = tokens
        .get(last + 1)
        .is_some_and(|t| t.norm == "нет" && t.clause == tokens[last].clause);
    before || in_gaps || after
}

/// Merge overlapping byte ranges, keeping order.
pub fn merge_spans(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in spans {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::normalize::tokenize;
    use super::*;

    fn set(patterns: &[&str]) -> PatternSet {
        let mut s = PatternSet::new(true);
        s.add_all(patterns, 1.0).unwrap();
        s
    }

    fn spans(patterns: &[&str], text: &str) -> Vec<String> {
        set(patterns)
            .find_all(&tokenize(text))
            .into_iter()
            .map(|h| text[h.span].to_string())
            .collect()
    }

    #[test]
    fn exact_prefix_and_alternatives() {
        let p = ["вернем|возместим ~2 деньг*|средств*"];
        assert_eq!(spans(&p, "Мы вернём вам деньги."), ["вернём вам деньги"]);
        assert_eq!(spans(&p, "ВОЗМЕСТИМ средства"), ["ВОЗМЕСТИМ средства"]);
        assert!(spans(&p, "вернем вам все наши деньги").is_empty());
        assert!(spans(&p, "Можно вернуть деньги").is_empty());
    }

    #[test]
    fn gaps_do_not_cross_sentences() {
        let p = ["вернем ~3 деньг*"];
        assert!(spans(&p, "Вернём. Деньги").is_empty());
        assert_eq!(spans(&p, "Вернём, конечно, деньги").len(), 1);
    }

    #[test]
    fn negation_drops_the_match() {
        let p = ["это ~2 брак", "вернем ~2 деньг*"];
        assert!(spans(&p, "Это не брак").is_empty());
        assert!(spans(&p, "мы не вернем деньги").is_empty());
        assert_eq!(spans(&p, "Да, это брак"), ["это брак"]);
        // A negation in an earlier clause does not count.
        assert_eq!(
            spans(&p, "Не переживайте, вернём деньги"),
            ["вернём деньги"]
        );
    }

    #[test]
    fn numbers_match_hash() {
        assert_eq!(
            spans(&["через # дн*|день"], "придёт через 3 дня"),
            ["через 3 дня"]
        );
    }

    #[test]
    fn bad_patterns_are_rejected() {
        assert!(Pattern::parse("").is_err());
        assert!(Pattern::parse("~2 деньги").is_err());
        assert!(Pattern::parse("деньги ~2").is_err());
        assert!(Pattern::parse("д*").is_err());
        assert!(Pattern::parse("а ~x б").is_err());
    }

    #[test]
    fn phrases_become_stem_patterns() {
        let p = Pattern::from_phrase("Дешёвая подделка").unwrap();
        let s = PatternSet {
            patterns: vec![(p, 1.0)],
            negatable: false,
        };
        assert!(s.matches(&tokenize("это дешевую подделку прислали")));
        assert!(s.matches(&tokenize("ДЕШЁВЫЕ ПОДДЕЛКИ")));
        assert!(!s.matches(&tokenize("дешево и сердито")));
    }

    #[test]
    fn spans_merge() {
        assert_eq!(
            merge_spans(vec![5..9, 0..3, 2..4, 9..10]),
            vec![0..4, 5..10]
        );
    }
}
