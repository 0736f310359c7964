//! Accounts from the config file. Secrets come from environment variables, or from the
//! file itself only when no one but its owner can read it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::connectors::http::RetryPolicy;
use crate::connectors::{AccountConfig, Credentials};
use crate::domain::Marketplace;

/// The accounts part of the config file; other sections (UI preferences, LLM, ...) are
/// read by their own modules.
#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    accounts: Vec<AccountEntry>,
    #[serde(default)]
    network: NetworkEntry,
}

/// `[network]`: how patient every account's requests are.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkEntry {
    /// Seconds a request may take before it is retried with backoff (default 20).
    timeout_secs: Option<f64>,
    /// Seconds one request may spend, in total, waiting out 429s (default 90).
    rate_limit_wait_secs: Option<f64>,
}

impl NetworkEntry {
    fn retry_policy(&self, path: &Path) -> Result<RetryPolicy> {
        let seconds = |value: Option<f64>, key: &str, default: std::time::Duration| match value {
            None => Ok(default),
            Some(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => {
                Ok(std::time::Duration::from_secs_f64(v))
            }
            Some(v) => bail!(
                "{}: [network] {key} = {v} must be between 0 and 3600 seconds",
                path.display()
            ),
        };
        let default = RetryPolicy::default();
        Ok(RetryPolicy {
            timeout: seconds(self.timeout_secs, "timeout_secs", default.timeout)?,
            max_rate_limit_wait: seconds(
                self.rate_limit_wait_secs,
                "rate_limit_wait_secs",
                default.max_rate_limit_wait,
            )?,
            ..default
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountEntry {
    name: String,
    marketplace: Marketplace,
    /// WB: the token itself (owner-only file) or the variable that holds it.
    token: Option<String>,
    token_env: Option<String>,
    /// Ozon.
    client_id: Option<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    #[serde(default)]
    base_urls: BTreeMap<String, String>,
}

/// Reads the accounts in `path`. `env` looks up environment variables (injectable for
/// tests).
pub fn load_accounts(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<AccountConfig>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))?;
    let file: ConfigFile =
        toml::from_str(&text).with_context(|| format!("config {} is not valid", path.display()))?;
    let owner_only = owner_only(path)?;
    let retry = file.network.retry_policy(path)?;
    let mut names = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for entry in file.accounts {
        if !names.insert(entry.name.clone()) {
            bail!(
                "{}: account '{}' is listed twice",
                path.display(),
                entry.name
            );
        }
        let secret = |inline: &Option<String>,
                      env_name: &Option<String>,
                      what: &str|
         -> Result<String> {
            match (inline, env_name) {
                (Some(_), _) if !owner_only => bail!(
                    "{}: account '{}' has its {what} in a file others can read; run `chmod 600 {}` or use {what}_env",
                    path.display(), entry.name, path.display()
                ),
                (Some(value), _) => Ok(value.clone()),
                (None, Some(var)) => env(var).filter(|v| !v.is_empty()).with_context(|| {
                    format!("account '{}': environment variable {var} is not set", entry.name)
                }),
                (None, None) => bail!(
                    "{}: account '{}' needs {what} or {what}_env",
                    path.display(), entry.name
                ),
            }
        };
        let credentials = match entry.marketplace {
            Marketplace::Wb => Credentials::Wb {
                token: secret(&entry.token, &entry.token_env, "token")?,
            },
            Marketplace::Ozon => Credentials::Ozon {
                client_id: entry.client_id.clone().with_context(|| {
                    format!(
                        "{}: Ozon account '{}' needs client_id",
                        path.display(),
                        entry.name
                    )
                })?,
                api_key: secret(&entry.api_key, &entry.api_key_env, "api_key")?,
            },
        };
        out.push(AccountConfig {
            name: entry.name,
            marketplace: entry.marketplace,
            credentials,
            base_urls: entry.base_urls,
            retry,
        });
    }
    Ok(out)
}

#[cfg(unix)]
fn owner_only(path: &Path) -> Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("reading permissions of {}", path.display()))?
        .permissions()
        .mode();
    Ok(mode & 0o077 == 0)
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> Result<bool> {
    Ok(true)
}

/// Writes a config file readable only by its owner (used by `agentiq simulator
/// --write-config`).
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("writing {}", path.display()))?;
        f.write_all(text.as_bytes())?;
        // An existing file keeps its old mode on open; tighten it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_network_table_sets_every_accounts_timeout_and_429_budget() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let account = "[[accounts]]\nname = \"a\"\nmarketplace = \"wb\"\ntoken_env = \"T\"\n";
        let env = |_: &str| Some("t".to_string());
        std::fs::write(&path, account).unwrap();
        let retry = load_accounts(&path, &env).unwrap()[0].retry;
        assert_eq!(retry.timeout, RetryPolicy::default().timeout);
        std::fs::write(
            &path,
            format!("[network]\ntimeout_secs = 1.5\nrate_limit_wait_secs = 30\n\n{account}"),
        )
        .unwrap();
        let retry = load_accounts(&path, &env).unwrap()[0].retry;
        assert_eq!(retry.timeout, std::time::Duration::from_millis(1500));
        assert_eq!(
            retry.max_rate_limit_wait,
            std::time::Duration::from_secs(30)
        );
        assert_eq!(retry.max_attempts, RetryPolicy::default().max_attempts);
        std::fs::write(&path, format!("[network]\ntimeout_secs = 0\n\n{account}")).unwrap();
        let err = load_accounts(&path, &env).unwrap_err().to_string();
        assert!(err.contains("timeout_secs"), "{err}");
        std::fs::write(&path, format!("[network]\ntimeout = 3\n\n{account}")).unwrap();
        assert!(
            load_accounts(&path, &env).is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn reads_accounts_with_secrets_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            r#"
[[accounts]]
name = "Уютный дом"
marketplace = "wb"
token_env = "WB_TOKEN"
base_urls = { feedbacks = "http://127.0.0.1:9" }

[[accounts]]
name = "Полка"
marketplace = "ozon"
client_id = "123"
api_key_env = "OZON_KEY"
"#,
        )
        .unwrap();
        let env = |name: &str| match name {
            "WB_TOKEN" => Some("wb-secret".to_string()),
            "OZON_KEY" => Some("oz-secret".to_string()),
            _ => None,
        };
        let accounts = load_accounts(&path, &env).unwrap();
        assert_eq!(accounts.len(), 2);
        assert!(
            matches!(&accounts[0].credentials, Credentials::Wb { token } if token == "wb-secret")
        );
        assert_eq!(accounts[0].base_urls["feedbacks"], "http://127.0.0.1:9");
        let err = load_accounts(&path, &no_env).unwrap_err().to_string();
        assert!(err.contains("WB_TOKEN"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn inline_secrets_need_an_owner_only_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "[[accounts]]\nname = \"a\"\nmarketplace = \"wb\"\ntoken = \"T0KEN\"\n";
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = format!("{:#}", load_accounts(&path, &no_env).unwrap_err());
        assert!(err.contains("chmod 600"), "{err}");
        assert!(!err.contains("T0KEN"), "never echo the secret: {err}");
        write_private(&path, text).unwrap();
        assert_eq!(load_accounts(&path, &no_env).unwrap().len(), 1);
    }

    #[test]
    fn mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[[accounts]]\nname = \"a\"\nmarketplace = \"amazon\"\n",
        )
        .unwrap();
        let err = format!("{:#}", load_accounts(&path, &no_env).unwrap_err());
        assert!(
            err.contains("config.toml") && err.contains("amazon"),
            "{err}"
        );
        std::fs::write(
            &path,
            "[[accounts]]\nname = \"a\"\nmarketplace = \"ozon\"\napi_key_env = \"X\"\n",
        )
        .unwrap();
        let err = format!(
            "{:#}",
            load_accounts(&path, &|_| Some("k".into())).unwrap_err()
        );
        assert!(err.contains("client_id"), "{err}");
    }
}
