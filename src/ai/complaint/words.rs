//! Word classes the complaint clause is read with: which words are function words,
//! adverbs, verbs by their ending, the customer's own verbs; a root after a verbal
//! prefix ("раскрошилось" ← "крош"); a one-letter slip ("подтикает" ≈ "подтекает").
//! Russian morphology by endings only: cheap, bounded, and wrong in a known direction
//! (a rare noun read as a verb leaves a quote shorter, never longer).

/// Conjunctions, particles and pronouns; with [`PREPOSITIONS`], the function words:
/// never a subject, an object or a part of one.
const FUNCTION_WORDS: &[&str] = &[
    "и",
    "а",
    "но",
    "или",
    "да",
    "же",
    "ли",
    "бы",
    "не",
    "ни",
    "что",
    "чтобы",
    "как",
    "так",
    "то",
    "это",
    "этот",
    "эта",
    "эти",
    "тот",
    "та",
    "те",
    "перед",
    "между",
    "я",
    "мы",
    "ты",
    "вы",
    "он",
    "она",
    "оно",
    "они",
    "меня",
    "мне",
    "нас",
    "нам",
    "его",
    "ее",
    "их",
    "им",
    "ему",
    "ей",
    "мой",
    "моя",
    "мое",
    "мои",
    "наш",
    "наша",
    "ваш",
    "ваша",
    "свой",
    "своя",
    "свои",
    "весь",
    "вся",
    "все",
    "всё",
    "всего",
    "сам",
    "сама",
    "само",
    "сами",
    "который",
    "которая",
    "которые",
    "когда",
    "где",
    "куда",
    "если",
    "хотя",
    "пока",
    "потому",
    "поэтому",
    "уже",
    "еще",
    "ещё",
    "вот",
    "вон",
    "тут",
    "там",
    "здесь",
    "только",
    "даже",
    "тоже",
    "также",
    "вообще",
    "вобще",
    "вабще",
    "совсем",
    "очень",
    "сильно",
    "слишком",
    "просто",
    "прям",
    "прямо",
    "вроде",
    "типа",
    "короче",
    "ну",
    "блин",
    "кстати",
    "конечно",
    "правда",
    "потом",
    "сразу",
    "опять",
    "снова",
    "постоянно",
    "иногда",
    "часто",
    "периодически",
    "никак",
    "толком",
    "вовсе",
    "почти",
    "уж",
    "нет",
    "есть",
    "был",
    "была",
    "было",
    "были",
    "будет",
    "раз",
    "день",
    "дня",
    "дней",
    "неделю",
    "недели",
    "месяц",
    "месяца",
    "час",
    "часа",
    "минут",
    "минуты",
    "один",
    "одна",
    "одно",
    "два",
    "две",
    "три",
    "пару",
    "первый",
    "первого",
    "первой",
    "второй",
    "второго",
    "третий",
    "сегодня",
    "вчера",
    "всегда",
    "никогда",
    "чуть",
    "еле",
    "немного",
    "много",
    "мало",
    "ничего",
    "нечего",
    "норм",
    "ок",
    "класс",
    "супер",
    "какой",
    "какая",
    "какое",
    "какие",
    "такой",
    "такая",
    "такое",
    "такие",
    "себе",
    "себя",
    "снаружи",
    "сверху",
    "снизу",
    "сбоку",
    "внизу",
    "вверху",
    "каждый",
    "каждая",
    "каждое",
    "каждые",
    "каждой",
    "каждом",
    "каждую",
    "каждого",
];

/// Prepositions: a noun right after one is not the subject ("у сумки", "для лица").
const PREPOSITIONS: &[&str] = &[
    "в",
    "во",
    "на",
    "с",
    "со",
    "у",
    "к",
    "ко",
    "о",
    "об",
    "от",
    "до",
    "по",
    "из",
    "за",
    "под",
    "над",
    "при",
    "про",
    "для",
    "без",
    "через",
    "после",
    "вместо",
    "кроме",
    "около",
    "посреди",
    "среди",
    "возле",
    "вокруг",
    "мимо",
    "сквозь",
    "вдоль",
    "внутри",
    "из-за",
];

/// Adverbs of manner or degree that may follow a fault without being its object.
const ADVERBS: &[&str] = &[
    "плохо",
    "хорошо",
    "нормально",
    "отлично",
    "ужасно",
    "жутко",
    "страшно",
    "дико",
    "быстро",
    "медленно",
    "громко",
    "тихо",
    "криво",
    "слабо",
    "сильно",
    "полностью",
    "частично",
    "выше",
    "ниже",
    "раньше",
    "позже",
    "дольше",
    "насквозь",
    "целиком",
    "напрочь",
    "вообще",
    "совсем",
    "абсолютно",
    "вовремя",
    "больше",
    "меньше",
    "лучше",
    "хуже",
    "дальше",
    "теперь",
    "сейчас",
    "уже",
    "никогда",
    "вечно",
    "всё",
];

/// Verbs of the customer rather than of the product: "не могу", "не советую", "не
/// ожидала". A negated one names no fault.
const CUSTOMER_VERBS: &[&str] = &[
    "мог",
    "могу",
    "можем",
    "смог",
    "знаю",
    "знал",
    "понима",
    "понял",
    "совет",
    "рекоменд",
    "буд",
    "стал",
    "хоч",
    "хотел",
    "ожида",
    "думал",
    "пиш",
    "разочаров",
    "подвел",
    "пожале",
    "жале",
    "обман",
    "ошиб",
    "сомнева",
    "смущ",
    "беспоко",
    "мешает",
    "надо",
    "нужн",
    "стоит",
    "стоил",
    "получил",
    "получила",
    "видел",
    "заметил",
    "нрав",
    "понрав",
    "пользова",
    "носил",
    "покупа",
    "купил",
    "заказ",
    "возьм",
    "бер",
    "брал",
    "удивил",
    "успел",
    "дождал",
    "верн",
];

pub fn is_function_word(w: &str) -> bool {
    FUNCTION_WORDS.contains(&w) || is_preposition(w) || w.chars().all(|c| c.is_ascii_digit())
}

pub fn is_adverb(w: &str) -> bool {
    ADVERBS.contains(&w)
}

pub fn is_customer_verb(w: &str) -> bool {
    CUSTOMER_VERBS.iter().any(|v| w.starts_with(v))
}

/// Endings of Russian finite verbs, infinitives and reflexives ("держит", "держать",
/// "сломался", "отвалилась"). A past tense needs a vowel before its "л" ("тепло",
/// "стекло" are nouns).
const VERB_ENDINGS: &[&str] = &[
    "ется", "ится", "ются", "утся", "ятся", "атся", "лся", "лась", "лось", "лись", "ться", "тись",
    "ет", "ит", "ут", "ют", "ат", "ят", "ать", "ять", "еть", "ить", "уть", "ыть", "чь", "ал", "ял",
    "ил", "ел", "ыл", "ала", "яла", "ила", "ела", "ыла", "ула", "ало", "яло", "ило", "ело", "ыло",
    "уло", "али", "яли", "или", "ели", "ыли", "ули",
];

/// Whether `w` reads as a verb by its ending. Words of three letters or fewer are not
/// (they are too short to carry an ending: "пол", "сел" are listed where they matter).
pub fn is_verb_like(w: &str) -> bool {
    let n = w.chars().count();
    // "сеть", "нить", "суть" are nouns; infinitives that short ("быть") name no fault.
    let short_infinitive = n <= 4 && (w.ends_with("ть") || w.ends_with("чь"));
    n > 3 && !short_infinitive && VERB_ENDINGS.iter().any(|e| w.ends_with(e))
}

/// Words that only qualify the noun after them: adjectives, numbers, "пару", "первой".
pub fn is_modifier(w: &str) -> bool {
    is_adjective_like(w)
        || w.chars().all(|c| c.is_ascii_digit())
        || [
            "пару",
            "пары",
            "несколько",
            "два",
            "две",
            "три",
            "пять",
            "один",
            "одну",
            "одной",
            "первый",
            "первой",
            "первую",
            "первого",
            "второй",
            "второго",
            "третий",
            "третьей",
            "третьего",
            "этой",
            "этот",
            "эту",
            "той",
            "тот",
        ]
        .contains(&w)
}

/// Words of time in "после месяца работы", "через неделю носки".
pub fn is_time_noun(w: &str) -> bool {
    [
        "месяц",
        "недел",
        "дн",
        "ден",
        "год",
        "час",
        "минут",
        "пар",
        "сутк",
    ]
    .iter()
    .any(|t| w.starts_with(t))
}

/// A past tense ("лопнул", "погасла", "сгорели").
pub fn is_past(w: &str) -> bool {
    w.chars().count() > 3
        && ["ал", "ял", "ил", "ел", "ыл", "нул", "ла", "ло", "ли"]
            .iter()
            .any(|e| w.ends_with(e))
}

/// A noun ending of an oblique case, never a subject: "химией", "бумагу", "кожу".
pub fn is_oblique(w: &str) -> bool {
    w.chars().count() > 3
        && ["ой", "ей", "ом", "ем", "ами", "ями", "ым", "им", "у", "ю"]
            .iter()
            .any(|e| w.ends_with(e))
}

/// See [`PREPOSITIONS`].
pub fn is_preposition(w: &str) -> bool {
    PREPOSITIONS.contains(&w)
}

/// Verbs a subject may stand before without ending the clause's noun group: "орехи
/// пришли прогорклые", "полотенца стали жёсткие".
pub fn is_linking_verb(w: &str) -> bool {
    is_arrival(w)
        || [
            "стал",
            "оказал",
            "был",
            "выглядит",
            "выглядят",
            "получил",
            "получилось",
        ]
        .iter()
        .any(|v| w.starts_with(v))
}

/// Endings of full adjectives and participles ("мятая", "прогорклые", "испорченный").
const ADJECTIVE_ENDINGS: &[&str] = &[
    "ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие", "ую", "юю", "ого", "его",
];

pub fn is_adjective_like(w: &str) -> bool {
    w.chars().count() > 4 && ADJECTIVE_ENDINGS.iter().any(|e| w.ends_with(e))
}

/// Adjectives praising how a parcel came: "пришла целая", "пришёл новый".
const GOOD_STATES: &[&str] = &[
    "цел",
    "хорош",
    "нормальн",
    "отличн",
    "красив",
    "качествен",
    "свеж",
    "нов",
    "аккуратн",
    "быстр",
    "такой",
    "такая",
    "такое",
    "такие",
    "вовремя",
    "точн",
    "идеальн",
    "прекрасн",
    "чист",
    "сух",
    "упакован",
    "запакован",
    "полн",
];

pub fn is_good_state(w: &str) -> bool {
    GOOD_STATES.iter().any(|g| w.starts_with(g))
}

/// Words of a parcel arriving: "пришла", "привезли", "доставили".
pub fn is_arrival(w: &str) -> bool {
    [
        "пришел",
        "пришла",
        "пришло",
        "пришли",
        "привезли",
        "доставили",
        "прислали",
        "приехал",
    ]
    .iter()
    .any(|a| w.starts_with(a))
}

/// Verbal prefixes a listed root may carry, longest first.
const PREFIXES: &[&str] = &[
    "пере", "недо", "подо", "разо", "раз", "рас", "обо", "ото", "под", "при", "про", "над", "вз",
    "вс", "об", "от", "по", "вы", "за", "на", "из", "ис", "со", "до", "с", "у", "",
];

/// Whether `word` is `root` after one verbal prefix, or none: "~крош" matches
/// "крошится", "раскрошенное", "покрошилось". A root of three letters needs a prefix,
/// so "~дул" finds "сдулся" but not "дуло".
pub fn has_root(word: &str, root: &str) -> bool {
    PREFIXES.iter().any(|p| {
        word.strip_prefix(p).is_some_and(|rest| {
            rest.starts_with(root) && (!p.is_empty() || root.chars().count() >= 4)
        })
    })
}

/// Whether `a` and `b` are one slip apart: one letter changed, missing, extra, or two
/// neighbours swapped (Damerau–Levenshtein distance at most 1).
pub fn one_slip_apart(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == a.len() && common == b.len() {
        return true;
    }
    let (ra, rb) = (&a[common..], &b[common..]);
    let tail_eq = |x: &[char], y: &[char]| x == y;
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            tail_eq(&ra[1..], &rb[1..])
                || (ra.len() >= 2
                    && ra[0] == rb[1]
                    && ra[1] == rb[0]
                    && tail_eq(&ra[2..], &rb[2..]))
        }
        std::cmp::Ordering::Greater => tail_eq(&ra[1..], rb),
        std::cmp::Ordering::Less => tail_eq(ra, &rb[1..]),
    }
}

/// Shortest listed word a slip is forgiven in: shorter words have too many neighbours
/// ("сели" ≈ "сели", "слабая" ≈ "славная").
pub const SLIP_MIN_CHARS: usize = 7;

#[cfg(test)]
mod tests;
