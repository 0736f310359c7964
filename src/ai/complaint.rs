//! What is wrong, in the customer's own words: "ремешок порвался", "пульт не реагирует",
//! "экран погас через неделю", "цвет не как на фото".
//!
//! Bounded rules over normalised words (`data/lexicons/complaints.toml`): a fault pattern
//! ("порвал*", "не реагирует", "не как на фото") and the nearest part word in the same
//! clause ("ремешок", "пульт", "крышка"), within a few words. The quote is the customer's
//! text from the part to the fault (at most [`MAX_QUOTE_WORDS`] words) with a short tail
//! ("через неделю", "после стирки"); it is never paraphrased, so it never says more
//! than the customer did. A fault whose tense or gender cannot stand without its subject
//! ("сломалась") is named only with its part.

use std::sync::OnceLock;

use serde::Deserialize;

use super::normalize::{normalize_word, stem, tokenize, Token};

mod words;

/// Words of a quote, part to fault included.
pub const MAX_QUOTE_WORDS: usize = 6;
/// How far (in words) a part may stand from its fault.
const PART_WINDOW: usize = 4;
/// Words a tail ("через неделю", "после первой стирки") may add after the fault.
const TAIL_WORDS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    parts: Vec<String>,
    tails: Vec<String>,
    fault: Vec<FaultGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultGroup {
    #[serde(default)]
    alone: bool,
    patterns: Vec<String>,
}

struct Lexicon {
    parts: Vec<String>,
    tails: Vec<String>,
    /// (words of the pattern, whether it names a problem without a part, whether the
    /// form is the one listed — only listed forms forgive a slip, not derived ones)
    faults: Vec<(Vec<String>, bool, bool)>,
}

fn normalize_pattern(word: &str) -> String {
    if let Some(root) = word.strip_prefix('~') {
        return format!("~{}", normalize_word(root));
    }
    match word.strip_suffix('*') {
        Some(prefix) => format!("{}*", normalize_word(prefix)),
        None => normalize_word(word),
    }
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let file: LexiconFile = toml::from_str(include_str!("../../data/lexicons/complaints.toml"))
            .expect("data/lexicons/complaints.toml is valid (checked by a test)");
        let mut faults: Vec<(Vec<String>, bool, bool)> = Vec::new();
        for g in &file.fault {
            for p in &g.patterns {
                let words: Vec<String> = p.split_whitespace().map(normalize_pattern).collect();
                let Some((last, head)) = words.split_last() else {
                    continue;
                };
                for (n, form) in std::iter::once(last.clone())
                    .chain(verb_variants(last))
                    .enumerate()
                {
                    let mut w = head.to_vec();
                    w.push(form);
                    if !faults.iter().any(|(f, _, _)| *f == w) {
                        faults.push((w, g.alone, n == 0));
                    }
                }
            }
        }
        // Longer patterns first: "не как на фото" before "фото", "не работает" before "работает".
        faults.sort_by_key(|(words, _, _)| std::cmp::Reverse(words.len()));
        Lexicon {
            parts: file.parts.iter().map(|p| normalize_pattern(p)).collect(),
            tails: file.tails.iter().map(|t| normalize_word(t)).collect(),
            faults,
        }
    })
}

/// The other forms of a verb a fault pattern names in one of them: the plural and the
/// infinitive ("показывает" → "показывают", "показывать"; "отключает*" → "отключают*",
/// "отключать*", so "начал отключаться" is found too). Buyers write every form; the
/// lexicon lists one.
fn verb_variants(pattern: &str) -> Vec<String> {
    if pattern.starts_with('~') {
        return Vec::new();
    }
    let (stem, star) = match pattern.strip_suffix('*') {
        Some(s) => (s, "*"),
        None => (pattern, ""),
    };
    const ENDINGS: &[(&str, &[&str])] = &[
        ("ается", &["аются", "аться"]),
        ("яется", &["яются", "яться"]),
        ("ится", &["ятся", "атся", "иться"]),
        ("ется", &["утся", "ются"]),
        ("ает", &["ают", "ать"]),
        ("яет", &["яют", "ять"]),
        ("ует", &["уют"]),
        ("ит", &["ят", "ат", "ить"]),
        ("ет", &["ут", "ют"]),
    ];
    if stem.contains(' ') || stem.chars().count() < 5 {
        return Vec::new();
    }
    ENDINGS
        .iter()
        .find(|(e, _)| stem.ends_with(e))
        .map(|(e, forms)| {
            let base = &stem[..stem.len() - e.len()];
            forms.iter().map(|f| format!("{base}{f}{star}")).collect()
        })
        .unwrap_or_default()
}

/// Words that start a fault told as an infinitive: "начал отключаться", "стала рваться".
const AUXILIARIES: &[&str] = &["начал", "стал", "начина", "продолжа"];

/// Whether a lexicon pattern matches a normalised word: `основа*` any word starting with
/// it, `~корень` the root after a verbal prefix, a plain word only itself; a listed word
/// of [`words::SLIP_MIN_CHARS`] letters or more forgives one slip ("подтикает").
fn matches(pattern: &str, word: &str) -> bool {
    matches_with(pattern, word, true)
}

/// [`matches`], forgiving a slip only when `slips`.
fn matches_with(pattern: &str, word: &str, slips: bool) -> bool {
    if let Some(root) = pattern.strip_prefix('~') {
        return words::has_root(word, root);
    }
    let same_start = |a: &str, b: &str| a.chars().next() == b.chars().next();
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            word.starts_with(prefix)
                || (slips
                    && prefix.chars().count() >= words::SLIP_MIN_CHARS
                    && same_start(prefix, word)
                    && slipped_prefix(prefix, word))
        }
        None => {
            word == pattern
                || (slips
                    && pattern.chars().count() >= words::SLIP_MIN_CHARS
                    && same_start(pattern, word)
                    && words::one_slip_apart(pattern, word))
        }
    }
}

/// Whether `word` starts with `prefix` but for one slip ("кросовки" for "кроссовк*").
fn slipped_prefix(prefix: &str, word: &str) -> bool {
    let n = prefix.chars().count();
    let chars: Vec<char> = word.chars().collect();
    (n.saturating_sub(1)..=n + 1)
        .filter(|k| *k <= chars.len())
        .any(|k| words::one_slip_apart(prefix, &chars[..k].iter().collect::<String>()))
}

/// One problem the customer describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The customer's words, lower case: "крышка батарейного отсека отваливается".
    pub quote: String,
    /// The part or property, normalised ("крышка"), when named.
    pub part: Option<String>,
    /// The fault, normalised ("отваливается").
    pub fault: String,
}

/// Whether a fault word can follow "товар" without its own subject: present tense
/// singular ("не включается", "течёт") or no verb at all ("маломерит", "не как на фото").
/// A masculine past tense ("перестал", "сломался") agrees with "товар" too; a plural
/// ("скрипят") does not.
fn stands_alone(fault_words: &[&Token]) -> bool {
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
fn is_infinitive(word: &str) -> bool {
    word.chars().count() > 4
        && ["ть", "ться", "тись", "чь"]
            .iter()
            .any(|e| word.ends_with(e))
}

/// Where a fault stands in the tokens, and how sure the reading is.
struct Fault {
    lo: usize,
    hi: usize,
    /// Names a problem without a part ("маломерит").
    alone: bool,
    /// Read from the shape of the clause, not from the lexicon: ranked after listed faults.
    shaped: bool,
}

/// Words after "не" that leave the fault open ("не та модель", "не такой как на фото").
const DANGLING: &[&str] = &[
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
fn fault_at(lex: &Lexicon, tokens: &[Token], i: usize) -> Option<Fault> {
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
        if words::is_adverb(w)
            || [
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
            ]
            .contains(&w)
        {
            continue;
        }
        if words::is_linking_verb(w) {
            continue;
        }
        if j > 0 && tokens[j - 1].clause == clause && words::is_preposition(&tokens[j - 1].norm) {
            // "у геля": skip the group and its preposition.
            j -= 1;
            continue;
        }
        if j > 1
            && tokens[j - 2].clause == clause
            && words::is_preposition(&tokens[j - 2].norm)
            && words::is_adjective_like(&tokens[j - 1].norm)
        {
            // "у плюшевого зайца".
            j -= 2;
            continue;
        }
        if j > 1
            && tokens[j - 2].clause == clause
            && words::is_preposition(&tokens[j - 2].norm)
            && words::is_time_noun(&tokens[j - 1].norm)
        {
            // "после месяца работы".
            j -= 2;
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
        // "компрессор автомобильный не качает": the noun before its adjective.
        if words::is_adjective_like(w)
            && j > 0
            && tokens[j - 1].clause == clause
            && !used[j - 1]
            && !words::is_function_word(&tokens[j - 1].norm)
            && !words::is_verb_like(&tokens[j - 1].norm)
            && !words::is_adjective_like(&tokens[j - 1].norm)
            && !(j > 1 && words::is_preposition(&tokens[j - 2].norm))
        {
            return Some(j - 1);
        }
        // "тормозные колодки", "электрическая бритва": one adjective before it.
        if j > 0
            && tokens[j - 1].clause == clause
            && !used[j - 1]
            && words::is_adjective_like(&tokens[j - 1].norm)
            && !words::is_function_word(&tokens[j - 1].norm)
        {
            return Some(j - 1);
        }
        return Some(j);
    }
    None
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

/// The problems in `text`, at most two, in the order written.
pub fn problems(text: &str) -> Vec<Problem> {
    let lex = lexicon();
    let tokens = tokenize(text);
    let mut used = vec![false; tokens.len()];
    let mut out: Vec<(usize, bool, Problem)> = Vec::new();
    // Where the last problem's quote starts in `text`.
    let mut last_start: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        let Some(fault) = fault_at(lex, &tokens, i) else {
            i += 1;
            continue;
        };
        let alone = fault.alone;
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
        i = f_hi.max(i + 1);
        if used[f_lo..f_hi].iter().any(|u| *u) {
            continue;
        }
        let clause = tokens[f_lo].clause;
        // The verb's object: "перестала держать заряд", "не видит сим карту".
        let verb_last = words::is_verb_like(&tokens[f_hi - 1].norm);
        let c_hi = if verb_last {
            complement_end(&tokens, f_hi, &used, lex)
        } else {
            f_hi
        };
        let has_object = c_hi > f_hi;
        // The nearest part word of the same clause, before the fault first; a part right
        // after a preposition ("у сумки", "на рюкзаке") is not the subject.
        let after_preposition = |j: usize| {
            j > 0 && tokens[j - 1].clause == clause && words::is_preposition(&tokens[j - 1].norm)
        };
        let part_at = |j: usize| {
            !used[j]
                && tokens[j].clause == clause
                && lex.parts.iter().any(|p| matches(p, &tokens[j].norm))
        };
        // Before the fault, the leftmost part of an unbroken noun group: "крышка
        // батарейного отсека отваливается" names the cover, not the compartment.
        let mut before = None;
        for j in (f_lo.saturating_sub(PART_WINDOW)..f_lo).rev() {
            if tokens[j].clause != clause
                || ["и", "а", "но", "или"].contains(&tokens[j].norm.as_str())
            {
                break;
            }
            if part_at(j) && !after_preposition(j) {
                before = Some(j);
            }
        }
        let before = before.or_else(|| subject_before(&tokens, f_lo, &used, lex));
        let after = (c_hi..(c_hi + PART_WINDOW).min(tokens.len())).find(|j| part_at(*j));
        // "отвалилась нога": after a reflexive or past verb a noun not in an oblique case
        // is the subject; "пахнет химией", "держать заряд" take objects.
        let object_is_subject = has_object && {
            let verb = tokens[f_hi - 1].norm.as_str();
            let noun = tokens[f_hi].norm.as_str();
            (verb.ends_with("ся") || verb.ends_with("сь") || words::is_past(verb))
                && !words::is_oblique(noun)
        };
        let part = before.or(if object_is_subject {
            Some(f_hi)
        } else {
            after.filter(|a| *a >= c_hi)
        });
        let fault_tokens: Vec<&Token> = tokens[f_lo..f_hi].iter().collect();
        // "начал пахнуть горелым и отключаться", "стали жёсткие и полиняли": a second
        // predicate of the same subject joins the problem before it.
        let joined =
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
            };
        if before.is_none() && joined {
            if let Some((_, _, last)) = out.last_mut() {
                let end = tokens[c_hi - 1].span.end;
                if let Some(start) = last_start {
                    last.quote = text[start..end].trim().to_lowercase();
                    for u in &mut used[f_lo - 1..c_hi] {
                        *u = true;
                    }
                    continue;
                }
            }
        }
        if part.is_none() && !(alone || stands_alone(&fault_tokens)) {
            continue;
        }
        let (mut lo, mut hi) = match part {
            Some(p) if p < f_lo => (p, c_hi),
            Some(p) => (f_lo, (p + 1).max(c_hi)),
            None => (f_lo, c_hi),
        };
        if hi - lo > MAX_QUOTE_WORDS {
            continue;
        }
        // A short tail: "через неделю", "после первой стирки".
        if hi < tokens.len()
            && tokens[hi].clause == clause
            && lex.tails.contains(&tokens[hi].norm)
            && (c_hi == hi)
        {
            if let Some(e) = tail_end(&tokens, hi) {
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
        for u in &mut used[lo..hi] {
            *u = true;
        }
        let quote = text[tokens[lo].span.start..tokens[hi - 1].span.end]
            .trim()
            .to_lowercase();
        last_start = Some(tokens[lo].span.start);
        out.push((
            lo,
            fault.shaped,
            Problem {
                quote,
                part: part.map(|p| stem(&tokens[p].norm)),
                fault: fault_tokens
                    .iter()
                    .map(|t| t.norm.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            },
        ));
    }
    // Listed faults first, then those with a part, then in the order written; two at most.
    out.sort_by_key(|(at, shaped, p)| (*shaped, p.part.is_none(), *at));
    out.truncate(2);
    out.sort_by_key(|(at, _, _)| *at);
    out.into_iter().map(|(_, _, p)| p).collect()
}

/// The problems as one phrase for a reply: "счётчик сбрасывается и крышка отваливается".
/// A problem without a part gets "товар" as its subject.
pub fn phrase(problems: &[Problem]) -> Option<String> {
    let parts: Vec<String> = problems
        .iter()
        .map(|p| {
            let first = p.quote.split_whitespace().next().unwrap_or("");
            let verb_first = first == "не"
                || [
                    "ет", "ит", "ут", "ют", "ат", "ят", "ется", "ится", "л", "лся",
                ]
                .iter()
                .any(|e| first.ends_with(e));
            if p.part.is_none() && verb_first {
                format!("товар {}", p.quote)
            } else {
                p.quote.clone()
            }
        })
        .collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [a, b, ..] => Some(format!("{a}, а {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotes(text: &str) -> Vec<String> {
        problems(text).into_iter().map(|p| p.quote).collect()
    }

    #[test]
    fn an_adjective_agreeing_with_a_word_outside_the_quote_is_not_a_problem_alone() {
        let text = "Ждал доставку 12 дней. В итоге привезли треснутую. Спасибо, не надо.";
        assert_eq!(
            phrase(&problems(text)),
            None,
            "«Нам жаль, что треснутую» is not Russian"
        );
        assert_eq!(
            phrase(&problems("Коробка пришла треснутая")).as_deref(),
            Some("коробка пришла треснутая")
        );
    }

    #[test]
    fn the_lexicon_loads() {
        assert!(lexicon().faults.len() > 100);
        assert!(lexicon().parts.len() > 100);
    }

    #[test]
    fn problems_are_quoted_in_the_customers_words() {
        assert_eq!(quotes("Ремешок порвался, обидно"), ["ремешок порвался"]);
        assert_eq!(
            quotes("Пульт не реагирует на нажатия"),
            ["пульт не реагирует на нажатия"]
        );
        assert_eq!(
            quotes("Экран погас через неделю, больше не включается"),
            ["экран погас через неделю", "не включается"]
        );
        assert_eq!(quotes("Цвет не как на фото!"), ["цвет не как на фото"]);
        assert_eq!(
            quotes("Скакалка норм, но счётчик сбрасывается посреди тренировки и крышка батарейного отсека отваливается"),
            ["счётчик сбрасывается", "крышка батарейного отсека отваливается"]
        );
        assert_eq!(quotes("Маломерит на размер"), ["маломерит на размер"]);
        assert_eq!(quotes("Пришла не та модель"), ["пришла не та модель"]);
        assert_eq!(
            quotes("Браслет перестал синхронизироваться с телефоном"),
            ["браслет перестал синхронизироваться с телефоном"]
        );
        assert_eq!(
            quotes("Сломалась через день"),
            Vec::<String>::new(),
            "no subject to agree with"
        );
        assert_eq!(quotes("Всё отлично, спасибо"), Vec::<String>::new());
    }

    #[test]
    fn every_form_of_a_listed_verb_is_found() {
        assert_eq!(verb_variants("показывает"), ["показывают", "показывать"]);
        assert_eq!(verb_variants("отключает*"), ["отключают*", "отключать*"]);
        assert_eq!(verb_variants("шумит"), ["шумят", "шумат", "шумить"]);
        assert!(verb_variants("мал").is_empty());
        assert_eq!(
            quotes("Часы не показывают уведомления"),
            ["часы не показывают уведомления"]
        );
        assert_eq!(
            quotes("Фен начал пахнуть горелым и отключаться"),
            ["фен начал пахнуть горелым и отключаться"]
        );
        assert_eq!(
            quotes("Начала отключаться через день"),
            Vec::<String>::new(),
            "a feminine auxiliary needs its subject"
        );
    }

    #[test]
    fn a_quote_keeps_the_object_of_its_verb() {
        assert_eq!(
            quotes("Электрическая зубная щётка перестала держать заряд"),
            ["щётка перестала держать заряд"]
        );
        assert_eq!(
            quotes("Планшет не видит сим карту, хотя вставлена правильно"),
            ["планшет не видит сим карту"]
        );
        assert_eq!(
            quotes("Роутер постоянно теряет сеть"),
            ["роутер постоянно теряет сеть"]
        );
        assert_eq!(
            quotes("Кабель перестал заряжать телефон через неделю"),
            ["кабель перестал заряжать телефон через неделю"]
        );
        assert_eq!(
            quotes("Счётчик сбрасывается посреди тренировки"),
            ["счётчик сбрасывается"],
            "a preposition starts no object"
        );
    }

    #[test]
    fn the_subject_is_the_noun_before_the_fault_past_adverbs_and_prepositions() {
        assert_eq!(
            quotes("Дозатор у геля не работает"),
            ["дозатор у геля не работает"]
        );
        assert_eq!(
            quotes("спустя два дня у сумки оторвалась ручка, а замок заедает через раз"),
            ["оторвалась ручка", "замок заедает через раз"],
            "«у сумки» is not the subject"
        );
        assert_eq!(
            quotes("Тормозные колодки скрипят страшно"),
            ["тормозные колодки скрипят"]
        );
        assert_eq!(
            phrase(&problems("скрипят страшно")),
            None,
            "«товар скрипят» is not Russian"
        );
    }

    #[test]
    fn faults_are_read_from_the_shape_of_the_clause() {
        assert_eq!(
            quotes("Аккумулятор не вставляется в гнездо"),
            ["аккумулятор не вставляется в гнездо"],
            "a negated verb"
        );
        assert_eq!(quotes("Духи не стойкие совсем"), ["духи не стойкие"]);
        assert_eq!(
            quotes("Орехи пришли прогорклые"),
            ["орехи пришли прогорклые"]
        );
        assert_eq!(
            quotes("Вместо чёрного пришёл белый чехол"),
            ["пришёл белый чехол"],
            "a parcel in a state it should not be in"
        );
        assert_eq!(
            quotes("Посылка пришла целая, спасибо"),
            Vec::<String>::new()
        );
        assert_eq!(
            quotes("Не могу промолчать, не советую"),
            Vec::<String>::new(),
            "the customer's own verbs"
        );
        assert_eq!(quotes("Нет претензий"), Vec::<String>::new());
        assert_eq!(
            quotes("цвет не такой как на картинке"),
            ["цвет не такой как на картинке"]
        );
    }

    #[test]
    fn a_root_takes_any_prefix_and_a_long_word_one_slip() {
        assert_eq!(quotes("Печенье крошится"), ["печенье крошится"]);
        assert_eq!(quotes("Шоколад растаял"), ["шоколад растаял"]);
        assert_eq!(quotes("утюг подтикает водой"), ["утюг подтикает водой"]);
    }

    #[test]
    fn a_second_predicate_joins_the_first() {
        assert_eq!(
            quotes("Полотенца после стирки стали жёсткие и полиняли"),
            ["полотенца после стирки стали жёсткие и полиняли"]
        );
    }

    #[test]
    fn a_tail_ends_at_its_noun_and_an_adverb_fault_starts_at_its_verb() {
        assert_eq!(
            quotes("доставили с опозданием на неделю коробка мокрая"),
            ["доставили с опозданием на неделю"]
        );
        assert_eq!(
            quotes("Шоколад растаял в дороге и побелел"),
            ["шоколад растаял в дороге"]
        );
        assert_eq!(quotes("Ночник светит тускло"), ["ночник светит тускло"]);
        assert_eq!(quotes("Гантели облезли"), ["гантели облезли"]);
    }

    #[test]
    fn two_problems_make_one_phrase() {
        let p = problems("счетчик сбрасывается, крышка отваливается");
        assert_eq!(
            phrase(&p).as_deref(),
            Some("счетчик сбрасывается, а крышка отваливается")
        );
        assert_eq!(
            phrase(&problems("не включается")).as_deref(),
            Some("товар не включается")
        );
    }
}
