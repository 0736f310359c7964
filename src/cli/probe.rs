//! One cheap read request per API host of an account, for `init`, `accounts test` and
//! `doctor`: enough to know the host answers and accepts the credentials, far inside the
//! published rate limits.

use std::time::Duration;

use crate::connectors::{AccountConfig, Credentials};

/// How one host answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ok,
    /// 401/403: the credentials were refused.
    Refused(u16),
    /// Any other status.
    Status(u16),
    /// No answer at all (refused connection, DNS, timeout).
    Unreachable(String),
}

#[derive(Debug, Clone)]
pub struct HostCheck {
    /// `feedbacks`, `chat`, `seller`.
    pub host: &'static str,
    pub base_url: String,
    pub answer: Answer,
}

impl HostCheck {
    pub fn ok(&self) -> bool {
        self.answer == Answer::Ok
    }

    /// What went wrong and what to do, for one line.
    pub fn problem(&self, marketplace: crate::domain::Marketplace) -> Option<String> {
        use crate::domain::Marketplace;
        let what = match (&self.answer, marketplace) {
            (Answer::Ok, _) => return None,
            (Answer::Refused(status), Marketplace::Wb) => format!(
                "token refused (HTTP {status}): create a token with the categories \
                 \"Вопросы и отзывы\" and \"Чат с покупателями\" in the seller portal \
                 (Settings → API access) and put it in the token variable"
            ),
            (Answer::Refused(status), Marketplace::Ozon) => format!(
                "Client-Id/Api-Key refused (HTTP {status}): check client_id and create an \
                 API key in the Ozon seller portal (Settings → Seller API)"
            ),
            (Answer::Status(status), _) => format!("answered HTTP {status}"),
            (Answer::Unreachable(why), _) => {
                format!(
                    "no answer ({why}): check the network or base_urls.{}",
                    self.host
                )
            }
        };
        Some(format!("{} {}: {what}", self.host, self.base_url))
    }
}

/// The hosts of `account` with their base URLs (production unless configured).
pub fn hosts(account: &AccountConfig) -> Vec<(&'static str, String)> {
    let url = |host: &str, production: &str| {
        account
            .base_urls
            .get(host)
            .cloned()
            .unwrap_or_else(|| production.to_string())
            .trim_end_matches('/')
            .to_string()
    };
    match account.credentials {
        Credentials::Wb { .. } => vec![
            (
                "feedbacks",
                url("feedbacks", "https://feedbacks-api.wildberries.ru"),
            ),
            ("chat", url("chat", "https://buyer-chat-api.wildberries.ru")),
        ],
        Credentials::Ozon { .. } => vec![("seller", url("seller", "https://api-seller.ozon.ru"))],
    }
}

/// One read per host of `account`, each within `timeout`.
pub async fn probe(account: &AccountConfig, timeout: Duration) -> Vec<HostCheck> {
    let client = match reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("agentiq/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return hosts(account)
                .into_iter()
                .map(|(host, base_url)| HostCheck {
                    host,
                    base_url,
                    answer: Answer::Unreachable(e.to_string()),
                })
                .collect()
        }
    };
    let mut out = Vec::new();
    for (host, base_url) in hosts(account) {
        let request = match (&account.credentials, host) {
            (Credentials::Wb { token }, "feedbacks") => client
                .get(format!("{base_url}/api/v1/questions"))
                .query(&[("isAnswered", "false"), ("take", "1"), ("skip", "0")])
                .header("Authorization", token),
            (Credentials::Wb { token }, _) => client
                .get(format!("{base_url}/api/v1/seller/chats"))
                .header("Authorization", token),
            (Credentials::Ozon { client_id, api_key }, _) => client
                .post(format!("{base_url}/v3/chat/list"))
                .header("Client-Id", client_id)
                .header("Api-Key", api_key)
                .json(&serde_json::json!({
                    "filter": { "chat_status": "All", "unread_only": false },
                    "limit": 1
                })),
        };
        let answer = match request.send().await {
            Ok(resp) => match resp.status().as_u16() {
                200..=299 => Answer::Ok,
                s @ (401 | 403) => Answer::Refused(s),
                s => Answer::Status(s),
            },
            Err(e) => Answer::Unreachable(if e.is_timeout() {
                format!("no answer within {}s", timeout.as_secs())
            } else if e.is_connect() {
                "connection refused or no route".into()
            } else {
                e.to_string()
            }),
        };
        out.push(HostCheck {
            host,
            base_url,
            answer,
        });
    }
    out
}
