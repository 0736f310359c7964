//! Loading the user's keymap and theme from the config folder, loudly and recoverably:
//! a file that cannot be used gives a message naming file and line, and the built-in
//! defaults are used instead. Nothing is ever written to the user's folder.

use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::Path;

use super::action::Action;
use super::keymap::{Keymap, Layer, BUILTIN_KEYMAPS};
use super::pick_language;
use super::strings::Strings;
use super::theme::{Theme, BUILTIN_THEMES};

/// The file in the config folder that overrides keys action by action.
pub const USER_KEYMAP_FILE: &str = "keymap.toml";

fn read_optional(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn join(problems: Vec<String>) -> Option<String> {
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// Something wrong with the keymap asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeymapProblem {
    /// No built-in keymap and no file of that name: the message says which exist.
    UnknownName(String),
    /// A problem in a file (`file:line: what`), or a file that cannot be read.
    File(String),
}

impl std::fmt::Display for KeymapProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeymapProblem::UnknownName(m) | KeymapProblem::File(m) => f.write_str(m),
        }
    }
}

/// The keymap called `name` (`default`, `emacs`, or a complete keymap the user keeps as
/// `keymaps/<name>.toml` in `config_dir`), with `config_dir/keymap.toml` laid over it.
/// The overlay's valid bindings are kept and every problem in it is named in the
/// returned message, one after another; a complete keymap with problems is replaced by
/// the default.
pub fn load_keymap(config_dir: &Path, name: &str) -> (Keymap, Option<String>) {
    let (keymap, problems) = load_keymap_reporting(config_dir, name);
    (
        keymap,
        join(problems.iter().map(ToString::to_string).collect()),
    )
}

/// [`load_keymap`] with each problem on its own, for `agentiq keys`.
pub fn load_keymap_reporting(config_dir: &Path, name: &str) -> (Keymap, Vec<KeymapProblem>) {
    let mut problems = Vec::new();
    let file_problems = |problems: &mut Vec<KeymapProblem>, found: Vec<super::KeymapError>| {
        problems.extend(found.iter().map(|e| KeymapProblem::File(e.to_string())));
    };
    let base = match Keymap::builtin(name) {
        Some(map) => map,
        None => {
            let path = config_dir.join("keymaps").join(format!("{name}.toml"));
            match read_optional(&path) {
                Ok(Some(text)) => {
                    // A complete keymap with problems would leave actions without keys:
                    // every problem is reported and the default is used instead.
                    let (map, found) =
                        Keymap::empty().overlay_all(&path.display().to_string(), &text);
                    if found.is_empty() {
                        map
                    } else {
                        file_problems(&mut problems, found);
                        Keymap::embedded_default()
                    }
                }
                Ok(None) => {
                    problems.push(KeymapProblem::UnknownName(format!(
                        "unknown keymap \"{name}\"; the built-in ones are {}, or put your own in {}",
                        BUILTIN_KEYMAPS.map(|(n, _, _)| format!("\"{n}\"")).join(", "),
                        path.display()
                    )));
                    Keymap::embedded_default()
                }
                Err(e) => {
                    problems.push(KeymapProblem::File(e));
                    Keymap::embedded_default()
                }
            }
        }
    };
    let user = config_dir.join(USER_KEYMAP_FILE);
    let keymap = match read_optional(&user) {
        Ok(Some(text)) => {
            let (map, found) = base.overlay_all(&user.display().to_string(), &text);
            file_problems(&mut problems, found);
            map
        }
        Ok(None) => base,
        Err(e) => {
            problems.push(KeymapProblem::File(e));
            base
        }
    };
    (keymap, problems)
}

/// The theme called `name`: the user's `themes/<name>.toml` in `config_dir` when there
/// is one, else the built-in theme (`dark`, `light`, `high-contrast`). `extends` may name
/// user themes and built-in ones. A theme that cannot be used is named in the returned
/// message and `dark` (or the built-in theme of that name) is used. Colours are adapted
/// to the terminal later, with [`Theme::for_terminal`].
pub fn load_theme(config_dir: &Path, name: &str) -> (Theme, Option<String>) {
    let themes_dir = config_dir.join("themes");
    let user_theme = |wanted: &str, asking: &str| -> Option<(String, String)> {
        let path = themes_dir.join(format!("{wanted}.toml"));
        let file = path.display().to_string();
        if file == asking {
            return None;
        }
        read_optional(&path).ok().flatten().map(|text| (file, text))
    };
    let fallback = || Theme::builtin(name).unwrap_or_else(Theme::embedded_dark);
    let path = themes_dir.join(format!("{name}.toml"));
    match read_optional(&path) {
        Ok(Some(text)) => {
            match Theme::parse_with(&path.display().to_string(), &text, &user_theme) {
                Ok(theme) => (theme, None),
                Err(e) => (fallback(), Some(e.to_string())),
            }
        }
        Ok(None) => match Theme::builtin(name) {
            Some(theme) => (theme, None),
            None => (
                Theme::embedded_dark(),
                Some(format!(
                    "unknown theme \"{name}\"; the built-in ones are {}, or put your own in {}",
                    BUILTIN_THEMES
                        .map(|(n, _, _)| format!("\"{n}\""))
                        .join(", "),
                    path.display()
                )),
            ),
        },
        Err(e) => (fallback(), Some(e)),
    }
}

/// The effective keymap as a keymap file (valid TOML that loads back to the same
/// bindings), each action with what it does in the locale's language.
pub fn keymap_report(keymap: &Keymap) -> String {
    keymap_report_in(keymap, Strings::for_lang(pick_language(None)))
}

/// [`keymap_report`] with the descriptions from `strings`.
pub fn keymap_report_in(keymap: &Keymap, strings: &Strings) -> String {
    let mut out = String::from("# AgentIQ keymap in effect, built from:\n");
    for source in keymap.sources() {
        let _ = writeln!(out, "#   {source}");
    }
    for layer in Layer::ALL {
        let mut actions: Vec<&Action> = Vec::new();
        for (_, action) in keymap.bindings(layer) {
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        if actions.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n# {}\n[{}]", (strings.layer)(layer), layer.name());
        let rows: Vec<(String, &'static str)> = actions
            .iter()
            .map(|action| {
                let keys: Vec<String> = keymap
                    .keys_for(layer, action)
                    .iter()
                    .map(|k| toml_string(k))
                    .collect();
                (
                    format!(
                        "{} = [{}]",
                        action.name().unwrap_or_default(),
                        keys.join(", ")
                    ),
                    (strings.action)(action),
                )
            })
            .collect();
        let width = rows
            .iter()
            .map(|(b, _)| b.chars().count())
            .max()
            .unwrap_or(0);
        for (binding, description) in rows {
            let pad = width - binding.chars().count();
            let _ = writeln!(out, "{binding}{} # {description}", " ".repeat(pad));
        }
    }
    out
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{KeyPress, Resolution};
    use crate::tui::state::Mode;
    use crate::tui::strings::{EN, RU};

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("folder");
            }
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn key(name: &str) -> KeyPress {
        KeyPress::parse(name).expect(name)
    }

    #[test]
    fn every_shipped_keymap_parses_and_reports_back_to_itself() {
        for (name, file, text) in BUILTIN_KEYMAPS {
            let map = Keymap::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
            let report = keymap_report_in(&map, &EN);
            let again = Keymap::parse("report.toml", &report).unwrap_or_else(|e| panic!("{e}"));
            for layer in Layer::ALL {
                let a: Vec<_> = map
                    .bindings(layer)
                    .map(|(k, a)| (k.to_vec(), a.clone()))
                    .collect();
                let mut b: Vec<_> = again
                    .bindings(layer)
                    .map(|(k, a)| (k.to_vec(), a.clone()))
                    .collect();
                let mut a_sorted = a.clone();
                a_sorted.sort_by_key(|(k, _)| format!("{k:?}"));
                b.sort_by_key(|(k, _)| format!("{k:?}"));
                assert_eq!(a_sorted, b, "{name} [{}]", layer.name());
            }
            // Every action a user needs is reachable in every shipped keymap.
            for action in Action::BINDABLE {
                let bound = Layer::ALL
                    .iter()
                    .any(|l| !map.keys_for(*l, action).is_empty());
                assert!(bound, "{name} leaves {action:?} unbound");
            }
        }
    }

    #[test]
    fn the_report_names_sources_and_describes_actions() {
        let map = Keymap::embedded_default();
        let report = keymap_report_in(&map, &RU);
        assert!(report.contains("#   keymaps/default.toml"), "{report}");
        assert!(report.contains("[queue]"));
        assert!(report.contains("move_down = [\"j\", \"down\"]"), "{report}");
        assert!(report.contains("# вниз"), "{report}");
        assert!(report.contains("top = [\"g g\", \"home\"]"), "{report}");
    }

    #[test]
    fn emacs_keymap_has_its_chords() {
        let map = Keymap::builtin("emacs").expect("emacs");
        let q = Layer::for_mode(Mode::Queue);
        assert_eq!(
            map.resolve(q, &[key("ctrl-n")]),
            Resolution::Action(Action::MoveDown)
        );
        assert_eq!(
            map.resolve(q, &[key("alt-v")]),
            Resolution::Action(Action::PageUp)
        );
        assert_eq!(
            map.resolve(q, &[key("ctrl-s")]),
            Resolution::Action(Action::Search)
        );
        assert_eq!(
            map.resolve(q, &[key("ctrl-g")]),
            Resolution::Action(Action::Cancel)
        );
        assert_eq!(map.resolve(q, &[key("ctrl-x")]), Resolution::Pending);
        assert_eq!(
            map.resolve(q, &[key("ctrl-x"), key("ctrl-c")]),
            Resolution::Action(Action::Quit)
        );
        let e = Layer::for_mode(Mode::Editor);
        assert_eq!(
            map.resolve(e, &[key("ctrl-c"), key("ctrl-c")]),
            Resolution::Action(Action::Send)
        );
        assert_eq!(map.resolve(e, &[key("ctrl-a")]), Resolution::Unbound);
    }

    #[test]
    fn user_keymap_overrides_per_action() {
        let dir = dir_with(&[(
            "keymap.toml",
            "[queue]\nmove_down = [\"n\"]\nsearch_next = [\"ctrl-n\"]\n",
        )]);
        let (map, problem) = load_keymap(dir.path(), "default");
        assert_eq!(problem, None);
        let q = Layer::for_mode(Mode::Queue);
        assert_eq!(
            map.resolve(q, &[key("n")]),
            Resolution::Action(Action::MoveDown)
        );
        assert_eq!(
            map.resolve(q, &[key("k")]),
            Resolution::Action(Action::MoveUp)
        );
        assert_eq!(map.sources().len(), 2);
    }

    #[test]
    fn a_bad_user_keymap_names_file_and_line_and_keeps_the_rest() {
        let dir = dir_with(&[(
            "keymap.toml",
            "[queue]\nmove_down = [\"j\"]\nfly = [\"x\"]\n",
        )]);
        let (map, problem) = load_keymap(dir.path(), "default");
        let problem = problem.expect("a problem");
        let file = dir.path().join("keymap.toml").display().to_string();
        assert_eq!(
            problem,
            format!("{file}:3: unknown action \"fly\" in [queue]")
        );
        // The file's valid binding applies; everything else is the default.
        assert_eq!(map.keys_for(Layer::Queue, &Action::MoveDown), ["j"]);
        assert_eq!(
            map.keys_for(Layer::Global, &Action::Help),
            Keymap::embedded_default().keys_for(Layer::Global, &Action::Help)
        );
        let (map, problem) = load_keymap(dir.path(), "emac");
        assert!(problem
            .expect("unknown")
            .starts_with("unknown keymap \"emac\""));
        assert_eq!(map.sources()[0], "keymaps/default.toml");
        let clash = dir_with(&[("keymap.toml", "[queue]\nreply = [\"j\"]\n")]);
        let (_, problem) = load_keymap(clash.path(), "emacs");
        assert_eq!(problem, None, "j is free in the emacs queue");
        let (_, problem) = load_keymap(clash.path(), "default");
        let problem = problem.expect("clash");
        let move_down_line = super::super::keymap::DEFAULT_KEYMAP
            .lines()
            .position(|l| l.starts_with("move_down = [\"j\""))
            .expect("default keymap binds j")
            + 1;
        assert!(
            problem.ends_with(&format!(
                ":2: key \"j\" is bound twice in [queue]: to move_down (keymaps/default.toml:{move_down_line}) and to reply"
            )),
            "{problem}"
        );
    }

    #[test]
    fn themes_load_from_the_config_folder_or_fall_back() {
        let empty = dir_with(&[]);
        for (name, _, _) in BUILTIN_THEMES {
            let (theme, problem) = load_theme(empty.path(), name);
            assert_eq!(problem, None);
            assert_eq!(theme.name, name);
        }
        let (theme, problem) = load_theme(empty.path(), "sepia");
        assert!(problem
            .expect("unknown")
            .starts_with("unknown theme \"sepia\""));
        assert_eq!(theme.name, "dark");
        let dir = dir_with(&[
            (
                "themes/dark.toml",
                "name = \"my dark\"\nextends = \"dark\"\n[styles]\n\"stars\" = { fg = \"red\" }\n",
            ),
            (
                "themes/bad.toml",
                "extends = \"light\"\n[styles]\n\"stars\" = { fg = \"reddish\" }\n",
            ),
        ]);
        let (theme, problem) = load_theme(dir.path(), "dark");
        assert_eq!(problem, None, "a copy of dark extends the built-in dark");
        assert_eq!(theme.name, "my dark");
        let (theme, problem) = load_theme(dir.path(), "bad");
        let file = dir.path().join("themes/bad.toml").display().to_string();
        assert_eq!(
            problem.as_deref(),
            Some(format!("{file}:3: unknown colour \"reddish\" for fg of \"stars\"").as_str())
        );
        assert_eq!(theme.name, "dark");
    }
}
