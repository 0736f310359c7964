//! The part of a draft that answers this customer rather than any customer: the value the
//! card gives for a product question (or an honest "the card does not say"), and the
//! problem a complaint describes, named in the customer's words with the next step that
//! fits it. [`super::drafts`] puts these in place of the generic template body and adds
//! the reasons to the draft's confidence.

use super::card_facts::{self, CardAnswer};
use super::classify::Classification;
use super::complaint;
use super::drafts::{short_product_name, DraftContext};
use super::intent::Intent;
use crate::domain::{Channel, Marketplace};

/// Reasons a draft's confidence is what it is, as the editor and the queue show them.
pub mod reason {
    pub const FROM_CARD: &str = "ответ из карточки";
    pub const NOT_IN_CARD: &str = "нет данных в карточке";
    pub const NO_CARD: &str = "нет карточки товара";
    pub const NOT_RECOGNISED: &str = "вопрос не сопоставлен с карточкой";
    pub const PROBLEM_NAMED: &str = "проблема названа";
    pub const PROBLEM_UNCLEAR: &str = "проблема не распознана";
    pub const RARE_INTENT: &str = "редкий интент";
    pub const UNSURE_INTENT: &str = "интент неуверенный";
    pub const ESCALATION: &str = "эскалация";
    pub const GUARDRAIL_WARNING: &str = "предупреждение проверки";
    pub const REUSED: &str = "одобренный ответ продавца";
    pub const LLM: &str = "черновик LLM";
    /// Followed by the entry's title: "база знаний: «Уход за пледом»".
    pub const KNOWLEDGE: &str = "база знаний";
    pub const NO_TEMPLATE_FITS: &str = "ни один шаблон не прошёл проверку";
}

/// What [`specific`] found for an item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Specific {
    /// The characteristic for `{spec}`: "вес — 300 г".
    pub spec: Option<String>,
    /// Ready bodies that replace the template's (no placeholders left).
    pub bodies: Vec<String>,
    /// Ready bodies quoting `spec`, for intents whose templates have no `with_spec`.
    pub spec_bodies: Vec<String>,
    pub reasons: Vec<&'static str>,
    /// Added to the draft's base confidence.
    pub confidence_shift: f32,
}

/// Intents whose answer may be on the card.
pub fn is_card_intent(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::ProductSpec
            | Intent::SizingFit
            | Intent::Compatibility
            | Intent::UsageHowto
            | Intent::Availability
    )
}

/// Items whose draft should name what went wrong when the text describes it: not thanks,
/// not 4–5★ reviews, not a product question on a public channel.
fn is_problem_item(ctx: &DraftContext<'_>, intent: Intent) -> bool {
    if intent == Intent::Thanks || ctx.interaction.rating.is_some_and(|r| r.stars() >= 4) {
        return false;
    }
    intent.is_complaint()
        || ctx.channel() != Channel::Question
        || !(intent.is_pre_purchase() || intent == Intent::UsageHowto)
}

/// The card answer and the named problem for this item.
///
/// `asked_for_return`: the customer asked to return the product, so the draft carries
/// the marketplace's return instructions and no separate "get it checked" step.
pub fn specific(
    ctx: &DraftContext<'_>,
    cls: &Classification,
    customer_text: &str,
    asked_for_return: bool,
) -> Specific {
    let mut out = Specific::default();
    let product = ctx.product_name().map(|n| short_product_name(&n));
    if cls.intent == Intent::Other {
        out.reasons.push(reason::RARE_INTENT);
    } else if cls.intent_confidence < 0.5 {
        out.reasons.push(reason::UNSURE_INTENT);
    }
    if !cls.escalations.is_empty() {
        // Cautious escalation wordings stay as they are.
        out.reasons.push(reason::ESCALATION);
        return out;
    }
    // A question the classifier calls pre-purchase or other may still ask for a value
    // the card holds ("из чего сделан?"): it is answered when the card has it or a
    // topic is recognised, and costs no confidence when nothing is.
    let may_ask = matches!(cls.intent, Intent::PrePurchase | Intent::Other);
    if (is_card_intent(cls.intent) || may_ask) && ctx.channel() != Channel::Review {
        answer_from_card(&mut out, ctx, cls.intent, customer_text, product.as_deref());
    }
    if is_problem_item(ctx, cls.intent) {
        let problems = complaint::problems(customer_text);
        match complaint::phrase(&problems) {
            Some(phrase) => {
                let next = next_steps(ctx, cls.intent, asked_for_return);
                name_the_problem(&mut out, &phrase, product.as_deref(), &next);
            }
            None if cls.intent.is_complaint() => {
                out.reasons.push(reason::PROBLEM_UNCLEAR);
                out.confidence_shift -= 0.05;
            }
            None => {}
        }
    }
    out
}

/// What the card says to the question: the value quoted, a parameter it lacks, or
/// nothing recognised (a doubt only for an intent whose answer should be on the card).
fn answer_from_card(
    out: &mut Specific,
    ctx: &DraftContext<'_>,
    intent: Intent,
    customer_text: &str,
    product: Option<&str>,
) {
    let card_intent = is_card_intent(intent);
    match ctx.product {
        None if card_intent => {
            out.reasons.push(reason::NO_CARD);
            out.confidence_shift -= 0.1;
        }
        None => {}
        Some(card) => match card_facts::answer(card, customer_text, intent) {
            CardAnswer::Found(spec) => {
                out.spec_bodies = from_card(&spec, product);
                out.spec = Some(spec);
                out.reasons.push(reason::FROM_CARD);
                out.confidence_shift += 0.1;
            }
            CardAnswer::Missing(label) => {
                let known = card_facts::known_facts(card, 3);
                out.bodies = not_in_card(&label, product, &known);
                out.reasons.push(reason::NOT_IN_CARD);
                out.confidence_shift -= 0.1;
            }
            CardAnswer::Unknown if card_intent => {
                out.reasons.push(reason::NOT_RECOGNISED);
                out.confidence_shift -= 0.1;
            }
            CardAnswer::Unknown => {}
        },
    }
}

/// What went wrong comes before any card fact ("зарядка греется"): bodies that name the
/// problem and say what happens next.
fn name_the_problem(out: &mut Specific, phrase: &str, product: Option<&str>, next: &[String]) {
    out.spec = None;
    out.spec_bodies.clear();
    out.reasons.retain(|r| {
        ![
            reason::FROM_CARD,
            reason::NOT_IN_CARD,
            reason::NOT_RECOGNISED,
        ]
        .contains(r)
    });
    out.bodies = acknowledgements(phrase, product)
        .into_iter()
        .enumerate()
        .map(|(i, ack)| format!("{ack} {}", next[i % next.len()]))
        .collect();
    out.reasons.push(reason::PROBLEM_NAMED);
    out.confidence_shift += 0.05;
}

/// Answers quoting the card, for intents whose templates have no `with_spec`.
fn from_card(spec: &str, product: Option<&str>) -> Vec<String> {
    let of = product
        .map(|p| format!("товара {p}"))
        .unwrap_or_else(|| "товара".to_string());
    vec![
        format!("В карточке {of} указано: {spec}."),
        format!("Спасибо за вопрос! По характеристикам {of}: {spec}."),
        format!("Отвечаем по карточке {of}: {spec}. Если остались вопросы, спрашивайте."),
    ]
}

/// Honest answers when the card does not hold what was asked, offering what it does say.
fn not_in_card(label: &str, product: Option<&str>, known: &[String]) -> Vec<String> {
    let of = product
        .map(|p| format!("товара {p}"))
        .unwrap_or_else(|| "товара".to_string());
    let known = if known.is_empty() {
        String::new()
    } else {
        format!(
            " Из характеристик в карточке указано: {}.",
            known.join("; ")
        )
    };
    vec![
        format!("Спасибо за вопрос! В карточке {of} параметр «{label}» не указан, поэтому не будем гадать: уточним его у производителя и дополним ответ.{known}"),
        format!("В карточке {of} нет данных о параметре «{label}».{known} Недостающее уточним у производителя и дополним ответ."),
        format!("Честно скажем: параметр «{label}» в карточке {of} не указан.{known} Если он важен для выбора, уточним у производителя и дополним ответ."),
    ]
}

/// "Нам очень жаль, что ремешок порвался." and its variants, naming the product when
/// it is known.
fn acknowledgements(phrase: &str, product: Option<&str>) -> Vec<String> {
    match product {
        Some(p) => vec![
            format!("Нам очень жаль, что с товаром {p} так вышло: {phrase}."),
            format!("Понимаем, как это неприятно: {phrase}. Спасибо, что подробно рассказали о товаре {p}."),
            format!("Спасибо, что подробно описали проблему с товаром {p}: {phrase}. Нам очень жаль."),
            format!("Сожалеем, что с товаром {p} так получилось: {phrase}."),
        ],
        None => vec![
            format!("Нам очень жаль, что {phrase}."),
            format!("Понимаем, как это неприятно: {phrase}."),
            format!("Спасибо, что подробно описали проблему: {phrase}. Нам очень жаль."),
            format!("Сожалеем, что {phrase}, и спасибо, что рассказали об этом."),
        ],
    }
}

/// What the customer can do next, by what went wrong. Nothing here promises what only
/// the marketplace decides: checks and returns go through the marketplace's own forms.
fn next_steps(ctx: &DraftContext<'_>, intent: Intent, asked_for_return: bool) -> Vec<String> {
    let (market, orders, deliveries) = match ctx.marketplace() {
        Marketplace::Wb => ("Wildberries", "«Покупки»", "«Доставки»"),
        Marketplace::Ozon => ("Ozon", "«Мои заказы»", "«Мои заказы»"),
    };
    let chat = ctx.channel() == Channel::Chat;
    match intent {
        Intent::DeliveryDelay | Intent::DeliveryStatus => vec![
            format!("Доставкой занимается {market}: где сейчас заказ, видно в личном кабинете, в разделе {deliveries}."),
            format!("Актуальный статус заказа всегда виден в личном кабинете {market}, в разделе {deliveries}."),
        ],
        Intent::WrongItem => vec![
            format!("Сфотографируйте, пожалуйста, товар и этикетку с артикулом: заявку по заказу можно создать в личном кабинете {market}, в разделе {orders}, и приложить эти фото."),
            format!("Заявку по такому заказу можно создать в личном кабинете {market}, в разделе {orders}: приложите фото товара и этикетки, так разберутся быстрее."),
        ],
        Intent::SizingFit => {
            let advice = ctx
                .product
                .and_then(|card| {
                    let facts = card_facts::facts(card);
                    card_facts::topics()
                        .iter()
                        .find(|t| t.label == "размер")
                        .and_then(|t| card_facts::fact_for(t, &facts).map(|f| f.quote()))
                })
                .map(|size| format!("По карточке: {size}; если напишете ваши мерки, подскажем, какой размер выбрать."))
                .unwrap_or_else(|| "Напишите, пожалуйста, ваши мерки: подскажем, какой размер выбрать.".to_string());
            vec![
                advice,
                "Ориентируйтесь на таблицу размеров в карточке, а если сомневаетесь, напишите мерки, подскажем.".to_string(),
            ]
        }
        _ => {
            let check = if asked_for_return {
                String::new()
            } else {
                format!(" Если нужна проверка товара, заявку можно создать в личном кабинете {market}, в разделе {orders}.")
            };
            if chat {
                vec![
                    format!("Пришлите, пожалуйста, фото или короткое видео: посмотрим, в чём дело.{check}"),
                    format!("Опишите, пожалуйста, когда это началось, и пришлите фото или видео.{check}"),
                ]
            } else {
                vec![
                    format!("Мы передали описание в отдел качества.{check}"),
                    format!("Описание уже у отдела качества.{check}"),
                    format!("Мы разберём этот случай с производителем.{check}"),
                ]
            }
        }
    }
}
