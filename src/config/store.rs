//! `[store] url`: where the data lives. Without it, the SQLite file in the data folder;
//! with a `postgres://` URL (or `AGENTIQ_DATABASE_URL`), the team's shared PostgreSQL.

use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use crate::cli::exit::{fail, Failure};

/// The environment variable that names the shared database; it wins over the file.
pub const DATABASE_URL_ENV: &str = "AGENTIQ_DATABASE_URL";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreEntry {
    /// `postgres://user[:password]@host[:port]/database` (or `postgresql://`).
    #[serde(default)]
    pub url: Option<String>,
}

/// The PostgreSQL URL in effect: `AGENTIQ_DATABASE_URL` when set and not empty, else
/// `[store] url` of the config file at `path`; `None` for the SQLite store.
pub fn store_url(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>> {
    let from_env = env(DATABASE_URL_ENV).filter(|u| !u.trim().is_empty());
    let url = match from_env {
        Some(url) => Some((url, DATABASE_URL_ENV.to_string())),
        None => super::file::read(path)?
            .and_then(|file| file.store.url)
            .map(|url| (url, format!("[store] url in {}", path.display()))),
    };
    let Some((url, from)) = url else {
        return Ok(None);
    };
    let url = url.trim().to_string();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(fail(
            Failure::Config,
            format!(
                "{from}: only postgres:// URLs are supported (got {})",
                crate::store::pg::redacted(&url)
            ),
        ));
    }
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_file_names_the_database_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(store_url(&path, &no_env).unwrap(), None, "no file: SQLite");
        std::fs::write(
            &path,
            "[store]\nurl = \"postgres://owner@127.0.0.1/shop\"\n",
        )
        .unwrap();
        assert_eq!(
            store_url(&path, &no_env).unwrap().as_deref(),
            Some("postgres://owner@127.0.0.1/shop")
        );
        let env = |name: &str| {
            (name == DATABASE_URL_ENV).then(|| "postgresql://maria@127.0.0.1/shop".to_string())
        };
        assert_eq!(
            store_url(&path, &env).unwrap().as_deref(),
            Some("postgresql://maria@127.0.0.1/shop")
        );
    }

    #[test]
    fn another_scheme_is_a_configuration_error_without_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[store]\nurl = \"mysql://u:pw@h/db\"\n").unwrap();
        let err = store_url(&path, &no_env).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            // ":pw@", not "pw": the temp folder's name in the message may hold "pw".
            text.contains("postgres://") && !text.contains(":pw@"),
            "{text}"
        );
        assert_eq!(
            crate::cli::exit::exit_for(&err),
            crate::cli::exit::Exit::Config
        );
        std::fs::write(&path, "[store]\nuri = \"postgres://h/db\"\n").unwrap();
        assert!(
            store_url(&path, &no_env).is_err(),
            "an unknown key is named"
        );
    }
}
