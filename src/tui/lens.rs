//! What the queue shows: the channel tab, the breached view, the account and
//! marketplace filters, answered or not, the order, and whatever else a query narrowed it
//! to. A query (search `/` or filter `f`) is parsed into a lens; a lens is written back as
//! a query to prefill the filter line.

use chrono::{DateTime, Utc};

use crate::domain::{Channel, Marketplace};
use crate::store::search::{parse_query, Query, QueryError, TextField};
use crate::store::{AccountRow, AnswerFilter, IntentFilter, QueueFilter, QueueSort};

/// A channel tab above the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Tab {
    #[default]
    All,
    Reviews,
    Questions,
    Chats,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::All, Tab::Reviews, Tab::Questions, Tab::Chats];

    pub fn channel(self) -> Option<Channel> {
        match self {
            Tab::All => None,
            Tab::Reviews => Some(Channel::Review),
            Tab::Questions => Some(Channel::Question),
            Tab::Chats => Some(Channel::Chat),
        }
    }

    pub fn of(channel: Option<Channel>) -> Tab {
        match channel {
            None => Tab::All,
            Some(Channel::Review) => Tab::Reviews,
            Some(Channel::Question) => Tab::Questions,
            Some(Channel::Chat) => Tab::Chats,
        }
    }

    fn index(self) -> usize {
        match self {
            Tab::All => 0,
            Tab::Reviews => 1,
            Tab::Questions => 2,
            Tab::Chats => 3,
        }
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// The queue's filter as the user chose it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lens {
    pub tab: Tab,
    pub breached_only: bool,
    pub account: Option<i64>,
    pub marketplace: Option<Marketplace>,
    pub answered: AnswerFilter,
    pub sort: QueueSort,
    /// Team mode's "my items": only the items this person (a database user) holds.
    pub mine: Option<String>,
    /// The rest of a query: rating, intent, product, draft, text. Its own channel,
    /// account, marketplace, answered, breached and sort are always empty (they live in
    /// the fields above).
    pub refine: Query,
}

impl Lens {
    /// The lens search starts from: the whole history, newest first.
    pub fn search() -> Lens {
        Lens {
            answered: AnswerFilter::All,
            sort: QueueSort::Newest,
            ..Lens::default()
        }
    }

    /// The store filter; `at` is when "breached" and "at risk" are judged.
    pub fn filter(&self, at: DateTime<Utc>) -> QueueFilter {
        let mut f = QueueFilter {
            channel: self.tab.channel(),
            account_id: self.account,
            breached_at: self.breached_only.then_some(at),
            marketplace: self.marketplace,
            answered: self.answered,
            sort: self.sort,
            ranked_at: Some(at),
            claimed_by: self.mine.clone(),
            ..QueueFilter::default()
        };
        f.rating = self.refine.rating;
        f.intent = self.refine.intent.clone();
        f.product = self.refine.product.clone();
        f.has_draft = self.refine.has_draft;
        f.text = self.refine.text.clone();
        f
    }

    /// Parses `text` into a lens that starts from `base` (every field the query does not
    /// name keeps `base`'s value, the refinement is replaced).
    pub fn parse(
        text: &str,
        base: &Lens,
        accounts: &[AccountRow],
        now: DateTime<Utc>,
    ) -> Result<Lens, QueryError> {
        let mut query = parse_query(text)?;
        // Resolves `account:` and checks the rest the way the store will use it.
        let mut scratch = QueueFilter::default();
        query.apply(&mut scratch, accounts, now)?;
        let mut lens = Lens {
            refine: Query::default(),
            ..base.clone()
        };
        if let Some(channel) = query.channel.take() {
            lens.tab = Tab::of(Some(channel));
        }
        if query.account.take().is_some() {
            lens.account = scratch.account_id;
        }
        if let Some(m) = query.marketplace.take() {
            lens.marketplace = Some(m);
        }
        if let Some(a) = query.answered.take() {
            lens.answered = a;
        }
        if std::mem::take(&mut query.breached) {
            lens.breached_only = true;
        }
        if let Some(s) = query.sort.take() {
            lens.sort = s;
        }
        lens.refine = query;
        Ok(lens)
    }

    /// The lens written as a query, relative to `base`: parsing it back onto `base`'s
    /// defaults gives this lens.
    pub fn to_query(&self, base: &Lens, accounts: &[AccountRow]) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.tab.channel() {
            parts.push(format!("channel:{}", c.as_str()));
        }
        if let Some(id) = self.account {
            if let Some(a) = accounts.iter().find(|a| a.id == id) {
                parts.push(format!("account:{}", quote(&a.name)));
            }
        }
        if let Some(m) = self.marketplace {
            parts.push(format!("mp:{}", m.as_str()));
        }
        if self.answered != base.answered {
            parts.push(
                match self.answered {
                    AnswerFilter::Unanswered => "answered:no",
                    AnswerFilter::Answered => "answered:yes",
                    AnswerFilter::All => "answered:all",
                }
                .into(),
            );
        }
        if self.breached_only {
            parts.push("breached:yes".into());
        }
        if self.sort != base.sort {
            parts.push(format!("sort:{}", self.sort.as_str()));
        }
        let refine = describe_refine(&self.refine);
        if !refine.is_empty() {
            parts.push(refine);
        }
        parts.join(" ")
    }
}

/// A value as the query language reads it back: bare when it is one plain word.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A refinement (rating, intent, product, draft, text) in the query language.
pub fn describe_refine(q: &Query) -> String {
    let mut parts = Vec::new();
    if let Some((low, high)) = q.rating {
        parts.push(match (low, high) {
            (l, h) if l == h => format!("rating:{l}"),
            (1, h) => format!("rating:<={h}"),
            (l, 5) => format!("rating:>={l}"),
            (l, h) => format!("rating:{l}-{h}"),
        });
    }
    match &q.intent {
        Some(IntentFilter::Is(i)) => parts.push(format!("intent:{i}")),
        Some(IntentFilter::Unclassified) => parts.push("intent:none".into()),
        None => {}
    }
    if let Some(p) = &q.product {
        parts.push(format!("product:{p}"));
    }
    if let Some(d) = q.has_draft {
        parts.push(format!("draft:{}", if d { "yes" } else { "no" }));
    }
    for term in &q.text {
        let value = quote(&term.text);
        parts.push(match term.field {
            TextField::Any => value,
            TextField::Product => format!("product:{value}"),
            TextField::Customer => format!("customer:{value}"),
        });
    }
    parts.join(" ")
}

/// The next account in the cycle all → each account → all.
pub fn next_account(current: Option<i64>, accounts: &[AccountRow]) -> Option<i64> {
    match current {
        None => accounts.first().map(|a| a.id),
        Some(id) => {
            let pos = accounts.iter().position(|a| a.id == id);
            pos.and_then(|p| accounts.get(p + 1)).map(|a| a.id)
        }
    }
}

/// all → WB → Ozon → all.
pub fn next_marketplace(current: Option<Marketplace>) -> Option<Marketplace> {
    match current {
        None => Some(Marketplace::Wb),
        Some(Marketplace::Wb) => Some(Marketplace::Ozon),
        Some(Marketplace::Ozon) => None,
    }
}

/// unanswered → answered → all → unanswered.
pub fn next_answered(current: AnswerFilter) -> AnswerFilter {
    match current {
        AnswerFilter::Unanswered => AnswerFilter::Answered,
        AnswerFilter::Answered => AnswerFilter::All,
        AnswerFilter::All => AnswerFilter::Unanswered,
    }
}

/// deadline → priority → newest → deadline.
pub fn next_sort(current: QueueSort) -> QueueSort {
    match current {
        QueueSort::Deadline => QueueSort::Priority,
        QueueSort::Priority => QueueSort::Newest,
        QueueSort::Newest => QueueSort::Deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::search::TextTerm;
    use chrono::TimeZone;

    fn accounts() -> Vec<AccountRow> {
        vec![
            AccountRow {
                id: 1,
                name: "Уютный дом".into(),
                marketplace: Marketplace::Wb,
            },
            AccountRow {
                id: 2,
                name: "Альфа".into(),
                marketplace: Marketplace::Ozon,
            },
        ]
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_query_becomes_a_lens_and_back() {
        let base = Lens::default();
        let text = "channel:review account:\"Уютный дом\" mp:wb answered:all breached:yes \
                    sort:priority rating:<=2 intent:wrong_item product:123 draft:no \
                    customer:Анна \"мягкий плед\"";
        let lens = Lens::parse(text, &base, &accounts(), now()).unwrap();
        assert_eq!(lens.tab, Tab::Reviews);
        assert_eq!(lens.account, Some(1));
        assert_eq!(lens.marketplace, Some(Marketplace::Wb));
        assert_eq!(lens.answered, AnswerFilter::All);
        assert!(lens.breached_only);
        assert_eq!(lens.sort, QueueSort::Priority);
        assert_eq!(lens.refine.rating, Some((1, 2)));
        assert!(lens.refine.channel.is_none() && lens.refine.account.is_none());
        let written = lens.to_query(&base, &accounts());
        assert_eq!(
            written,
            "channel:review account:\"Уютный дом\" mp:wb answered:all breached:yes \
             sort:priority rating:<=2 intent:wrong_item product:123 draft:no \
             customer:Анна \"мягкий плед\""
        );
        let again = Lens::parse(&written, &base, &accounts(), now()).unwrap();
        assert_eq!(again, lens);
        let f = lens.filter(now());
        assert_eq!(f.text.len(), 2);
        assert_eq!(f.text[1], TextTerm::any("мягкий плед"));
        assert_eq!(f.breached_at, Some(now()));
    }

    #[test]
    fn search_lens_defaults_to_the_whole_history() {
        let base = Lens::search();
        let lens = Lens::parse("плед", &base, &accounts(), now()).unwrap();
        let f = lens.filter(now());
        assert_eq!(f.answered, AnswerFilter::All);
        assert_eq!(f.sort, QueueSort::Newest);
        assert_eq!(lens.to_query(&base, &accounts()), "плед");
    }

    #[test]
    fn cycles_wrap_around() {
        let a = accounts();
        assert_eq!(next_account(None, &a), Some(1));
        assert_eq!(next_account(Some(1), &a), Some(2));
        assert_eq!(next_account(Some(2), &a), None);
        assert_eq!(next_account(None, &[]), None);
        assert_eq!(next_marketplace(Some(Marketplace::Ozon)), None);
        assert_eq!(next_answered(AnswerFilter::All), AnswerFilter::Unanswered);
        assert_eq!(next_sort(QueueSort::Newest), QueueSort::Deadline);
    }
}
