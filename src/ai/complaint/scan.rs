//! Reading a text's clauses for problems: each fault widened to read whole, its part
//! (before it, its subject, or its object), and the quote from the part to the fault.

use super::fault::{fault_at, is_infinitive, stands_alone, Fault, DANGLING};
use super::words;
use super::{lexicon, matches, Lexicon, Problem, AUXILIARIES, MAX_QUOTE_WORDS};
use super::{PART_WINDOW, TAIL_WORDS};
use crate::ai::normalize::{stem, tokenize, Token};

/// The problems in `text`, at most two, in the order written.
pub fn problems(text: &str) -> Vec<Problem> {
    let lex = lexicon();
    let tokens = tokenize(text);
    let mut scan = Scan {
        text,
        tokens: &tokens,
        lex,
        used: vec![false; tokens.len()],
        found: Vec::new(),
        last_start: None,
    };
    let mut i = 0;
    while i < tokens.len() {
        let Some(fault) = fault_at(lex, &tokens, i) else {
            i += 1;
            continue;
        };
        let (f_lo, f_hi) = scan.fault_span(&fault);
        i = f_hi.max(i + 1);
        if !scan.used[f_lo..f_hi].iter().any(|u| *u) {
            scan.take(&fault, f_lo, f_hi);
        }
    }
    strongest(scan.found)
}

/// Listed faults first, then those with a part, then in the order written; two at most,
/// in the order written.
fn strongest(mut found: Vec<(usize, bool, Problem)>) -> Vec<Problem> {
    found.sort_by_key(|(at, shaped, p)| (*shaped, p.part.is_none(), *at));
    found.truncate(2);
    found.sort_by_key(|(at, _, _)| *at);
    found.into_iter().map(|(_, _, p)| p).collect()
}

/// A text's problems as they are found, and the words they took.
struct Scan<'a> {
    text: &'a str,
    tokens: &'a [Token],
    lex: &'a Lexicon,
    /// Words already quoted by a problem.
    used: Vec<bool>,
    /// Each problem with the token its quote starts at and whether its fault was read
    /// from the clause's shape.
    found: Vec<(usize, bool, Problem)>,
    /// Where the last problem's quote starts in `text`.
    last_start: Option<usize>,
}

impl Scan<'_> {
    /// The fault's words as the quote needs them: with the verb of an adverb's fault, the
    /// auxiliary before an infinitive, and what a dangling "не та" or "перестал" needs.
    fn fault_span(&self, fault: &Fault) -> (usize, usize) {
        let (tokens, used) = (self.tokens, &self.used);
        let (mut f_lo, mut f_hi) = (fault.lo, fault.hi);
        // "светит тускло", "сидит криво": a fault told by an adverb starts at its verb.
        if f_hi == f_lo + 1
            && f_lo > 0
            && !used[f_lo - 1]
            && tokens[f_lo - 1].clause == tokens[f_lo].clause
            && words::is_verb_like(&tokens[f_lo - 1].norm)
            && tokens[f_lo].norm.ends_with('о')
            && !words::is_verb_like(&tokens[f_lo].norm)
        {
            f_lo -= 1;
        }
        // "начал пахнуть горелым и отключаться": the auxiliary starts the quote.
        if is_infinitive(&tokens[f_lo].norm) {
            let clause = tokens[f_lo].clause;
            if let Some(k) = (f_lo.saturating_sub(PART_WINDOW)..f_lo).rev().find(|&k| {
                tokens[k].clause == clause
                    && AUXILIARIES.iter().any(|a| tokens[k].norm.starts_with(a))
            }) {
                if (k..f_lo).all(|j| !used[j]) {
                    f_lo = k;
                }
            }
        }
        // "перестал синхронизироваться"; "пришла не та модель" (never a dangling "не та").
        let dangling = DANGLING.contains(&tokens[f_hi - 1].norm.as_str());
        if f_hi < tokens.len()
            && tokens[f_hi].clause == tokens[f_lo].clause
            && (dangling || is_infinitive(&tokens[f_hi].norm))
        {
            f_hi += 1;
            // "не такой как на картинке": the comparison is the fault.
            if dangling && tokens[f_hi - 1].norm == "как" {
                let clause = tokens[f_lo].clause;
                while f_hi < tokens.len() && f_hi < f_lo + 6 && tokens[f_hi].clause == clause {
                    f_hi += 1;
                }
            }
        }
        (f_lo, f_hi)
    }

    /// The problem of the fault at `f_lo..f_hi`, with its part and quote, when it names
    /// one; or the fault joined to the problem before it.
    fn take(&mut self, fault: &Fault, f_lo: usize, f_hi: usize) {
        let tokens = self.tokens;
        let clause = tokens[f_lo].clause;
        // The verb's object: "перестала держать заряд", "не видит сим карту".
        let verb_last = words::is_verb_like(&tokens[f_hi - 1].norm);
        let c_hi = if verb_last {
            complement_end(tokens, f_hi, &self.used, self.lex)
        } else {
            f_hi
        };
        let before = self.part_before(f_lo, clause);
        let part = before.or_else(|| self.part_after(f_hi, c_hi, clause));
        if before.is_none() && self.joins_previous(f_lo, clause) && self.extend_last(f_lo, c_hi) {
            return;
        }
        let fault_tokens: Vec<&Token> = tokens[f_lo..f_hi].iter().collect();
        if part.is_none() && !(fault.alone || stands_alone(&fault_tokens)) {
            return;
        }
        let Some((lo, hi)) = self.quote_span(part, f_lo, c_hi, clause) else {
            return;
        };
        for u in &mut self.used[lo..hi] {
            *u = true;
        }
        let quote = self.text[tokens[lo].span.start..tokens[hi - 1].span.end]
            .trim()
            .to_lowercase();
        self.last_start = Some(tokens[lo].span.start);
        let problem = Problem {
            quote,
            part: part.map(|p| stem(&tokens[p].norm)),
            fault: fault_tokens
                .iter()
                .map(|t| t.norm.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        };
        self.found.push((lo, fault.shaped, problem));
    }

    /// Whether the word at `j` is a free part word of the clause.
    fn part_at(&self, j: usize, clause: u32) -> bool {
        !self.used[j]
            && self.tokens[j].clause == clause
            && self
                .lex
                .parts
                .iter()
                .any(|p| matches(p, &self.tokens[j].norm))
    }

    /// The fault's part before it: the leftmost part of an unbroken noun group ("крышка
    /// батарейного отсека отваливается" names the cover, not the compartment), never one
    /// right after a preposition ("у сумки", "на рюкзаке"); else its subject.
    fn part_before(&self, f_lo: usize, clause: u32) -> Option<usize> {
        let tokens = self.tokens;
        let after_preposition = |j: usize| {
            j > 0 && tokens[j - 1].clause == clause && words::is_preposition(&tokens[j - 1].norm)
        };
        let mut before = None;
        for j in (f_lo.saturating_sub(PART_WINDOW)..f_lo).rev() {
            if tokens[j].clause != clause
                || ["и", "а", "но", "или"].contains(&tokens[j].norm.as_str())
            {
                break;
            }
            if self.part_at(j, clause) && !after_preposition(j) {
                before = Some(j);
            }
        }
        before.or_else(|| subject_before(tokens, f_lo, &self.used, self.lex))
    }

    /// The fault's part after it, when none comes before: its object read as the subject
    /// ("отвалилась нога": after a reflexive or past verb a noun not in an oblique case;
    /// "пахнет химией", "держать заряд" take objects), or a part word past the object.
    fn part_after(&self, f_hi: usize, c_hi: usize, clause: u32) -> Option<usize> {
        let tokens = self.tokens;
        let object_is_subject = c_hi > f_hi && {
            let verb = tokens[f_hi - 1].norm.as_str();
            let noun = tokens[f_hi].norm.as_str();
            (verb.ends_with("ся") || verb.ends_with("сь") || words::is_past(verb))
                && !words::is_oblique(noun)
        };
        if object_is_subject {
            return Some(f_hi);
        }
        (c_hi..(c_hi + PART_WINDOW).min(tokens.len())).find(|j| self.part_at(*j, clause))
    }

    /// "начал пахнуть горелым и отключаться", "стали жёсткие и полиняли": a second
    /// predicate of the same subject, after "и", joins the problem before it.
    fn joins_previous(&self, f_lo: usize, clause: u32) -> bool {
        let (tokens, used) = (self.tokens, &self.used);
        f_lo >= 2 && tokens[f_lo - 1].norm == "и" && tokens[f_lo - 1].clause == clause && {
            // Past adverbs and codes: "воняет ужасно и", "выдаёт ошибку Е4 и".
            let mut k = f_lo - 2;
            while k > 0
                && !used[k]
                && tokens[k].clause == clause
                && (words::is_adverb(&tokens[k].norm)
                    || tokens[k].norm.chars().any(|c| c.is_ascii_digit()))
            {
                k -= 1;
            }
            used[k] && tokens[k].clause == clause
        }
    }

    /// The last problem's quote extended to `c_hi`; false when there is none.
    fn extend_last(&mut self, f_lo: usize, c_hi: usize) -> bool {
        let (Some((_, _, last)), Some(start)) = (self.found.last_mut(), self.last_start) else {
            return false;
        };
        let end = self.tokens[c_hi - 1].span.end;
        last.quote = self.text[start..end].trim().to_lowercase();
        for u in &mut self.used[f_lo - 1..c_hi] {
            *u = true;
        }
        true
    }

    /// The words the quote takes: the part and the fault with its object, a short tail
    /// ("через неделю", "после первой стирки") and a "не" before a part-less fault;
    /// `None` when that is too long to quote.
    fn quote_span(
        &self,
        part: Option<usize>,
        f_lo: usize,
        c_hi: usize,
        clause: u32,
    ) -> Option<(usize, usize)> {
        let tokens = self.tokens;
        let (mut lo, mut hi) = match part {
            Some(p) if p < f_lo => (p, c_hi),
            Some(p) => (f_lo, (p + 1).max(c_hi)),
            None => (f_lo, c_hi),
        };
        if hi - lo > MAX_QUOTE_WORDS {
            return None;
        }
        if hi < tokens.len()
            && tokens[hi].clause == clause
            && self.lex.tails.contains(&tokens[hi].norm)
            && (c_hi == hi)
        {
            if let Some(e) = tail_end(tokens, hi) {
                if e + 1 - lo <= MAX_QUOTE_WORDS + TAIL_WORDS {
                    hi = e + 1;
                }
            }
        }
        // Keep "не" with a negated part-first quote ("пульт не реагирует" is whole).
        if lo > 0
            && tokens[lo - 1].norm == "не"
            && tokens[lo - 1].clause == clause
            && part.is_none()
        {
            lo -= 1;
        }
        Some((lo, hi))
    }
}

/// The noun group that is the fault's subject when no listed part is: the nearest word
/// before the fault that can be a noun ("роутер постоянно теряет", "дозатор у геля не
/// работает"), with an adjective before it ("тормозные колодки"). Adverbs and
/// prepositional groups in between are skipped; a conjunction or another verb ends the
/// search.
fn subject_before(tokens: &[Token], f_lo: usize, used: &[bool], lex: &Lexicon) -> Option<usize> {
    let clause = tokens[f_lo].clause;
    let is_part = |w: &str| lex.parts.iter().any(|p| matches(p, w));
    let mut j = f_lo;
    let mut steps = 0;
    while j > 0 && steps < 5 {
        j -= 1;
        steps += 1;
        let t = &tokens[j];
        if t.clause != clause || used[j] {
            return None;
        }
        let w = t.norm.as_str();
        if words::is_adverb(w) || FILLERS.contains(&w) || words::is_linking_verb(w) {
            continue;
        }
        if let Some(group) = prepositional_group_before(tokens, j, clause) {
            j -= group;
            continue;
        }
        // "гантели облезли": a plural noun in "-ли" opening its clause, right before the
        // fault, is its subject though it reads as a past tense.
        let opens_clause = j == 0 || tokens[j - 1].clause != clause;
        let plural_noun_first = opens_clause && j + 1 == f_lo && w.ends_with("ли");
        if words::is_function_word(w)
            || (words::is_verb_like(w) && !is_part(w) && !plural_noun_first)
        {
            return None;
        }
        if words::is_preposition(w) {
            return None;
        }
        return Some(noun_of_group(tokens, j, used, clause));
    }
    None
}

/// Words between a subject and its fault that say nothing about either.
const FILLERS: &[&str] = &[
    "постоянно",
    "уже",
    "все",
    "всё",
    "весь",
    "вся",
    "сразу",
    "вообще",
    "совсем",
    "еще",
    "очень",
    "просто",
    "прям",
    "тоже",
    "даже",
    "периодически",
    "иногда",
    "опять",
    "снова",
    "быстро",
    "вскоре",
];

/// How many words before the word at `j` belong with it to a prepositional group the
/// search for a subject skips: "у геля" (1), "у плюшевого зайца", "после месяца работы"
/// (2); `None` when it is not in one.
fn prepositional_group_before(tokens: &[Token], j: usize, clause: u32) -> Option<usize> {
    if j > 0 && tokens[j - 1].clause == clause && words::is_preposition(&tokens[j - 1].norm) {
        return Some(1);
    }
    let two_back = j > 1
        && tokens[j - 2].clause == clause
        && words::is_preposition(&tokens[j - 2].norm)
        && (words::is_adjective_like(&tokens[j - 1].norm)
            || words::is_time_noun(&tokens[j - 1].norm));
    two_back.then_some(2)
}

/// The noun of the group the subject word at `j` ends: the noun before its adjective
/// ("компрессор автомобильный не качает"), the adjective before it ("тормозные колодки",
/// "электрическая бритва"), or the word itself.
fn noun_of_group(tokens: &[Token], j: usize, used: &[bool], clause: u32) -> usize {
    let w = tokens[j].norm.as_str();
    let prev_free = j > 0 && tokens[j - 1].clause == clause && !used[j - 1];
    let prev_is_noun = prev_free && {
        let prev = tokens[j - 1].norm.as_str();
        let after_preposition = j > 1 && words::is_preposition(&tokens[j - 2].norm);
        !words::is_function_word(prev)
            && !words::is_verb_like(prev)
            && !words::is_adjective_like(prev)
            && !after_preposition
    };
    if words::is_adjective_like(w) && prev_is_noun {
        return j - 1;
    }
    if prev_free
        && words::is_adjective_like(&tokens[j - 1].norm)
        && !words::is_function_word(&tokens[j - 1].norm)
    {
        return j - 1;
    }
    j
}

/// The object or complement after a fault's verb, at most two words: "держать заряд",
/// "не видит сим карту", "отвалилась нога". Never a preposition (a tail's), a function
/// word, an adverb or another verb.
fn complement_end(tokens: &[Token], f_hi: usize, used: &[bool], lex: &Lexicon) -> usize {
    let clause = tokens[f_hi - 1].clause;
    let is_part = |w: &str| lex.parts.iter().any(|p| matches(p, w));
    let mut hi = f_hi;
    while hi < tokens.len() && hi < f_hi + 2 {
        let t = &tokens[hi];
        let w = t.norm.as_str();
        if t.clause != clause
            || used[hi]
            || words::is_function_word(w)
            || words::is_adverb(w)
            || lex.tails.iter().any(|tail| tail == w)
            || (words::is_verb_like(w) && !is_part(w))
        {
            break;
        }
        hi += 1;
    }
    hi
}

/// The last word of a tail starting with the preposition at `at`: its modifiers and one
/// noun ("через 2 недели", "на пятке", "после первой стирки"); never a conjunction, a
/// verb, or a word past the noun ("на неделю коробка" stops at "неделю").
fn tail_end(tokens: &[Token], at: usize) -> Option<usize> {
    let clause = tokens[at].clause;
    let mut end = None;
    let mut j = at + 1;
    while j < tokens.len() && j < at + TAIL_WORDS && tokens[j].clause == clause {
        let w = tokens[j].norm.as_str();
        if ["и", "а", "но", "или", "не"].contains(&w)
            || words::is_verb_like(w)
            || words::is_preposition(w)
        {
            break;
        }
        end = Some(j);
        if !words::is_modifier(w) {
            break;
        }
        j += 1;
    }
    end.filter(|e| !words::is_modifier(&tokens[*e].norm) || tokens[*e].is_number())
}
