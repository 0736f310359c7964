use std::time::Duration;

use thiserror::Error;

/// Why a marketplace call failed. Every variant names the marketplace and endpoint; none
/// carries a credential.
#[derive(Debug, Error)]
pub enum ConnectorError {
    #[error("{marketplace} {endpoint}: unauthorized (HTTP {status}); check the account's token")]
    Unauthorized {
        marketplace: &'static str,
        endpoint: String,
        status: u16,
    },
    #[error("{marketplace} {endpoint}: rate limited; retry in {retry_after:?}")]
    RateLimited {
        marketplace: &'static str,
        endpoint: String,
        retry_after: Duration,
    },
    #[error("{marketplace} {endpoint}: rejected (HTTP {status}): {message}")]
    Rejected {
        marketplace: &'static str,
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("{marketplace} {endpoint}: server error (HTTP {status})")]
    Server {
        marketplace: &'static str,
        endpoint: String,
        status: u16,
    },
    #[error("{marketplace} {endpoint}: network: {message}")]
    Network {
        marketplace: &'static str,
        endpoint: String,
        message: String,
    },
    #[error("{marketplace} {endpoint}: unreadable response: {message}")]
    Malformed {
        marketplace: &'static str,
        endpoint: String,
        message: String,
    },
}

impl ConnectorError {
    /// Worth trying again later without any change on our side.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ConnectorError::RateLimited { .. }
                | ConnectorError::Server { .. }
                | ConnectorError::Network { .. }
                | ConnectorError::Malformed { .. }
        )
    }

    /// The marketplace could not be reached at all (offline, DNS, refused).
    pub fn is_network(&self) -> bool {
        matches!(self, ConnectorError::Network { .. })
    }
}

/// Whether an error recorded as text (a `sync_runs` row, written by another process
/// perhaps) is a [`ConnectorError::Network`]: the marketplace could not be reached.
pub fn is_network_text(error: &str) -> bool {
    error
        .split(';')
        .next()
        .is_some_and(|first| first.contains(": network: "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_network_errors_are_recognised_by_their_text() {
        let network = ConnectorError::Network {
            marketplace: "wb",
            endpoint: "/api/v1/feedbacks".into(),
            message: "connection refused".into(),
        };
        let recorded = format!("{network}; stopped at page 1 (0 committed before it)");
        assert!(is_network_text(&recorded));
        let server = ConnectorError::Server {
            marketplace: "wb",
            endpoint: "/api/v1/feedbacks".into(),
            status: 503,
        };
        assert!(!is_network_text(&format!("{server}; stopped at page 1")));
        // A message mentioning the word later on is not a network failure.
        assert!(!is_network_text(
            "wb /x: rejected (HTTP 400): bad; note: network: fine"
        ));
    }
}
