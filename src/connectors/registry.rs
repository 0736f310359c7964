//! The registry: which connectors an account gets. A new marketplace API is one module
//! plus one arm here.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use anyhow::{bail, Result};
use serde::Deserialize;

use super::http::{shared_limiter, HttpClient, RetryPolicy};
use super::{ozon, wb, Connector};
use crate::domain::Marketplace;

/// Secrets for one account. `Debug` never prints them.
#[derive(Clone, Deserialize)]
#[serde(untagged)]
pub enum Credentials {
    Wb { token: String },
    Ozon { client_id: String, api_key: String },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Wb { .. } => f.write_str("Credentials::Wb { token: <redacted> }"),
            Credentials::Ozon { client_id, .. } => write!(
                f,
                "Credentials::Ozon {{ client_id: {client_id}, api_key: <redacted> }}"
            ),
        }
    }
}

/// The connectors an account can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    WbFeedbacks,
    WbQuestions,
    WbChats,
    OzonReviews,
    OzonQuestions,
    OzonChats,
}

impl ConnectorKind {
    pub fn for_marketplace(marketplace: Marketplace) -> &'static [ConnectorKind] {
        match marketplace {
            Marketplace::Wb => &[
                ConnectorKind::WbFeedbacks,
                ConnectorKind::WbQuestions,
                ConnectorKind::WbChats,
            ],
            Marketplace::Ozon => &[
                ConnectorKind::OzonReviews,
                ConnectorKind::OzonQuestions,
                ConnectorKind::OzonChats,
            ],
        }
    }
}

/// One account as the connectors need it.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    pub name: String,
    pub marketplace: Marketplace,
    pub credentials: Credentials,
    /// Base URL per API host (`feedbacks`, `chat`, `seller`); a missing one means the
    /// marketplace's production host.
    pub base_urls: BTreeMap<String, String>,
    pub retry: RetryPolicy,
}

impl AccountConfig {
    fn base_url(&self, host: &str, production: &str) -> String {
        self.base_urls
            .get(host)
            .cloned()
            .unwrap_or_else(|| production.to_string())
    }
}

/// Builds every connector of one account, sharing a rate limiter between connectors that
/// draw on the same published limit.
pub fn build_connectors(account: &AccountConfig) -> Result<Vec<Arc<dyn Connector>>> {
    let mut out: Vec<Arc<dyn Connector>> = Vec::new();
    match (&account.marketplace, &account.credentials) {
        (Marketplace::Wb, Credentials::Wb { token }) => {
            let base = account.base_url("feedbacks", "https://feedbacks-api.wildberries.ru");
            let feedbacks_limit = shared_limiter(
                "wb-feedbacks",
                &format!("{base} {token}"),
                wb::FEEDBACKS_PERIOD,
                wb::FEEDBACKS_BURST,
            );
            let http = HttpClient::new("wb", feedbacks_limit, account.retry);
            // Buyer chats are another host with a limit of their own.
            let chat_base = account.base_url("chat", "https://buyer-chat-api.wildberries.ru");
            let chats_http = HttpClient::new(
                "wb",
                shared_limiter(
                    "wb-chats",
                    &format!("{chat_base} {token}"),
                    wb::CHATS_PERIOD,
                    wb::CHATS_BURST,
                ),
                account.retry,
            );
            for kind in ConnectorKind::for_marketplace(Marketplace::Wb) {
                match kind {
                    ConnectorKind::WbFeedbacks => {
                        out.push(Arc::new(wb::WbFeedbacks::new(http.clone(), &base, token)))
                    }
                    // Questions draw on the same limit as feedbacks: the same client.
                    ConnectorKind::WbQuestions => {
                        out.push(Arc::new(wb::WbQuestions::new(http.clone(), &base, token)))
                    }
                    ConnectorKind::WbChats => out.push(Arc::new(wb::WbChats::new(
                        chats_http.clone(),
                        &chat_base,
                        token,
                    ))),
                    // Other marketplaces' kinds never come from for_marketplace(Wb).
                    _ => {}
                }
            }
        }
        (Marketplace::Ozon, Credentials::Ozon { client_id, api_key }) => {
            // One limit covers every Ozon method of a Client-Id: one limiter for all three.
            let base = account.base_url(ozon::HOST_KEY, ozon::PRODUCTION_URL);
            let limit = ozon::shared_limiter(&base, client_id);
            let api = ozon::OzonApi::new(&base, client_id, api_key, limit, account.retry);
            for kind in ConnectorKind::for_marketplace(Marketplace::Ozon) {
                match kind {
                    ConnectorKind::OzonReviews => {
                        out.push(Arc::new(ozon::OzonReviews::new(api.clone())))
                    }
                    ConnectorKind::OzonQuestions => {
                        out.push(Arc::new(ozon::OzonQuestions::new(api.clone())))
                    }
                    ConnectorKind::OzonChats => {
                        out.push(Arc::new(ozon::OzonChats::new(api.clone())))
                    }
                    // Other marketplaces' kinds never come from for_marketplace(Ozon).
                    _ => {}
                }
            }
        }
        (marketplace, _) => bail!(
            "account '{}': credentials do not fit marketplace {marketplace}",
            account.name
        ),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::Wb {
            token: "SECRET-TOKEN-123".into(),
        };
        assert!(!format!("{c:?}").contains("SECRET"));
        let o = Credentials::Ozon {
            client_id: "42".into(),
            api_key: "SECRET-KEY".into(),
        };
        assert!(!format!("{o:?}").contains("SECRET"));
    }

    #[test]
    fn mismatched_credentials_are_an_error() {
        let account = AccountConfig {
            name: "shop".into(),
            marketplace: Marketplace::Wb,
            credentials: Credentials::Ozon {
                client_id: "1".into(),
                api_key: "k".into(),
            },
            base_urls: BTreeMap::new(),
            retry: RetryPolicy::default(),
        };
        let err = build_connectors(&account).err().unwrap().to_string();
        assert!(err.contains("shop"), "{err}");
    }

    #[test]
    fn a_wb_account_gets_feedbacks_questions_and_chats() {
        let account = AccountConfig {
            name: "shop".into(),
            marketplace: Marketplace::Wb,
            credentials: Credentials::Wb { token: "t".into() },
            base_urls: BTreeMap::from([
                ("feedbacks".to_string(), "http://127.0.0.1:1".to_string()),
                ("chat".to_string(), "http://127.0.0.1:2".to_string()),
            ]),
            retry: RetryPolicy::default(),
        };
        let connectors = build_connectors(&account).unwrap();
        let ids: Vec<_> = connectors.iter().map(|c| (c.id(), c.channel())).collect();
        use crate::domain::Channel;
        assert_eq!(
            ids,
            [
                ("wb_feedbacks", Channel::Review),
                ("wb_questions", Channel::Question),
                ("wb_chats", Channel::Chat),
            ]
        );
    }
}
