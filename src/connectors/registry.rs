//! The registry: which connectors an account gets. A new marketplace API is one module
//! plus one arm here.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use anyhow::{bail, Result};
use serde::Deserialize;

use super::http::{limiter, HttpClient, RetryPolicy};
use super::{wb, Connector};
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
}

impl ConnectorKind {
    pub fn for_marketplace(marketplace: Marketplace) -> &'static [ConnectorKind] {
        match marketplace {
            Marketplace::Wb => &[ConnectorKind::WbFeedbacks],
            Marketplace::Ozon => &[],
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
            let feedbacks_limit = limiter(wb::FEEDBACKS_PERIOD, wb::FEEDBACKS_BURST);
            let http = HttpClient::new("wb", feedbacks_limit, account.retry);
            let base = account.base_url("feedbacks", "https://feedbacks-api.wildberries.ru");
            for kind in ConnectorKind::for_marketplace(Marketplace::Wb) {
                match kind {
                    ConnectorKind::WbFeedbacks => {
                        out.push(Arc::new(wb::WbFeedbacks::new(http.clone(), &base, token)))
                    }
                }
            }
        }
        (Marketplace::Ozon, Credentials::Ozon { .. }) => {}
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
}
