//! The small query language shared by search and the queue's filters, and the full-text
//! expressions it turns into. See docs/search.md.
//!
//! ```text
//! channel:review rating:<=2 product:123 answered:no account:"Уютный дом" mp:wb плед
//! ```
//!
//! `key:value` pairs filter; every other word is searched for in the texts (all words
//! must match, each as a prefix, case-insensitive, ё = е).

use std::fmt;

use chrono::{DateTime, Utc};

use super::accounts::AccountRow;
use super::interactions::{AnswerFilter, IntentFilter, QueueFilter, QueueSort};
use crate::domain::{Channel, Marketplace};

/// Where a full-text term must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Any indexed text: the message, pros, cons, product name, customer name.
    Any,
    Product,
    Customer,
}

/// One searched phrase: its words must follow each other, the last one as a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextTerm {
    pub field: TextField,
    pub text: String,
}

impl TextTerm {
    pub fn any(text: impl Into<String>) -> TextTerm {
        TextTerm {
            field: TextField::Any,
            text: text.into(),
        }
    }
}

/// `ё` and `Ё` as `е` and `Е`, the way the full-text index stores them.
pub fn fold_yo(s: &str) -> String {
    s.replace('ё', "е").replace('Ё', "Е")
}

/// The words of `s` as the index tokenizer sees them: runs of letters and digits.
fn words(s: &str) -> Vec<String> {
    fold_yo(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The FTS5 `MATCH` expression for `terms`, or `None` when they hold no word. User text
/// only ever appears inside double quotes (quotes doubled), so it cannot change the
/// expression's meaning.
pub fn fts_expression(terms: &[TextTerm]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .filter_map(|term| {
            let words = words(&term.text);
            if words.is_empty() {
                return None;
            }
            let phrase = format!("\"{}\"*", words.join(" ").replace('"', "\"\""));
            Some(match term.field {
                TextField::Any => phrase,
                TextField::Product => format!("product_name : {phrase}"),
                TextField::Customer => format!("customer_name : {phrase}"),
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The intents of SPEC section 3; `intent:` accepts these and `none`.
pub const INTENTS: [&str; 15] = [
    "delivery_status",
    "delivery_delay",
    "cancel_request",
    "wrong_item",
    "defect_not_working",
    "usage_howto",
    "product_spec",
    "refund_exchange",
    "thanks",
    "quality_complaint",
    "pre_purchase",
    "sizing_fit",
    "availability",
    "compatibility",
    "other",
];

/// A filter key of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Channel,
    Marketplace,
    Account,
    Answered,
    Rating,
    Intent,
    Product,
    Customer,
    Draft,
    Breached,
    Sort,
}

impl Key {
    pub const ALL: [Key; 11] = [
        Key::Channel,
        Key::Marketplace,
        Key::Account,
        Key::Answered,
        Key::Rating,
        Key::Intent,
        Key::Product,
        Key::Customer,
        Key::Draft,
        Key::Breached,
        Key::Sort,
    ];

    /// The key as documented.
    pub fn name(self) -> &'static str {
        match self {
            Key::Channel => "channel",
            Key::Marketplace => "mp",
            Key::Account => "account",
            Key::Answered => "answered",
            Key::Rating => "rating",
            Key::Intent => "intent",
            Key::Product => "product",
            Key::Customer => "customer",
            Key::Draft => "draft",
            Key::Breached => "breached",
            Key::Sort => "sort",
        }
    }

    fn parse(name: &str) -> Option<Key> {
        Some(match fold_yo(&name.to_lowercase()).as_str() {
            "channel" | "ch" | "канал" => Key::Channel,
            "mp" | "marketplace" | "мп" | "площадка" => Key::Marketplace,
            "account" | "acc" | "shop" | "кабинет" | "магазин" => Key::Account,
            "answered" | "ответ" | "отвечено" => Key::Answered,
            "rating" | "stars" | "оценка" => Key::Rating,
            "intent" | "намерение" => Key::Intent,
            "product" | "sku" | "nm" | "товар" => Key::Product,
            "customer" | "buyer" | "покупатель" => Key::Customer,
            "draft" | "черновик" => Key::Draft,
            "breached" | "overdue" | "просрочено" => Key::Breached,
            "sort" | "order" | "сортировка" => Key::Sort,
            _ => return None,
        })
    }

    /// What the key accepts, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Key::Channel => "review, question or chat",
            Key::Marketplace => "wb or ozon",
            Key::Account => "an account name",
            Key::Answered => "yes, no or all",
            Key::Rating => "a number of stars 1-5, e.g. 2, <=2, >3, 4-5",
            Key::Intent => "an intent such as defect_not_working, or none",
            Key::Product => "a product id or words of its name",
            Key::Customer => "words of the customer's name",
            Key::Draft => "yes or no",
            Key::Breached => "yes",
            Key::Sort => "deadline, priority or newest",
        }
    }
}

/// What is wrong with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// A `"` without its closing partner.
    UnclosedQuote,
    /// `key:` with a key the language does not know.
    UnknownKey(String),
    /// `key:` with nothing after it.
    EmptyValue(Key),
    /// A value the key does not accept.
    BadValue { key: Key, value: String },
    /// `account:` naming no account.
    UnknownAccount { name: String, known: Vec<String> },
    /// `account:` matching several accounts.
    AmbiguousAccount { name: String, matches: Vec<String> },
}

/// A query that cannot be used, and where (in characters from the start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub at: usize,
    pub kind: QueryErrorKind,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: ", self.at + 1)?;
        match &self.kind {
            QueryErrorKind::UnclosedQuote => f.write_str("a quote is not closed"),
            QueryErrorKind::UnknownKey(key) => write!(
                f,
                "unknown filter \"{key}\"; known: {} (quote text that holds a colon)",
                Key::ALL.map(Key::name).join(", ")
            ),
            QueryErrorKind::EmptyValue(key) => {
                write!(f, "{} needs a value: {}", key.name(), key.expected())
            }
            QueryErrorKind::BadValue { key, value } => write!(
                f,
                "{}:{value} is not understood; expected {}",
                key.name(),
                key.expected()
            ),
            QueryErrorKind::UnknownAccount { name, known } => {
                write!(f, "no account \"{name}\"; accounts: {}", known.join(", "))
            }
            QueryErrorKind::AmbiguousAccount { name, matches } => {
                write!(
                    f,
                    "\"{name}\" matches several accounts: {}",
                    matches.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for QueryError {}

/// A parsed query: filters (each `None` when not given) and searched text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub channel: Option<Channel>,
    pub marketplace: Option<Marketplace>,
    pub account: Option<String>,
    pub answered: Option<AnswerFilter>,
    pub rating: Option<(u8, u8)>,
    pub intent: Option<IntentFilter>,
    pub product: Option<String>,
    pub has_draft: Option<bool>,
    pub breached: bool,
    pub sort: Option<QueueSort>,
    pub text: Vec<TextTerm>,
    /// Where `account:` was written, for errors found when it is resolved.
    account_at: usize,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        *self == Query::default()
    }

    /// Whether the query searches text (not only filters).
    pub fn has_text(&self) -> bool {
        fts_expression(&self.text).is_some()
    }

    /// Sets what the query names on `filter`, leaving the rest. `accounts` resolve
    /// `account:` (case-insensitive, ё = е; a unique part of a name is enough); `now` is
    /// when `breached:yes` is judged.
    pub fn apply(
        &self,
        filter: &mut QueueFilter,
        accounts: &[AccountRow],
        now: DateTime<Utc>,
    ) -> Result<(), QueryError> {
        if let Some(name) = &self.account {
            filter.account_id = Some(find_account(accounts, name).map_err(|kind| QueryError {
                at: self.account_at,
                kind,
            })?);
        }
        if let Some(channel) = self.channel {
            filter.channel = Some(channel);
        }
        if let Some(marketplace) = self.marketplace {
            filter.marketplace = Some(marketplace);
        }
        if let Some(answered) = self.answered {
            filter.answered = answered;
        }
        if let Some(rating) = self.rating {
            filter.rating = Some(rating);
        }
        if let Some(intent) = &self.intent {
            filter.intent = Some(intent.clone());
        }
        if let Some(product) = &self.product {
            filter.product = Some(product.clone());
        }
        if let Some(has) = self.has_draft {
            filter.has_draft = Some(has);
        }
        if self.breached {
            filter.breached_at = Some(now);
        }
        if let Some(sort) = self.sort {
            filter.sort = sort;
        }
        filter.text.extend(self.text.iter().cloned());
        Ok(())
    }
}

fn normalise_name(s: &str) -> String {
    fold_yo(&s.trim().to_lowercase())
}

/// The id of the account `name` names: exactly, else as the only one containing it.
pub fn find_account(accounts: &[AccountRow], name: &str) -> Result<i64, QueryErrorKind> {
    let wanted = normalise_name(name);
    if let Some(a) = accounts.iter().find(|a| normalise_name(&a.name) == wanted) {
        return Ok(a.id);
    }
    let matches: Vec<&AccountRow> = accounts
        .iter()
        .filter(|a| normalise_name(&a.name).contains(&wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id),
        [] => Err(QueryErrorKind::UnknownAccount {
            name: name.to_string(),
            known: accounts.iter().map(|a| a.name.clone()).collect(),
        }),
        many => Err(QueryErrorKind::AmbiguousAccount {
            name: name.to_string(),
            matches: many.iter().map(|a| a.name.clone()).collect(),
        }),
    }
}

/// One piece of a query: `key:value` or a word (quoted words keep their spaces).
struct Piece {
    at: usize,
    key: Option<(String, usize)>,
    value: String,
}

/// Splits `input` into pieces. Positions are in characters.
fn pieces(input: &str) -> Result<Vec<Piece>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let at = i;
        let mut key = None;
        let mut j = i;
        while j < chars.len() && (chars[j].is_alphabetic() || chars[j] == '_') {
            j += 1;
        }
        if j > i && j < chars.len() && chars[j] == ':' {
            key = Some((chars[i..j].iter().collect::<String>(), at));
            i = j + 1;
        }
        let (value, next) = if i < chars.len() && chars[i] == '"' {
            quoted(&chars, i)?
        } else {
            let mut j = i;
            while j < chars.len() && !chars[j].is_whitespace() {
                j += 1;
            }
            (chars[i..j].iter().collect(), j)
        };
        out.push(Piece { at, key, value });
        i = next;
    }
    Ok(out)
}

/// The string in quotes starting at `start` (`\"` and `\\` escape), and where it ends.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() && matches!(chars[i + 1], '"' | '\\') => {
                value.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Ok((value, i + 1)),
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    Err(QueryError {
        at: start,
        kind: QueryErrorKind::UnclosedQuote,
    })
}

fn yes_no(value: &str) -> Option<bool> {
    match fold_yo(&value.to_lowercase()).as_str() {
        "yes" | "y" | "true" | "1" | "да" => Some(true),
        "no" | "n" | "false" | "0" | "нет" => Some(false),
        _ => None,
    }
}

fn parse_channel(value: &str) -> Option<Channel> {
    match value.to_lowercase().as_str() {
        "отзыв" | "отзывы" => Some(Channel::Review),
        "вопрос" | "вопросы" => Some(Channel::Question),
        "чат" | "чаты" => Some(Channel::Chat),
        other => other.parse().ok(),
    }
}

fn parse_marketplace(value: &str) -> Option<Marketplace> {
    match value.to_lowercase().as_str() {
        "вб" => Some(Marketplace::Wb),
        "озон" => Some(Marketplace::Ozon),
        other => other.parse().ok(),
    }
}

fn parse_answered(value: &str) -> Option<AnswerFilter> {
    match value.to_lowercase().as_str() {
        "all" | "any" | "все" | "всё" => Some(AnswerFilter::All),
        other => yes_no(other).map(|yes| {
            if yes {
                AnswerFilter::Answered
            } else {
                AnswerFilter::Unanswered
            }
        }),
    }
}

/// `2`, `=2`, `<=2`, `<3`, `>=4`, `>3`, `4-5`, `4..5` as an inclusive range within 1..=5.
fn parse_rating(value: &str) -> Option<(u8, u8)> {
    let star = |s: &str| s.trim().parse::<u8>().ok().filter(|n| (1..=5).contains(n));
    let (low, high) = if let Some(n) = value.strip_prefix("<=") {
        (1, star(n)?)
    } else if let Some(n) = value.strip_prefix(">=") {
        (star(n)?, 5)
    } else if let Some(n) = value.strip_prefix('<') {
        (1, star(n)?.checked_sub(1)?)
    } else if let Some(n) = value.strip_prefix('>') {
        (star(n)? + 1, 5)
    } else if let Some(n) = value.strip_prefix('=') {
        let n = star(n)?;
        (n, n)
    } else if let Some((a, b)) = value.split_once("..").or_else(|| value.split_once('-')) {
        (star(a)?, star(b)?)
    } else {
        let n = star(value)?;
        (n, n)
    };
    (1 <= low && low <= high && high <= 5).then_some((low, high))
}

fn parse_intent(value: &str) -> Option<IntentFilter> {
    let v = value.to_lowercase();
    if matches!(v.as_str(), "none" | "unknown" | "нет") {
        return Some(IntentFilter::Unclassified);
    }
    INTENTS
        .contains(&v.as_str())
        .then(|| IntentFilter::Is(v.clone()))
}

fn parse_sort(value: &str) -> Option<QueueSort> {
    match value.to_lowercase().as_str() {
        "deadline" | "due" | "срок" => Some(QueueSort::Deadline),
        "priority" | "приоритет" => Some(QueueSort::Priority),
        "newest" | "new" | "новые" => Some(QueueSort::Newest),
        _ => None,
    }
}

/// Parses a query; the error says where and what is wrong.
pub fn parse_query(input: &str) -> Result<Query, QueryError> {
    let mut query = Query::default();
    for piece in pieces(input)? {
        let Some((name, key_at)) = piece.key else {
            if !piece.value.is_empty() {
                query.text.push(TextTerm::any(piece.value));
            }
            continue;
        };
        let key = Key::parse(&name).ok_or_else(|| QueryError {
            at: key_at,
            kind: QueryErrorKind::UnknownKey(name.clone()),
        })?;
        let value = piece.value.trim();
        if value.is_empty() {
            return Err(QueryError {
                at: piece.at,
                kind: QueryErrorKind::EmptyValue(key),
            });
        }
        let bad = || QueryError {
            at: piece.at,
            kind: QueryErrorKind::BadValue {
                key,
                value: value.to_string(),
            },
        };
        match key {
            Key::Channel => query.channel = Some(parse_channel(value).ok_or_else(bad)?),
            Key::Marketplace => query.marketplace = Some(parse_marketplace(value).ok_or_else(bad)?),
            Key::Account => {
                query.account = Some(value.to_string());
                query.account_at = piece.at;
            }
            Key::Answered => query.answered = Some(parse_answered(value).ok_or_else(bad)?),
            Key::Rating => query.rating = Some(parse_rating(value).ok_or_else(bad)?),
            Key::Intent => query.intent = Some(parse_intent(value).ok_or_else(bad)?),
            Key::Product => {
                if value.chars().all(|c| c.is_ascii_digit()) {
                    query.product = Some(value.to_string());
                } else {
                    query.text.push(TextTerm {
                        field: TextField::Product,
                        text: value.to_string(),
                    });
                }
            }
            Key::Customer => query.text.push(TextTerm {
                field: TextField::Customer,
                text: value.to_string(),
            }),
            Key::Draft => query.has_draft = Some(yes_no(value).ok_or_else(bad)?),
            Key::Breached => {
                if yes_no(value) != Some(true) {
                    return Err(bad());
                }
                query.breached = true;
            }
            Key::Sort => query.sort = Some(parse_sort(value).ok_or_else(bad)?),
        }
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> QueryError {
        parse_query(input).expect_err(input)
    }

    #[test]
    fn the_documented_example_parses() {
        let q = parse_query(
            "channel:review rating:<=2 product:123 answered:no account:\"Уютный дом\" mp:wb \
             intent:defect_not_working плед",
        )
        .unwrap();
        assert_eq!(q.channel, Some(Channel::Review));
        assert_eq!(q.rating, Some((1, 2)));
        assert_eq!(q.product.as_deref(), Some("123"));
        assert_eq!(q.answered, Some(AnswerFilter::Unanswered));
        assert_eq!(q.account.as_deref(), Some("Уютный дом"));
        assert_eq!(q.marketplace, Some(Marketplace::Wb));
        assert_eq!(
            q.intent,
            Some(IntentFilter::Is("defect_not_working".into()))
        );
        assert_eq!(q.text, vec![TextTerm::any("плед")]);
    }

    #[test]
    fn ratings() {
        for (v, r) in [
            ("2", (2, 2)),
            ("=5", (5, 5)),
            ("<=2", (1, 2)),
            ("<3", (1, 2)),
            (">=4", (4, 5)),
            (">3", (4, 5)),
            ("4-5", (4, 5)),
            ("1..3", (1, 3)),
        ] {
            assert_eq!(parse_rating(v), Some(r), "{v}");
        }
        for v in ["0", "6", "<1", ">5", "5-4", "x", ""] {
            assert_eq!(parse_rating(v), None, "{v}");
        }
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = err("плед colour:red");
        assert_eq!(e.at, 5);
        assert_eq!(e.kind, QueryErrorKind::UnknownKey("colour".into()));
        assert!(
            e.to_string().starts_with("at 6: unknown filter \"colour\""),
            "{e}"
        );
        assert_eq!(err("rating:").kind, QueryErrorKind::EmptyValue(Key::Rating));
        assert_eq!(
            err("rating:7").to_string(),
            "at 1: rating:7 is not understood; expected a number of stars 1-5, e.g. 2, <=2, >3, 4-5"
        );
        assert_eq!(err("account:\"Уют").kind, QueryErrorKind::UnclosedQuote);
        assert_eq!(err("\"плед").at, 0);
        assert!(matches!(
            err("intent:angry").kind,
            QueryErrorKind::BadValue {
                key: Key::Intent,
                ..
            }
        ));
        assert!(matches!(
            err("breached:no").kind,
            QueryErrorKind::BadValue {
                key: Key::Breached,
                ..
            }
        ));
    }

    #[test]
    fn russian_keys_values_and_quoting() {
        let q = parse_query("канал:отзывы ответ:все сортировка:новые \"мягкий плед\" товар:плед")
            .unwrap();
        assert_eq!(q.channel, Some(Channel::Review));
        assert_eq!(q.answered, Some(AnswerFilter::All));
        assert_eq!(q.sort, Some(QueueSort::Newest));
        assert_eq!(
            q.text,
            vec![
                TextTerm::any("мягкий плед"),
                TextTerm {
                    field: TextField::Product,
                    text: "плед".into()
                }
            ]
        );
        let q = parse_query(r#"account:"a \"b\" c""#).unwrap();
        assert_eq!(q.account.as_deref(), Some("a \"b\" c"));
        // Text with a colon that is not a key needs quotes; digits never form a key.
        assert_eq!(
            parse_query("10:30").unwrap().text,
            vec![TextTerm::any("10:30")]
        );
        assert!(parse_query("").unwrap().is_empty());
    }

    #[test]
    fn fts_expressions_quote_fold_and_prefix() {
        let e = |terms: &[TextTerm]| fts_expression(terms);
        assert_eq!(e(&[TextTerm::any("Ёлка")]).as_deref(), Some("\"Елка\"*"));
        assert_eq!(
            e(&[TextTerm::any("мягкий плёд"), TextTerm::any("150×200")]).as_deref(),
            Some("\"мягкий плед\"* AND \"150 200\"*")
        );
        assert_eq!(
            e(&[TextTerm {
                field: TextField::Customer,
                text: "Анна".into()
            }])
            .as_deref(),
            Some("customer_name : \"Анна\"*")
        );
        // Operators and quotes typed by the user are just separators.
        assert_eq!(
            e(&[TextTerm::any("a\" OR b NEAR(c) *")]).as_deref(),
            Some("\"a OR b NEAR c\"*")
        );
        assert_eq!(e(&[TextTerm::any("!!! ---")]), None);
        assert_eq!(e(&[]), None);
    }

    #[test]
    fn accounts_resolve_loosely_but_not_ambiguously() {
        let accounts = vec![
            AccountRow {
                id: 1,
                name: "Уютный дом".into(),
                marketplace: Marketplace::Wb,
            },
            AccountRow {
                id: 2,
                name: "Уютный дом Ozon".into(),
                marketplace: Marketplace::Ozon,
            },
            AccountRow {
                id: 3,
                name: "Ёжик".into(),
                marketplace: Marketplace::Wb,
            },
        ];
        assert_eq!(find_account(&accounts, "уютный ДОМ"), Ok(1));
        assert_eq!(find_account(&accounts, "ozon"), Ok(2));
        assert_eq!(find_account(&accounts, "ежик"), Ok(3));
        assert!(matches!(
            find_account(&accounts, "уютный"),
            Err(QueryErrorKind::AmbiguousAccount { .. })
        ));
        let mut filter = QueueFilter::default();
        let e = parse_query("плед account:нет")
            .unwrap()
            .apply(&mut filter, &accounts, Utc::now())
            .unwrap_err();
        assert_eq!(e.at, 5);
        assert!(matches!(e.kind, QueryErrorKind::UnknownAccount { .. }));
    }
}
