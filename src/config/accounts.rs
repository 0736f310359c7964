//! Accounts from the config file. Secrets come from environment variables, or from the
//! file itself only when no one but its owner can read it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::cli::exit::{fail, Failure, FailureExt};

use crate::connectors::http::RetryPolicy;
use crate::connectors::{AccountConfig, Credentials};
use crate::domain::Marketplace;

/// `[network]`: how patient every account's requests are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkEntry {
    /// Seconds a request may take before it is retried with backoff (default 20).
    pub timeout_secs: Option<f64>,
    /// Seconds one request may spend, in total, waiting out 429s (default 90).
    pub rate_limit_wait_secs: Option<f64>,
}

impl NetworkEntry {
    /// The retry policy every account of the file uses.
    pub fn retry_policy(&self, path: &Path) -> Result<RetryPolicy> {
        let seconds = |value: Option<f64>, key: &str, default: std::time::Duration| match value {
            None => Ok(default),
            Some(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => {
                Ok(std::time::Duration::from_secs_f64(v))
            }
            Some(v) => Err(fail(
                Failure::Config,
                format!(
                    "{}: [network] {key} = {v} must be between 0 and 3600 seconds",
                    path.display()
                ),
            )),
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

/// Every usable account of `setups` with the file's `[network]` policy.
pub fn with_network(setups: &mut [AccountSetup], retry: &RetryPolicy) {
    for setup in setups {
        if let Ok(config) = &mut setup.config {
            config.retry = *retry;
        }
    }
}

/// One `[[accounts]]` entry as written; its secrets are resolved by [`resolve`].
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub name: String,
    pub marketplace: Marketplace,
    /// WB: the token itself (owner-only file) or the variable that holds it.
    pub token: Option<String>,
    pub token_env: Option<String>,
    /// Ozon.
    pub client_id: Option<String>,
    pub api_key: Option<String>,
    pub api_key_env: Option<String>,
    #[serde(default)]
    pub base_urls: BTreeMap<String, String>,
}

/// `Debug` never prints a secret written in the file.
impl std::fmt::Debug for AccountEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("AccountEntry")
            .field("name", &self.name)
            .field("marketplace", &self.marketplace)
            .field("token", &redacted(&self.token))
            .field("token_env", &self.token_env)
            .field("client_id", &self.client_id)
            .field("api_key", &redacted(&self.api_key))
            .field("api_key_env", &self.api_key_env)
            .field("base_urls", &self.base_urls)
            .finish()
    }
}

impl AccountEntry {
    /// Where the secret comes from, for listings: `env NAME` or `file`.
    pub fn secret_source(&self) -> String {
        let (inline, var) = match self.marketplace {
            Marketplace::Wb => (&self.token, &self.token_env),
            Marketplace::Ozon => (&self.api_key, &self.api_key_env),
        };
        match (inline, var) {
            (Some(_), _) => "file".into(),
            (None, Some(var)) => format!("env {var}"),
            (None, None) => "-".into(),
        }
    }

    /// The variable holding the secret, when the secret is not in the file.
    pub fn secret_var(&self) -> Option<&str> {
        let (inline, var) = match self.marketplace {
            Marketplace::Wb => (&self.token, &self.token_env),
            Marketplace::Ozon => (&self.api_key, &self.api_key_env),
        };
        inline.is_none().then_some(var.as_deref()).flatten()
    }
}

/// Why an account cannot be used; the rest of the config still can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountProblem {
    /// The variable that should hold the secret is not set (or empty).
    VarUnset { var: String },
    /// Neither the secret nor its variable is given (`what`: `token` or `api_key`).
    NoSecret { what: &'static str },
    /// The secret is in a file others can read.
    ReadableSecret { what: &'static str },
    /// An Ozon account without `client_id`.
    NoClientId,
}

impl AccountProblem {
    /// One line naming the account and the fix, in the UI's language.
    pub fn message(&self, account: &str, path: &Path, lang: crate::domain::Lang) -> String {
        use crate::domain::Lang;
        let file = path.display();
        match (self, lang) {
            (AccountProblem::VarUnset { var }, Lang::Ru) => format!(
                "{account}: переменная окружения {var} не задана — задайте её (export {var}=...) и перезапустите"
            ),
            (AccountProblem::VarUnset { var }, Lang::En) => format!(
                "{account}: environment variable {var} is not set — set it (export {var}=...) and restart"
            ),
            (AccountProblem::NoSecret { what }, Lang::Ru) => {
                format!("{account}: в {file} нет ни {what}, ни {what}_env — добавьте {what}_env")
            }
            (AccountProblem::NoSecret { what }, Lang::En) => {
                format!("{account}: {file} gives neither {what} nor {what}_env — add {what}_env")
            }
            (AccountProblem::ReadableSecret { what }, Lang::Ru) => format!(
                "{account}: {what} лежит в файле, который могут читать другие — выполните chmod 600 {file} или используйте {what}_env"
            ),
            (AccountProblem::ReadableSecret { what }, Lang::En) => format!(
                "{account}: its {what} is in a file others can read; run `chmod 600 {file}` or use {what}_env"
            ),
            (AccountProblem::NoClientId, Lang::Ru) => {
                format!("{account}: для Ozon нужен client_id — добавьте его в {file}")
            }
            (AccountProblem::NoClientId, Lang::En) => {
                format!("{account}: an Ozon account needs client_id — add it to {file}")
            }
        }
    }
}

/// An account of the config file: usable, or the reason it is not.
#[derive(Debug, Clone)]
pub struct AccountSetup {
    pub entry: AccountEntry,
    pub config: std::result::Result<AccountConfig, AccountProblem>,
}

/// Resolves every account's secrets. A duplicate name is an error for the whole file;
/// a missing secret only makes that account unusable.
pub fn resolve(
    path: &Path,
    entries: &[AccountEntry],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<AccountSetup>> {
    let owner_only = owner_only(path)?;
    let mut names = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for entry in entries {
        if !names.insert(entry.name.clone()) {
            return Err(fail(
                Failure::Config,
                format!(
                    "{}: account '{}' is listed twice",
                    path.display(),
                    entry.name
                ),
            ));
        }
        out.push(AccountSetup {
            entry: entry.clone(),
            config: resolve_one(entry, owner_only, env),
        });
    }
    Ok(out)
}

/// Resolves one entry's secret; `owner_only`: whether the file it comes from is readable
/// by its owner alone (an entry not yet written anywhere counts as such).
pub fn resolve_one(
    entry: &AccountEntry,
    owner_only: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<AccountConfig, AccountProblem> {
    let secret = |inline: &Option<String>,
                  env_name: &Option<String>,
                  what: &'static str|
     -> std::result::Result<String, AccountProblem> {
        match (inline, env_name) {
            (Some(_), _) if !owner_only => Err(AccountProblem::ReadableSecret { what }),
            (Some(value), _) => Ok(value.clone()),
            (None, Some(var)) => env(var)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AccountProblem::VarUnset { var: var.clone() }),
            (None, None) => Err(AccountProblem::NoSecret { what }),
        }
    };
    let credentials = match entry.marketplace {
        Marketplace::Wb => Credentials::Wb {
            token: secret(&entry.token, &entry.token_env, "token")?,
        },
        Marketplace::Ozon => Credentials::Ozon {
            client_id: entry.client_id.clone().ok_or(AccountProblem::NoClientId)?,
            api_key: secret(&entry.api_key, &entry.api_key_env, "api_key")?,
        },
    };
    Ok(AccountConfig {
        name: entry.name.clone(),
        marketplace: entry.marketplace,
        credentials,
        base_urls: entry.base_urls.clone(),
        retry: RetryPolicy::default(),
    })
}

/// Reads the accounts in `path`, every one of which must be usable. `env` looks up
/// environment variables (injectable for tests).
pub fn load_accounts(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<AccountConfig>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config {}", path.display()))
        .kind(Failure::Config)?;
    let file = super::file::parse(path, &text)?;
    let mut setups = resolve(path, &file.accounts, env)?;
    with_network(&mut setups, &file.network.retry_policy(path)?);
    setups
        .into_iter()
        .map(|setup| {
            setup.config.map_err(|problem| {
                fail(
                    Failure::Config,
                    problem.message(&setup.entry.name, path, crate::domain::Lang::En),
                )
            })
        })
        .collect()
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
