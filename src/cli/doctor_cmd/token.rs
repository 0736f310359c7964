//! The WB token, read locally: expiry, categories, read-only.

use chrono::{DateTime, Utc};

use super::{Line, EXPIRY_WARNING_DAYS};
use crate::config::wb_token;
use crate::tui::Lang;

/// What the WB token's payload says, read locally: expiry, categories, read-only.
pub fn token_lines(name: &str, token: &str, now: chrono::DateTime<Utc>) -> Vec<Line> {
    token_lines_in(name, token, now, Lang::En)
}

/// [`token_lines`] in `l`.
pub fn token_lines_in(name: &str, token: &str, now: DateTime<Utc>, l: Lang) -> Vec<Line> {
    let check = tr!(l, format!("{name}: WB token"), format!("{name}: токен WB"));
    let new_token = tr!(
        l,
        "create a token in the seller portal (Settings → API access) with \
         \"Вопросы и отзывы\", \"Чат с покупателями\" and \"Контент\", not read-only",
        "создайте токен в кабинете продавца (Настройки → Доступ к API) с разделами \
         «Вопросы и отзывы», «Чат с покупателями» и «Контент», не только на чтение"
    );
    let new_token = new_token.as_str();
    let info = match wb_token::decode(token) {
        Ok(info) => info,
        Err(e) => return vec![Line::fail(check, e.to_string(), new_token).of_config()],
    };
    let mut out = vec![expiry_line(check, &info, now, new_token, l)];
    out.extend(category_lines(name, &info, new_token, l));
    out.push(access_line(name, &info, new_token, l));
    out
}

/// When the token expires: expired is a failure, soon or never a warning.
fn expiry_line(
    check: String,
    info: &wb_token::TokenInfo,
    now: DateTime<Utc>,
    new_token: &str,
    l: Lang,
) -> Line {
    match info.expires {
        Some(at) if at <= now => Line::fail(
            check,
            tr!(
                l,
                format!("expired on {}", at.format("%Y-%m-%d")),
                format!("истёк {}", at.format("%Y-%m-%d"))
            ),
            new_token,
        )
        .of_config(),
        Some(at) if at - now < chrono::Duration::days(EXPIRY_WARNING_DAYS) => Line::warn(
            check,
            expires(l, at, now),
            tr!(
                l,
                "create a new token before then",
                "создайте новый токен до этого дня"
            ),
        ),
        Some(at) => Line::ok(check, expires(l, at, now)),
        None => Line::warn(
            check,
            tr!(l, "no expiry in the token", "в токене нет срока действия"),
            new_token,
        ),
    }
}

/// The categories replies need (a failure without them) and the one drafts use (advice).
fn category_lines(name: &str, info: &wb_token::TokenInfo, new_token: &str, l: Lang) -> Vec<Line> {
    let mut out = Vec::new();
    let missing: Vec<&str> = [
        wb_token::Category::FeedbacksQuestions,
        wb_token::Category::BuyerChat,
    ]
    .into_iter()
    .filter(|c| !info.grants(*c))
    .map(|c| c.portal_name())
    .collect();
    let categories = tr!(
        l,
        format!("{name}: token categories"),
        format!("{name}: разделы токена")
    );
    if missing.is_empty() {
        out.push(Line::ok(
            categories.clone(),
            tr!(
                l,
                "\"Вопросы и отзывы\" and \"Чат с покупателями\" granted",
                "«Вопросы и отзывы» и «Чат с покупателями» разрешены"
            ),
        ));
    } else {
        out.push(
            Line::fail(
                categories.clone(),
                tr!(
                    l,
                    format!("lacks {}", quoted(&missing)),
                    format!(
                        "нет раздела {}",
                        quoted(&missing).replace("\" and \"", "\" и \"")
                    )
                ),
                new_token,
            )
            .of_config(),
        );
    }
    if !info.grants(wb_token::Category::Content) {
        out.push(Line::warn(
            categories,
            tr!(
                l,
                "lacks \"Контент\": drafts go without your product cards",
                "нет раздела «Контент»: черновики пишутся без карточек товаров"
            ),
            tr!(
                l,
                "add \"Контент\" when you next create the token",
                "добавьте «Контент», когда будете создавать токен"
            ),
        ));
    }
    out
}

/// Whether the token may write: read-only cannot send replies.
fn access_line(name: &str, info: &wb_token::TokenInfo, new_token: &str, l: Lang) -> Line {
    let access = tr!(
        l,
        format!("{name}: token access"),
        format!("{name}: доступ токена")
    );
    if info.read_only() {
        Line::fail(
            access,
            tr!(
                l,
                "read-only: replies cannot be sent",
                "только чтение: ответы не отправить"
            ),
            new_token,
        )
        .of_config()
    } else {
        Line::ok(access, tr!(l, "read and write", "чтение и запись"))
    }
}

fn expires(l: Lang, at: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> String {
    let (date, days) = (at.format("%Y-%m-%d"), (at - now).num_days());
    tr!(
        l,
        format!("expires on {date} ({days} days)"),
        format!("действует до {date} (дней: {days})")
    )
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
mod tests {
    use super::super::Mark;
    use super::*;

    #[test]
    fn token_lines_name_what_is_wrong() {
        let now = Utc::now();
        let good = wb_token::mint_inbox_token(now);
        let lines = token_lines("Дом", &good, now);
        assert!(lines.iter().all(|l| l.status == Mark::Ok), "{lines:?}");
        let expired = wb_token::mint(
            &[
                wb_token::Category::FeedbacksQuestions,
                wb_token::Category::BuyerChat,
            ],
            false,
            now - chrono::Duration::days(3),
        );
        let text: Vec<String> = token_lines("Дом", &expired, now)
            .iter()
            .map(Line::text)
            .collect();
        assert!(
            text.iter()
                .any(|l| l.starts_with("✗ Дом: WB token: expired")),
            "{text:?}"
        );
        let no_chat = wb_token::mint(
            &[wb_token::Category::FeedbacksQuestions],
            true,
            now + chrono::Duration::days(100),
        );
        let text: Vec<String> = token_lines("Дом", &no_chat, now)
            .iter()
            .map(Line::text)
            .collect();
        assert!(
            text.iter()
                .any(|l| l.starts_with("✗ Дом: token categories: lacks \"Чат с покупателями\"")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|l| l.starts_with("✗ Дом: token access: read-only")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|l| l.starts_with("⚠") && l.contains("Контент")),
            "{text:?}"
        );
        let not_jwt = token_lines("Дом", "plain-string", now);
        assert_eq!(not_jwt[0].status, Mark::Fail);
    }
}
