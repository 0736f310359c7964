//! The `[ui]` table: language, theme and keymap. A flag (`--lang`, `--theme`,
//! `--keymap`) or its environment variable (`AGENTIQ_LANG`, `AGENTIQ_THEME`,
//! `AGENTIQ_KEYMAP`) wins over the file; the file wins over the defaults.

use serde::{Deserialize, Serialize};

/// `[ui]` as written in config.toml.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `ru` or `en`; the locale decides when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// `dark`, `light`, `high-contrast`, or a file name in the config folder's `themes/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// `default`, `emacs`, or a file name in the config folder's `keymaps/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keymap: Option<String>,
}

/// The preferences in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiPrefs {
    /// `None`: from the locale.
    pub lang: Option<String>,
    pub theme: String,
    pub keymap: String,
}

pub const DEFAULT_THEME: &str = "dark";
pub const DEFAULT_KEYMAP: &str = "default";

impl UiPrefs {
    /// `flags` (flag or environment, as clap merged them) over `file` over the defaults.
    pub fn resolve(flags: &UiConfig, file: Option<&UiConfig>) -> UiPrefs {
        let pick = |flag: &Option<String>, from_file: fn(&UiConfig) -> &Option<String>| {
            flag.clone()
                .filter(|v| !v.trim().is_empty())
                .or_else(|| file.and_then(|f| from_file(f).clone()))
        };
        UiPrefs {
            lang: pick(&flags.lang, |f| &f.lang),
            theme: pick(&flags.theme, |f| &f.theme).unwrap_or_else(|| DEFAULT_THEME.into()),
            keymap: pick(&flags.keymap, |f| &f.keymap).unwrap_or_else(|| DEFAULT_KEYMAP.into()),
        }
    }

    /// The UI language these preferences pick (the locale when none is set).
    pub fn language(&self) -> crate::domain::Lang {
        pick_language(self.lang.as_deref())
    }
}

/// The UI language: `explicit` (from `--lang` or the config file) when it names one,
/// else the locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the first that is set):
/// `ru*` is Russian and anything else English.
pub fn pick_language(explicit: Option<&str>) -> crate::domain::Lang {
    crate::domain::pick_language_with(explicit, &|name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ui(lang: Option<&str>, theme: Option<&str>, keymap: Option<&str>) -> UiConfig {
        UiConfig {
            lang: lang.map(Into::into),
            theme: theme.map(Into::into),
            keymap: keymap.map(Into::into),
        }
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file = ui(Some("en"), Some("light"), None);
        let prefs = UiPrefs::resolve(&ui(None, Some("high-contrast"), None), Some(&file));
        assert_eq!(prefs.lang.as_deref(), Some("en"));
        assert_eq!(prefs.theme, "high-contrast");
        assert_eq!(prefs.keymap, DEFAULT_KEYMAP);
        let prefs = UiPrefs::resolve(&UiConfig::default(), None);
        assert_eq!(prefs.lang, None);
        assert_eq!(prefs.theme, DEFAULT_THEME);
    }
}
