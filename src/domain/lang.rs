//! The UI language: Russian or English, from the locale unless the user says otherwise.
//! Messages below the UI (configuration problems, the command line) are written in it too.

use std::fmt;
use std::str::FromStr;

/// A language the UI is complete in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// A language from a locale or a name: `ru`, `ru_RU.UTF-8`, `russian` → Russian;
    /// `en`, `en_US`, `C`, `POSIX` → English; anything else → `None`.
    pub fn from_locale(value: &str) -> Option<Lang> {
        let v = value.trim().to_ascii_lowercase();
        if v.is_empty() {
            return None;
        }
        if v.starts_with("ru") || v == "русский" {
            Some(Lang::Ru)
        } else if v.starts_with("en") || v == "c" || v.starts_with("c.") || v == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_locale(s).ok_or_else(|| format!("unknown language '{s}' (expected ru or en)"))
    }
}

/// The UI language: `explicit` (from `--lang` or the config file) when it names one,
/// else the locale as `env` reads it (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the first
/// that is set): `ru*` is Russian and anything else English (`config::ui::pick_language`
/// reads the process's environment).
pub fn pick_language_with(explicit: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Lang {
    if let Some(lang) = explicit.and_then(Lang::from_locale) {
        return lang;
    }
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| env(name))
        .find(|v| !v.trim().is_empty());
    match locale {
        Some(l) if l.trim().to_ascii_lowercase().starts_with("ru") => Lang::Ru,
        _ => Lang::En,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn locale_order_and_explicit_override() {
        let ru = [("LANG", "ru_RU.UTF-8")];
        assert_eq!(pick_language_with(None, &env(&ru)), Lang::Ru);
        assert_eq!(pick_language_with(Some("en"), &env(&ru)), Lang::En);
        assert_eq!(pick_language_with(Some("klingon"), &env(&ru)), Lang::Ru);
        let all_wins = [("LANG", "ru_RU.UTF-8"), ("LC_ALL", "en_US.UTF-8")];
        assert_eq!(pick_language_with(None, &env(&all_wins)), Lang::En);
        let messages = [("LANG", "en_GB.UTF-8"), ("LC_MESSAGES", "ru_RU")];
        assert_eq!(pick_language_with(None, &env(&messages)), Lang::Ru);
        let empty_all = [("LC_ALL", ""), ("LANG", "ru_RU.UTF-8")];
        assert_eq!(pick_language_with(None, &env(&empty_all)), Lang::Ru);
        assert_eq!(pick_language_with(None, &env(&[])), Lang::En);
        assert_eq!(
            pick_language_with(None, &env(&[("LANG", "C.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            pick_language_with(None, &env(&[("LANG", "de_DE")])),
            Lang::En
        );
        assert_eq!("RU".parse::<Lang>(), Ok(Lang::Ru));
        assert!("xx".parse::<Lang>().is_err());
    }
}
