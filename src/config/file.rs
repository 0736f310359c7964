//! The whole `config.toml`: every table it may hold, read in one place so that a key no
//! table knows is an error naming the key, the file and the line.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::accounts::AccountEntry;
use super::ui::UiConfig;
use crate::ai::llm::LlmConfig;
use crate::cli::exit::{fail, Failure};

/// `config.toml` as written. Secrets are resolved later (`accounts::resolve`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub accounts: Vec<AccountEntry>,
    #[serde(default)]
    pub llm: Option<LlmConfig>,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub network: super::accounts::NetworkEntry,
    #[serde(default)]
    pub store: super::store::StoreEntry,
}

/// Parses the text of the config file at `path`. The error is the parser's message with
/// the file and line, never the offending line itself (it may hold a secret), and is a
/// configuration failure (exit 78).
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            before.iter().filter(|&&b| b == b'\n').count() + 1
        });
        fail(
            Failure::Config,
            format!(
                "config {}{}: {}",
                path.display(),
                line.map(|l| format!(":{l}")).unwrap_or_default(),
                e.message().trim_end()
            ),
        )
    })
}

/// The config file at `path`, or `None` when there is none.
pub fn read(path: &Path) -> Result<Option<ConfigFile>> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e)
            .with_context(|| format!("reading config {}", path.display()))
            .map_err(|e| fail(Failure::Config, format!("{e:#}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::exit::{exit_for, Exit};

    fn error(text: &str) -> (String, Exit) {
        let err = parse(Path::new("/c/config.toml"), text).unwrap_err();
        (format!("{err:#}"), exit_for(&err))
    }

    #[test]
    fn an_unknown_key_is_named_with_file_and_line() {
        let (err, code) = error("[ui]\nlang = \"ru\"\n\n[ui.extra]\n");
        assert!(err.contains("extra"), "{err}");
        let (err, _) = error("[ui]\nlang = \"ru\"\nthem = \"dark\"\n");
        assert!(err.contains("them"), "{err}");
        assert!(err.contains("/c/config.toml:3"), "{err}");
        assert_eq!(code, Exit::Config);
        let (err, _) =
            error("[[accounts]]\nname = \"a\"\nmarketplace = \"wb\"\ntokn_env = \"X\"\n");
        assert!(err.contains("tokn_env") && err.contains(":4"), "{err}");
        let (err, _) = error("# comment\n[sink]\n");
        assert!(err.contains("sink") && err.contains(":2"), "{err}");
        let (err, _) = error("[llm]\nbase_url = \"x\"\nmodel = \"m\"\nkey = \"sk-secret\"\n");
        assert!(err.contains("key") && err.contains(":4"), "{err}");
        assert!(!err.contains("sk-secret"), "never echo a value: {err}");
    }

    #[test]
    fn every_table_is_optional() {
        let file = parse(Path::new("c.toml"), "").unwrap();
        assert!(file.accounts.is_empty() && file.llm.is_none());
        let file = parse(
            Path::new("c.toml"),
            "[ui]\nlang = \"en\"\ntheme = \"light\"\nkeymap = \"emacs\"\n",
        )
        .unwrap();
        assert_eq!(file.ui.lang.as_deref(), Some("en"));
        assert_eq!(file.ui.theme.as_deref(), Some("light"));
        assert_eq!(file.ui.keymap.as_deref(), Some("emacs"));
    }
}
