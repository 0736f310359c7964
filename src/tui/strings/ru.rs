//! Русский текст интерфейса.

use crate::domain::{AnswerState, Channel, EditRefusal, Marketplace, ModerationState, Sender};
use crate::store::search::{Key, QueryError, QueryErrorKind};
use crate::store::{AnswerFilter, QueueSort};
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::state::{Notice, Screen};

use super::Strings;

/// The Russian table.
pub static RU: Strings = Strings {
    tab_all: "Все",
    tab_reviews: "Отзывы",
    tab_questions: "Вопросы",
    tab_chats: "Чаты",
    breached_filter: "просрочено",

    queue_title: "Очередь",
    search_title: "Поиск",
    queue_empty: "Открытых обращений нет",
    queue_empty_breached: "Просроченных обращений нет",
    queue_empty_filtered: "Под фильтр ничего не подходит",
    queue_empty_search: "Ничего не найдено",
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
    label_state: "Состояние",
    unknown_product: "товар не указан",
    unknown_customer: "имя не указано",
    answer_pending: "ответ отправляется",
    answer_editable: "можно изменить один раз",
    customer_first_time: "первое обращение",
    customer_items,
    customer_by_name: "связан по имени",
    label_products: "Товары",
    label_channels: "Каналы",
    label_ratings: "Оценки",
    label_tone: "Тон",
    label_channel: "Канал",
    label_rating: "Оценка",
    customer_history_key,

    draft_source,
    draft_reason,
    editor_title: "Ответ",
    edit_title: "Правка ответа (один раз)",
    reply_window_left: "ответить: ещё",
    reply_window_closed: "чат закрыт для ответа",
    confirm_title: "Подтверждение",
    confirm_question: "Отправить ответ?",
    confirm_yes: "отправить",
    confirm_no: "вернуться к тексту",

    prompt_search: "Поиск",
    prompt_filter: "Фильтр",
    prompt_search_placeholder: "слова и фильтры, например: плед rating:<=2 answered:all",
    prompt_filter_placeholder: "например: rating:<=2 mp:wb intent:wrong_item product:123",

    picker_title: "Шаблоны",
    intent_picker_title: "Намерение",
    help_title: "Клавиши",
    help_footer: "Свои клавиши — в keymap.toml в папке настроек",
    help_filter: "Найти",
    help_no_match: "Таких клавиш нет",
    help_config_problems: "Ошибки в файлах настроек (работают настройки по умолчанию)",

    health_empty: "Синхронизаций ещё не было",
    health_account: "Кабинет",
    health_connector: "Источник",
    health_last_run: "Запуск",
    health_last_success: "Успех",
    health_success: "Успешно 24ч",
    health_items: "Записи 24ч",
    health_failures: "Сбоев подряд",
    health_error: "Ошибка",
    health_running: "идёт",
    health_requests: "запросов",
    never: "никогда",

    audit_empty: "Журнал пуст",
    audit_time: "Время",
    audit_actor: "Кто",
    audit_action: "Действие",
    audit_item: "Обращение",
    audit_detail: "Подробности",

    syncing: "синхронизация…",
    sync_error: "ошибка",
    llm_down: "LLM недоступна — черновики офлайн",
    outbox_empty: "исходящих нет",

    unit_minute: "m",
    unit_hour: "h",
    unit_day: "d",

    sync_done,
    offline_since,
    token_refused,
    outbox,
    sync_progress,
    sync_by,
    waiting_for_process,
    awaiting_publication,
    notice,
    query_error,
    channel_short,
    channel_name,
    answer_state,
    answered,
    sort,
    moderation,
    sender,
    screen,
    layer,
    action,

    analytics_all_accounts: "все кабинеты",
    analytics_computing: "считаю…",
    analytics_metric: "Показатель",
    analytics_value: "Значение",
    analytics_count: "Счёт",
    analytics_target: "Цель",
    analytics_previous: "Раньше",
    analytics_change: "Изменение",
    analytics_by_day: "По дням",
    analytics_no_data: "нет данных",
    analytics_at_risk: "Выручка под риском",
    analytics_protected: "защищено быстрыми ответами",
    analytics_top_products: "Товары с открытыми жалобами",
    analytics_no_complaints: "Открытых жалоб нет",
    analytics_complaints,
    analytics_overdue: "просрочено",
    unit_pp: "п.п.",
    analytics_period,
    analytics_auto,
    analytics_versions_none: "Версии: за период нет ответов из черновиков с версией",
    analytics_version_row,
    analytics_version_verdict,
    metric_name,

    settings_global: "общие (все кабинеты)",
    settings_field: "Поле",
    settings_value: "Значение",
    settings_source: "Откуда",
    settings_empty: "Здесь нечего настраивать",
    settings_prompt_placeholder: "новое значение; Enter сохраняет, Esc отменяет",
    go_live_prompt: "Автоответы кабинета вживую — введите ВКЛЮЧИТЬ",
    live_word: "ВКЛЮЧИТЬ",
    settings_editor_title: "По одному на строку",
    settings_edit: "изменить",
    settings_scope_hint: "область: общие / каждый кабинет",
    settings_save: "сохранить",
    setting_source,
    settings_section,
    learnt_needs_account: "Выученное хранится по кабинетам: выберите кабинет",
    learnt_empty: "Пока ничего не выучено: черновики учатся на отправленных ответах",
    learnt_columns: ["Что", "Канал", "Фраза", "Раз"],
    learnt_kind,
    learnt_seen,
    learnt_hint: "x / Delete — забыть выбранное",
    experiment_line,
    experiment_state,
    experiment_none: "Экспериментов ещё не было",
    experiment_columns: ["Версия", "Вес", "Ответы", "Принято", "Правки"],
    experiment_versions_title: "Новый эксперимент: версии и веса (0 — не участвует)",
    experiment_hint: "Enter вес +1 · x убрать · S начать · P пауза/продолжить · X остановить",
    experiment_catalog_error,
    experiment_name_prompt: "Название эксперимента",
    experiment_name_placeholder: "exp-1",

    revenue_at_risk,
    revenue_protected,
    revenue_pending,
    override_word: "ОТПРАВИТЬ",
    override_title: "Правила блокируют ответ",
    override_question:
        "Правила блокируют этот ответ. Отправка вопреки им будет записана как нарушение.",
    override_hint,
    finding_warn: "внимание",
    finding_block: "блок",
    findings_none: "✓ замечаний нет",
    confirm_warnings,
    auto_reply_in,
};

fn sync_done(new: usize, changed: usize, at: &str) -> String {
    match (new, changed) {
        (0, 0) => format!("✓ {at}"),
        (n, 0) => format!("✓ {at}, новых {n}"),
        (n, c) => format!("✓ {at}, новых {n}, изменено {c}"),
    }
}

fn token_refused(status: &str) -> String {
    format!("токен отклонён (HTTP {status}) — выпустите новый, обновите переменную и проверьте: agentiq doctor")
}

fn offline_since(at: &str) -> String {
    format!("офлайн с {at}")
}

fn sync_by(who: &str) -> String {
    format!("синхронизирует: {who}")
}

fn waiting_for_process(shop: &str, n: usize) -> String {
    format!("{shop}: {n} ждут процесса с этим магазином")
}

fn awaiting_publication(n: usize) -> String {
    format!("приняты маркетплейсом, ждут публикации: {n}")
}

fn sync_progress(
    seen: u64,
    total: Option<u64>,
    channel: Channel,
    left: Option<chrono::Duration>,
) -> String {
    use crate::sync::eta::{short_duration, thousands};
    // After a count ("из 6 030"), Russian takes the genitive plural.
    let noun = match channel {
        Channel::Review => "отзывов",
        Channel::Question => "вопросов",
        Channel::Chat => "чатов",
    };
    let mut out = match total {
        Some(total) => format!("{} / {} {noun}", thousands(seen), thousands(total)),
        None => format!("{} {noun}", thousands(seen)),
    };
    if let Some(left) = left {
        out.push_str(&format!(", ~{}", short_duration(left, ["с", "мин", "ч"])));
    }
    out
}

fn outbox(n: usize) -> String {
    format!("исходящие: {n}")
}

fn notice(notice: &Notice) -> String {
    match notice {
        Notice::EmptyReply => "Пустой ответ не отправлен".into(),
        Notice::TooLong { len, max } => {
            format!("Ответ не отправлен: {len} знаков при пределе {max}")
        }
        Notice::TooShort { len, min } => {
            format!("Ответ не отправлен: {len} знаков, нужно не меньше {min}")
        }
        Notice::ReplyWindowClosed { hours } => format!(
            "Ответ не отправлен: Ozon принимает сообщение в чат только {hours} ч после \
             последнего сообщения покупателя"
        ),
        Notice::Queued => "Ответ поставлен в очередь отправки".into(),
        Notice::NothingSelected => "Очередь пуста: отвечать не на что".into(),
        Notice::AlreadySending => "Ответ на это обращение уже отправляется".into(),
        Notice::NotOpen => "На это обращение уже нельзя ответить".into(),
        Notice::DetailLoading => "Карточка загружается, редактор откроется сам".into(),
        Notice::CommandFailed => "Фоновая служба не отвечает: ответ не отправлен".into(),
        Notice::LoadFailed(e) => format!("Не удалось прочитать базу: {e}"),
        Notice::SyncRequested => "Синхронизация запрошена".into(),
        Notice::DraftRegenerated => "Черновик заменён новым вариантом".into(),
        Notice::BadQuery(e) => format!("Запрос не понят, {}", query_error(e)),
        Notice::NoSearch => "Поиска нет: начните его с /".into(),
        Notice::ConfigProblem(e) => {
            format!("{e} — работают настройки по умолчанию (весь список — в справке)")
        }
        Notice::Alert(text) => text.clone(),
        Notice::Refused(why) => format!("Не отправлено, правила запрещают: {why}"),
        Notice::ExternalEditorFailed(e) => format!("Внешний редактор: {e}"),
        Notice::ExternalEditorDone => "Текст вернулся из внешнего редактора".into(),
        Notice::SettingRefused { field, reason } => format!("Не сохранено: {field}: {reason}"),
        Notice::SettingSaved => "Настройка сохранена".into(),
        Notice::IntentCorrected(i) => format!("Намерение исправлено: {}; черновик составлен заново", i.label_ru()),
        Notice::IntentNotCorrected(why) => format!("Намерение не исправлено: {why}"),
        Notice::LearntForgotten => "Забыто: черновики больше это не используют".into(),
        Notice::SettingNotOverridden => "У этого поля здесь нет своего значения".into(),
        Notice::OverrideWordNeeded(word) => {
            format!("Правила блокируют ответ: чтобы всё равно отправить, наберите {word}")
        }
        Notice::AutoReplyUndoing => "Отменяем автоответ…".into(),
        Notice::AutoReplyUndone => "Автоответ отменён, обращение снова в очереди".into(),
        Notice::AutoReplyGone => "Поздно: автоответ уже отправляется".into(),
        Notice::NoAutoReply => "У этого обращения нет ожидающего автоответа".into(),
        Notice::AutoRepliesStopping => "Выключаем автоответы…".into(),
        Notice::AutoRepliesStopped(n) => {
            format!("Автоответы выключены; отменено неотправленных: {n}")
        }
        Notice::AutoRepliesStopFailed(e) => format!("Автоответы не выключены: {e}"),
        Notice::GoLiveNeedsAccount => {
            "Вживую включают по кабинету: выберите кабинет (a), затем L".into()
        }
        Notice::GoLiveFigures(f) => format!(
            "Теневой режим: отправил бы {}, продавец отправил так же {}, изменил {}, закрыл без ответа {}, ещё не решено {}",
            f.would_send, f.sent_as_is, f.edited, f.rejected, f.undecided
        ),
        Notice::GoLiveWordNeeded(word) => format!("Не подтверждено: введите {word}"),
        Notice::AutoRepliesLive => {
            "Автоответы кабинета работают вживую; ! выключает все".into()
        }
        Notice::GoLiveFailed(e) => format!("Не включено: {e}"),
        Notice::ExperimentNeedsVersions => {
            "Выберите хотя бы две версии: Enter даёт выбранной вес".into()
        }
        Notice::ExperimentNeedsName => "У эксперимента должно быть название".into(),
        Notice::ExperimentNoneActive => "Нет идущего или приостановленного эксперимента".into(),
        Notice::ExperimentStopAsk(name) => {
            format!("Остановить эксперимент «{name}» насовсем? y — остановить, n — оставить")
        }
        Notice::ExperimentChanged(name, state) => {
            format!("Эксперимент «{name}»: {}", experiment_state(*state))
        }
        Notice::ExperimentRefused(e) => format!("Эксперимент не изменён: {e}"),
        Notice::NoTemplates => "Шаблонов для этого обращения нет".into(),
        Notice::NoCustomer => "Это обращение не связано с покупателем: истории нет".into(),
        Notice::EditQueued => "Правка ответа поставлена в очередь отправки".into(),
        Notice::EditRefused(why) => edit_refusal(*why),
    }
}

fn edit_refusal(why: EditRefusal) -> String {
    match why {
        EditRefusal::NotSupported {
            marketplace: Marketplace::Ozon,
            ..
        } => "Ozon не даёт изменить отправленный ответ: у его API нет такого метода".into(),
        EditRefusal::NotSupported {
            channel: Channel::Chat,
            ..
        } => "Отправленное сообщение в чате изменить нельзя".into(),
        EditRefusal::NotSupported { .. } => {
            "Изменить можно только ответ на отзыв WB; ответ на вопрос правится в кабинете WB".into()
        }
        EditRefusal::NotAnswered => "Изменять нечего: ответа ещё нет".into(),
        EditRefusal::InFlight => "Ответ ещё отправляется: изменить его можно после".into(),
        EditRefusal::Used => "WB позволяет изменить ответ один раз и в течение 60 дней: \
             этот ответ больше изменить нельзя"
            .into(),
        EditRefusal::Unchanged => "Текст не изменён: править нечего".into(),
    }
}

fn expected(key: Key) -> &'static str {
    match key {
        Key::Channel => "review, question или chat",
        Key::Marketplace => "wb или ozon",
        Key::Account => "имя кабинета",
        Key::Answered => "yes, no или all",
        Key::Rating => "число звёзд 1–5, например 2, <=2, >3, 4-5",
        Key::Intent => "намерение, например defect_not_working, или none",
        Key::Product => "артикул или слова из названия",
        Key::Customer => "слова из имени покупателя",
        Key::Draft => "yes или no",
        Key::Breached => "yes",
        Key::Sort => "deadline, priority или newest",
    }
}

fn query_error(e: &QueryError) -> String {
    let what = match &e.kind {
        QueryErrorKind::UnclosedQuote => "не закрыта кавычка".to_string(),
        QueryErrorKind::UnknownKey(k) => format!(
            "неизвестный фильтр «{k}»; есть {} (текст с двоеточием возьмите в кавычки)",
            Key::ALL.map(Key::name).join(", ")
        ),
        QueryErrorKind::EmptyValue(k) => {
            format!("у {} нет значения; нужно {}", k.name(), expected(*k))
        }
        QueryErrorKind::BadValue { key, value } => format!(
            "{}:{value} — непонятное значение; нужно {}",
            key.name(),
            expected(*key)
        ),
        QueryErrorKind::UnknownAccount { name, known } => {
            format!("нет кабинета «{name}»; есть {}", known.join(", "))
        }
        QueryErrorKind::AmbiguousAccount { name, matches } => {
            format!(
                "«{name}» подходит к нескольким кабинетам: {}",
                matches.join(", ")
            )
        }
    };
    format!("позиция {}: {what}", e.at + 1)
}

fn channel_short(c: Channel) -> &'static str {
    match c {
        Channel::Review => "Отз",
        Channel::Question => "Впр",
        Channel::Chat => "Чат",
    }
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Review => "Отзыв",
        Channel::Question => "Вопрос",
        Channel::Chat => "Чат",
    }
}

fn answer_state(s: AnswerState) -> &'static str {
    match s {
        AnswerState::Open => "ждёт ответа",
        AnswerState::Pending => "ответ отправляется",
        AnswerState::Answered => "отвечено",
        AnswerState::Archived => "в архиве",
    }
}

fn answered(a: AnswerFilter) -> &'static str {
    match a {
        AnswerFilter::Unanswered => "без ответа",
        AnswerFilter::Answered => "с ответом",
        AnswerFilter::All => "все состояния",
    }
}

fn sort(s: QueueSort) -> &'static str {
    match s {
        QueueSort::Deadline => "по сроку",
        QueueSort::Priority => "по приоритету",
        QueueSort::Newest => "сначала новые",
    }
}

fn moderation(m: ModerationState) -> &'static str {
    match m {
        ModerationState::Published => "опубликован",
        ModerationState::UnderReview => "на модерации",
        ModerationState::Rejected => "отклонён модерацией",
    }
}

fn sender(s: Sender) -> &'static str {
    match s {
        Sender::Buyer => "Покупатель",
        Sender::Seller => "Продавец",
    }
}

fn screen(s: Screen) -> &'static str {
    match s {
        Screen::Inbox => "Входящие",
        Screen::SyncHealth => "Синхронизация",
        Screen::Analytics => "Аналитика",
        Screen::Settings => "Настройки",
        Screen::AuditLog => "Журнал действий",
        Screen::CustomerHistory => "История покупателя",
    }
}

fn layer(l: Layer) -> &'static str {
    match l {
        Layer::Global => "Везде",
        Layer::Queue => "Очередь",
        Layer::Detail => "Карточка",
        Layer::Editor => "Редактор ответа",
        Layer::Confirm => "Подтверждение",
        Layer::Search => "Строка поиска и фильтра",
        Layer::Screen => "Экраны: синхронизация, журнал, аналитика, настройки",
        Layer::Picker => "Выбор шаблона",
        Layer::Help => "Справка",
        Layer::Override => "Отправка вопреки блокировке",
    }
}

fn action(a: &Action) -> &'static str {
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
        Action::CycleAccount => "кабинет: все / по очереди",
        Action::CycleMarketplace => "площадка: все / WB / Ozon",
        Action::CycleAnswered => "без ответа / с ответом / все",
        Action::CycleSort => "порядок: срок / приоритет / новые",
        Action::Filter => "фильтр запросом",
        Action::ClearFilters => "сбросить фильтры",
        Action::Search => "поиск по всей истории",
        Action::SearchNext => "следующий найденный",
        Action::SearchPrev => "предыдущий найденный",
        Action::FocusDetail => "к карточке",
        Action::FocusQueue => "к очереди",
        Action::Reply => "ответить",
        Action::Send => "отправить",
        Action::Regenerate => "другой черновик",
        Action::Undo => "отменить правку",
        Action::Redo => "вернуть правку",
        Action::ExternalEditor => "править во внешнем редакторе",
        Action::InsertTemplate => "вставить шаблон",
        Action::Confirm => "подтвердить",
        Action::Cancel => "отмена",
        Action::SyncNow => "синхронизировать",
        Action::Refresh => "перечитать",
        Action::ScreenInbox => "входящие",
        Action::ScreenSyncHealth => "состояние синхронизации",
        Action::ScreenAuditLog => "журнал действий",
        Action::Help => "справка",
        Action::Quit => "выход",
        Action::ScreenAnalytics => "аналитика",
        Action::ScreenSettings => "настройки",
        Action::CyclePeriod => "период: 7 / 30 / 90 дней",
        Action::ResetSetting => "сбросить поле (к общему значению или по умолчанию); во вкладке «Выучено» — забыть запись",
        Action::UndoAutoReply => "отменить автоответ",
        Action::StopAutoReplies => "выключить все автоответы",
        Action::GoLive => "автоответы кабинета вживую (с подтверждением)",
        Action::EditAnswer => "изменить отправленный ответ (отзыв WB, один раз)",
        Action::CorrectIntent => "исправить намерение обращения",
        Action::ExperimentStart => "начать эксперимент с выбранными версиями",
        Action::ExperimentPause => "приостановить или продолжить эксперимент",
        Action::ExperimentStop => "остановить эксперимент (с подтверждением)",
        Action::Claim => "команда: взять в работу (или следующий)",
        Action::Release => "команда: вернуть в очередь",
        Action::Assign => "команда: передать сотруднику",
        Action::MyItems => "команда: только мои",
        Action::CustomerHistory => "вся история покупателя",
        _ => "",
    }
}

fn analytics_period(days: u32) -> String {
    match days {
        1 => "сегодня".into(),
        n => format!("за {n} дн."),
    }
}

fn analytics_auto(sent: u64, all: u64, share: &str) -> String {
    format!("Автоответы: {sent} из {all} отправленных ({share}), в принятии черновиков не учтены")
}

fn analytics_version_row(
    version: &str,
    replies: u64,
    acceptance: &str,
    edit: &str,
    harmful: &str,
    open_to_send: &str,
) -> String {
    format!(
        "  {version}: ответов {replies} · принято {acceptance} · правка {edit} · вредных {harmful} · до отправки {open_to_send}"
    )
}

fn analytics_version_verdict(v: &crate::experiments::Verdict) -> String {
    use crate::experiments::Verdict;
    match v {
        Verdict::NothingToCompare => "  Сравнивать пока нечего: ответы есть меньше чем у двух версий.".into(),
        Verdict::NotEnoughData { needed, smallest } => format!(
            "  Данных пока мало, победителя назвать нельзя: каждой версии нужно {needed} ответов, у самой малой {smallest}."
        ),
        Verdict::NoClearWinner { leader, p_value } => format!(
            "  Явного победителя нет: впереди {leader}, но разница не значима (p = {p_value:.2})."
        ),
        Verdict::Winner { version, p_value } => {
            format!("  Победитель: {version} — черновики принимают чаще, чем у каждой другой версии (p = {p_value:.3}).")
        }
    }
}

fn metric_name(k: crate::analytics::MetricKind) -> &'static str {
    use crate::analytics::MetricKind;
    match k {
        MetricKind::QuestionsSla => "Вопросы в срок (SLA)",
        MetricKind::Reviews24h => "Отзывы с ответом за 24 ч",
        MetricKind::DraftAcceptance => "Черновики без правок",
        MetricKind::HarmfulRate => "Ответы с нарушениями",
        MetricKind::SyncSuccess => "Успешные синхронизации",
    }
}

fn setting_source(s: crate::tui::settings_form::Source) -> &'static str {
    use crate::tui::settings_form::Source;
    match s {
        Source::Default => "по умолчанию",
        Source::Global => "общее",
        Source::Account => "кабинета",
    }
}

fn learnt_kind(kind: &str) -> &'static str {
    match kind {
        "avoid" => "удаляет",
        "opening" => "начало",
        "closing" => "подпись",
        "body" => "добавляет",
        "length" => "длина",
        _ => "другое",
    }
}

fn learnt_seen(seen: i64, in_use: bool) -> String {
    if in_use {
        format!("{seen}× используется")
    } else {
        format!("{seen}× копится")
    }
}

fn settings_section(key: &str) -> &'static str {
    match key {
        "sla" => "Сроки SLA",
        "priority" => "Приоритет",
        "working_hours" => "Рабочие часы",
        "notifications" => "Уведомления",
        "auto_response" => "Автоответы",
        "guardrails" => "Запретные фразы",
        "revenue" => "Оценка выручки",
        "linking" => "Связь покупателей",
        "learning" => "Обучение черновиков",
        "learnt" => "Выучено",
        "experiment" => "Эксперимент",
        "templates" => "Шаблоны",
        _ => "Прочее",
    }
}

fn revenue_at_risk(amount: &str) -> String {
    format!("Выручка под риском ≈ {amount}")
}

fn revenue_protected(amount: &str) -> String {
    format!("Выручка защищена ≈ {amount}")
}

fn revenue_pending(amount: &str, by: &str) -> String {
    format!("Ответ до {by} защитит ≈ {amount}")
}

fn analytics_complaints(n: u32) -> String {
    let word = match (n % 10, n % 100) {
        (_, 11..=14) => "жалоб",
        (1, _) => "жалоба",
        (2..=4, _) => "жалобы",
        _ => "жалоб",
    };
    format!("{n} {word}")
}
fn override_hint(word: &str, key: &str) -> String {
    format!("Наберите {word} и нажмите {key}, чтобы отправить")
}

fn confirm_warnings(n: usize) -> String {
    let word = match (n % 10, n % 100) {
        (1, h) if h != 11 => "замечание",
        (2..=4, h) if !(12..=14).contains(&h) => "замечания",
        _ => "замечаний",
    };
    format!("{n} {word}")
}

fn auto_reply_in(secs: i64) -> String {
    format!("авто через {secs} с")
}

fn draft_reason(reason: &str) -> &str {
    reason
}

fn draft_source(source: crate::ai::DraftSource) -> &'static str {
    use crate::ai::DraftSource::*;
    match source {
        Template => "шаблон",
        Reuse => "ваш прошлый ответ",
        Llm => "LLM",
        Manual => "вручную",
    }
}

fn customer_items(items: usize, open: usize) -> String {
    let word = match (items % 10, items % 100) {
        (1, r) if r != 11 => "обращение",
        (2..=4, r) if !(12..=14).contains(&r) => "обращения",
        _ => "обращений",
    };
    if open > 0 {
        format!("{items} {word}, без ответа {open}")
    } else {
        format!("{items} {word}")
    }
}

fn customer_history_key(key: &str) -> String {
    format!("{key} — вся история")
}

fn experiment_line(name: &str, state: &str, since: &str) -> String {
    format!("Эксперимент «{name}»: {state}, с {since}")
}

fn experiment_state(state: crate::experiments::State) -> &'static str {
    match state {
        crate::experiments::State::Running => "идёт",
        crate::experiments::State::Paused => "на паузе",
        crate::experiments::State::Stopped => "остановлен",
    }
}

fn experiment_catalog_error(e: &str) -> String {
    format!("Ваши версии в папке настроек не читаются (показаны встроенные): {e}")
}
