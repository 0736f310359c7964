//! The words of the scripting commands' text output, in the UI language. JSON output
//! keeps English keys whatever the language.

use crate::tui::Lang;

/// Labels of the text output of `list`, `show`, `draft`, `reply` and `settings`.
pub struct Labels {
    pub lang: Lang,
    pub no_items: &'static str,
    pub more: &'static str,
    pub account: &'static str,
    pub marketplace: &'static str,
    pub channel: &'static str,
    pub state: &'static str,
    pub rating: &'static str,
    pub intent: &'static str,
    pub created: &'static str,
    pub due: &'static str,
    pub product: &'static str,
    pub customer: &'static str,
    pub customer_items: &'static str,
    pub text: &'static str,
    pub thread: &'static str,
    pub draft: &'static str,
    pub no_draft: &'static str,
    pub source: &'static str,
    pub confidence: &'static str,
    pub verdict: &'static str,
    pub outbox: &'static str,
    pub audit: &'static str,
    pub none: &'static str,
    pub buyer: &'static str,
    pub seller: &'static str,
    pub queued: &'static str,
    pub refused: &'static str,
    pub not_sent_yet: &'static str,
    pub from_default: &'static str,
    pub from_global: &'static str,
    pub from_account: &'static str,
    pub saved: &'static str,
}

pub const RU: Labels = Labels {
    lang: Lang::Ru,
    no_items: "Ничего не найдено.",
    more: "ещё есть; следующая страница:",
    account: "Магазин",
    marketplace: "Площадка",
    channel: "Канал",
    state: "Состояние",
    rating: "Оценка",
    intent: "Намерение",
    created: "Создан",
    due: "Срок",
    product: "Товар",
    customer: "Покупатель",
    customer_items: "обращений",
    text: "Текст",
    thread: "Переписка",
    draft: "Черновик",
    no_draft: "черновика нет",
    source: "источник",
    confidence: "уверенность",
    verdict: "Проверка",
    outbox: "Отправка",
    audit: "Журнал",
    none: "—",
    buyer: "покупатель",
    seller: "продавец",
    queued: "В очереди на отправку",
    refused: "Не отправлено: ответ заблокирован проверкой",
    not_sent_yet: "отправит запущенный inbox, демон или `agentiq sync --once`",
    from_default: "по умолчанию",
    from_global: "общая",
    from_account: "магазина",
    saved: "Сохранено",
};

pub const EN: Labels = Labels {
    lang: Lang::En,
    no_items: "Nothing found.",
    more: "more; next page:",
    account: "Account",
    marketplace: "Marketplace",
    channel: "Channel",
    state: "State",
    rating: "Rating",
    intent: "Intent",
    created: "Created",
    due: "Due",
    product: "Product",
    customer: "Customer",
    customer_items: "items",
    text: "Text",
    thread: "Thread",
    draft: "Draft",
    no_draft: "no draft",
    source: "source",
    confidence: "confidence",
    verdict: "Check",
    outbox: "Outbox",
    audit: "Audit",
    none: "—",
    buyer: "buyer",
    seller: "seller",
    queued: "Queued for sending",
    refused: "Not sent: the guardrails block this reply",
    not_sent_yet: "the running inbox, the daemon or `agentiq sync --once` sends it",
    from_default: "default",
    from_global: "global",
    from_account: "account",
    saved: "Saved",
};

impl Labels {
    pub fn for_lang(lang: Lang) -> &'static Labels {
        match lang {
            Lang::Ru => &RU,
            Lang::En => &EN,
        }
    }

    /// A guardrail finding's reason in this language.
    pub fn reason<'a>(&self, finding: &'a crate::ai::guardrails::Finding) -> &'a str {
        match self.lang {
            Lang::Ru => &finding.reason_ru,
            Lang::En => &finding.reason_en,
        }
    }
}
