//! Every piece of text the inbox shows, in one table per language.
//!
//! Only Russian exists for now. An English table is another `static` of the same type;
//! nothing outside this module spells out UI text.

use crate::domain::{Channel, ModerationState, Sender};

use super::action::Action;
use super::keymap::Layer;
use super::state::Notice;

/// One language's UI text.
pub struct Strings {
    pub tab_all: &'static str,
    pub tab_reviews: &'static str,
    pub tab_questions: &'static str,
    pub tab_chats: &'static str,
    pub breached_filter: &'static str,

    pub queue_title: &'static str,
    pub queue_empty: &'static str,
    pub queue_empty_breached: &'static str,
    pub loading: &'static str,
    pub send_failed_mark: &'static str,

    pub detail_title: &'static str,
    pub no_selection: &'static str,
    pub label_product: &'static str,
    pub label_brand: &'static str,
    pub label_article: &'static str,
    pub label_customer: &'static str,
    pub label_account: &'static str,
    pub label_created: &'static str,
    pub label_deadline: &'static str,
    pub label_pros: &'static str,
    pub label_cons: &'static str,
    pub label_photos: &'static str,
    pub label_thread: &'static str,
    pub label_answer: &'static str,
    pub label_text: &'static str,
    pub unknown_product: &'static str,
    pub unknown_customer: &'static str,
    pub answer_pending: &'static str,
    pub answer_editable: &'static str,

    pub editor_title: &'static str,
    pub confirm_title: &'static str,
    pub confirm_question: &'static str,
    pub confirm_yes: &'static str,
    pub confirm_no: &'static str,

    pub help_title: &'static str,
    pub help_footer: &'static str,

    pub syncing: &'static str,
    pub sync_error: &'static str,
    pub outbox_empty: &'static str,

    /// Units of the SLA countdown: minutes, hours, days.
    pub unit_minute: &'static str,
    pub unit_hour: &'static str,
    pub unit_day: &'static str,

    pub sync_done: fn(new: usize, changed: usize, at: &str) -> String,
    pub offline_since: fn(at: &str) -> String,
    pub outbox: fn(n: usize) -> String,
    pub notice: fn(&Notice) -> String,
    pub channel_short: fn(Channel) -> &'static str,
    pub channel_name: fn(Channel) -> &'static str,
    pub moderation: fn(ModerationState) -> &'static str,
    pub sender: fn(Sender) -> &'static str,
    pub layer: fn(Layer) -> &'static str,
    pub action: fn(&Action) -> &'static str,
}

/// The Russian table.
pub static RU: Strings = Strings {
    tab_all: "Все",
    tab_reviews: "Отзывы",
    tab_questions: "Вопросы",
    tab_chats: "Чаты",
    breached_filter: "просрочено",

    queue_title: "Очередь",
    queue_empty: "Открытых обращений нет",
    queue_empty_breached: "Просроченных обращений нет",
    loading: "загрузка…",
    send_failed_mark: "не отправлено",

    detail_title: "Карточка",
    no_selection: "Выберите обращение в очереди",
    label_product: "Товар",
    label_brand: "Бренд",
    label_article: "Артикул",
    label_customer: "Покупатель",
    label_account: "Кабинет",
    label_created: "Создано",
    label_deadline: "Ответить до",
    label_pros: "Достоинства",
    label_cons: "Недостатки",
    label_photos: "Фото",
    label_thread: "Переписка",
    label_answer: "Ответ продавца",
    label_text: "Текст",
    unknown_product: "товар не указан",
    unknown_customer: "имя не указано",
    answer_pending: "ответ отправляется",
    answer_editable: "можно изменить один раз",

    editor_title: "Ответ",
    confirm_title: "Подтверждение",
    confirm_question: "Отправить ответ?",
    confirm_yes: "отправить",
    confirm_no: "вернуться к тексту",

    help_title: "Клавиши",
    help_footer: "Клавиши меняются в keymaps/default.toml",

    syncing: "синхронизация…",
    sync_error: "ошибка",
    outbox_empty: "исходящих нет",

    unit_minute: "m",
    unit_hour: "h",
    unit_day: "d",

    sync_done: ru_sync_done,
    offline_since: ru_offline_since,
    outbox: ru_outbox,
    notice: ru_notice,
    channel_short: ru_channel_short,
    channel_name: ru_channel_name,
    moderation: ru_moderation,
    sender: ru_sender,
    layer: ru_layer,
    action: ru_action,
};

/// The table the UI uses.
pub fn current() -> &'static Strings {
    &RU
}

fn ru_sync_done(new: usize, changed: usize, at: &str) -> String {
    match (new, changed) {
        (0, 0) => format!("✓ {at}"),
        (n, 0) => format!("✓ {at}, новых {n}"),
        (n, c) => format!("✓ {at}, новых {n}, изменено {c}"),
    }
}

fn ru_offline_since(at: &str) -> String {
    format!("нет связи с {at}")
}

fn ru_outbox(n: usize) -> String {
    format!("исходящие: {n}")
}

fn ru_notice(notice: &Notice) -> String {
    match notice {
        Notice::EmptyReply => "Пустой ответ не отправлен".into(),
        Notice::TooLong { len, max } => {
            format!("Ответ не отправлен: {len} знаков при пределе {max}")
        }
        Notice::TooShort { len, min } => {
            format!("Ответ не отправлен: {len} знаков, нужно не меньше {min}")
        }
        Notice::Queued => "Ответ поставлен в очередь отправки".into(),
        Notice::NothingSelected => "Очередь пуста: отвечать не на что".into(),
        Notice::AlreadySending => "Ответ на это обращение уже отправляется".into(),
        Notice::NotOpen => "На это обращение уже нельзя ответить".into(),
        Notice::DetailLoading => "Карточка ещё загружается, повторите".into(),
        Notice::CommandFailed => "Фоновая служба не отвечает: ответ не отправлен".into(),
        Notice::LoadFailed(e) => format!("Не удалось прочитать базу: {e}"),
        Notice::SyncRequested => "Синхронизация запрошена".into(),
        Notice::DraftRegenerated => "Черновик заменён новым вариантом".into(),
    }
}

fn ru_channel_short(c: Channel) -> &'static str {
    match c {
        Channel::Review => "Отз",
        Channel::Question => "Впр",
        Channel::Chat => "Чат",
    }
}

fn ru_channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Review => "Отзыв",
        Channel::Question => "Вопрос",
        Channel::Chat => "Чат",
    }
}

fn ru_moderation(m: ModerationState) -> &'static str {
    match m {
        ModerationState::Published => "опубликован",
        ModerationState::UnderReview => "на модерации",
        ModerationState::Rejected => "отклонён модерацией",
    }
}

fn ru_sender(s: Sender) -> &'static str {
    match s {
        Sender::Buyer => "Покупатель",
        Sender::Seller => "Продавец",
    }
}

fn ru_layer(l: Layer) -> &'static str {
    match l {
        Layer::Global => "Везде",
        Layer::Queue => "Очередь",
        Layer::Detail => "Карточка",
        Layer::Editor => "Редактор ответа",
        Layer::Confirm => "Подтверждение",
        Layer::Help => "Справка",
    }
}

fn ru_action(a: &Action) -> &'static str {
    match a {
        Action::MoveDown => "вниз",
        Action::MoveUp => "вверх",
        Action::Top => "в начало",
        Action::Bottom => "в конец",
        Action::PageDown => "страница вниз",
        Action::PageUp => "страница вверх",
        Action::TabAll => "все каналы",
        Action::TabReviews => "отзывы",
        Action::TabQuestions => "вопросы",
        Action::TabChats => "чаты",
        Action::NextTab => "следующая вкладка",
        Action::PrevTab => "предыдущая вкладка",
        Action::ToggleBreached => "только просроченные",
        Action::FocusDetail => "к карточке",
        Action::FocusQueue => "к очереди",
        Action::Reply => "ответить",
        Action::Send => "отправить",
        Action::Regenerate => "другой черновик",
        Action::Confirm => "подтвердить",
        Action::Cancel => "отмена",
        Action::SyncNow => "синхронизировать",
        Action::Refresh => "перечитать",
        Action::Help => "справка",
        Action::Quit => "выход",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bindable_action_has_a_description() {
        for a in Action::BINDABLE {
            assert!(!(RU.action)(a).is_empty(), "{a:?}");
        }
    }
}
