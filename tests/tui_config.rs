//! Every keymap and theme shipped in the repository parses; known-bad user files give
//! the messages users see (file, line, what is wrong) and the defaults keep working.

use std::path::Path;

use agentiq::tui::config::keymap_report_in;
use agentiq::tui::strings::EN;
use agentiq::tui::{keymap_report, load_keymap, load_theme, Keymap, Theme};

fn shipped(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .expect("folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                (
                    format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                    std::fs::read_to_string(&p).expect("read"),
                )
            })
            .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_keymap_and_theme_parses() {
    let keymaps = shipped("keymaps");
    assert!(keymaps.len() >= 2, "{keymaps:?}");
    for (file, text) in &keymaps {
        Keymap::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
        let name = file
            .trim_start_matches("keymaps/")
            .trim_end_matches(".toml");
        let (map, problem) = load_keymap(Path::new("/nonexistent"), name);
        assert_eq!(problem, None, "{name}");
        assert_eq!(
            map,
            Keymap::parse(file, text).unwrap(),
            "{name} is embedded as shipped"
        );
    }
    let themes = shipped("themes");
    assert_eq!(themes.len(), 3, "{themes:?}");
    for (file, text) in &themes {
        let theme = Theme::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
        let (loaded, problem) = load_theme(Path::new("/nonexistent"), &theme.name);
        assert_eq!(problem, None);
        assert_eq!(loaded, theme, "{file} is embedded as shipped");
    }
}

fn user_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn known_bad_keymaps_give_their_messages() {
    let cases = [
        ("[queue]\nmove_down = [\"j\"]\nfly = [\"x\"]\n", "keymap.toml:3: unknown action \"fly\" in [queue]"),
        ("[queue]\nmove_down = [\"j\",\n  \"ctrl-foo\"]\n", "keymap.toml:3: unknown key \"ctrl-foo\" for move_down in [queue]"),
        ("[queue]\nmove_down = [\"x\"]\nmove_up = [\"y\", \"x\"]\n", "keymap.toml:3: key \"x\" is bound twice in [queue]: to move_down (line 2) and to move_up"),
        ("[detail]\ntop = [\"z z\"]\nbottom = [\"z\"]\n", "keymap.toml:3: key \"z\" (bottom) in [detail] is also the start of \"z z\" (top); one of them could never be used"),
        ("[qeueu]\nmove_up = [\"k\"]\n", "keymap.toml:1: unknown section [qeueu]; expected one of [global], [queue], [detail], [editor], [confirm], [search], [screen], [picker], [help], [override]"),
    ];
    for (text, expected) in cases {
        let dir = user_dir(&[("keymap.toml", text)]);
        let (map, problem) = load_keymap(dir.path(), "default");
        let problem = problem.expect("a problem");
        let prefix = format!("{}/", dir.path().display());
        assert_eq!(problem.trim_start_matches(&prefix), expected);
        let default = Keymap::embedded_default();
        let help = agentiq::tui::Action::Help;
        assert_eq!(
            map.keys_for(agentiq::tui::Layer::Global, &help),
            default.keys_for(agentiq::tui::Layer::Global, &help),
            "the bindings the file does not touch keep working"
        );
    }
    let syntax = user_dir(&[("keymap.toml", "[queue]\nmove_down = [\"j\"\n")]);
    let (_, problem) = load_keymap(syntax.path(), "default");
    assert!(problem.expect("syntax").contains("keymap.toml:"));
}

#[test]
fn known_bad_themes_give_their_messages() {
    let cases = [
        ("extends = \"dark\"\n[styles]\n\"sla.ok\" = { fg = \"reddish\" }\n", "themes/mine.toml:3: unknown colour \"reddish\" for fg of \"sla.ok\""),
        ("extends = \"dark\"\n[styles]\n\"border\" = { modifiers = [\"blink\"] }\n", "themes/mine.toml:3: unknown modifier \"blink\" for \"border\"; expected bold, dim, italic, underlined, reversed or crossed_out"),
        ("extends = \"sepia\"\n", "themes/mine.toml:1: unknown theme \"sepia\" in extends; the built-in ones are \"dark\", \"light\", \"high-contrast\""),
    ];
    for (text, expected) in cases {
        let dir = user_dir(&[("themes/mine.toml", text)]);
        let (theme, problem) = load_theme(dir.path(), "mine");
        let prefix = format!("{}/", dir.path().display());
        assert_eq!(
            problem.expect("a problem").trim_start_matches(&prefix),
            expected
        );
        assert_eq!(theme, Theme::embedded_dark());
    }
    let missing = user_dir(&[(
        "themes/mine.toml",
        "[styles]\n\"text\" = { fg = \"red\" }\n",
    )]);
    let (_, problem) = load_theme(missing.path(), "mine");
    assert!(problem
        .expect("missing")
        .contains("mine.toml: no style for base, text.muted,"));
}

#[test]
fn the_keys_report_is_a_keymap_file() {
    let dir = user_dir(&[(
        "keymap.toml",
        "[queue]\nreply = [\"a\"]\ncycle_account = [\"A\"]\n",
    )]);
    let (map, problem) = load_keymap(dir.path(), "emacs");
    assert_eq!(problem, None);
    let report = keymap_report_in(&map, &EN);
    assert!(report.contains("keymaps/emacs.toml"));
    assert!(report.contains("keymap.toml"));
    assert!(report.contains("reply = [\"a\"]"), "{report}");
    assert!(report.contains("# reply"));
    let back = Keymap::parse("report.toml", &report).expect("the report parses");
    assert_eq!(
        back.keys_for(agentiq::tui::Layer::Queue, &agentiq::tui::Action::Reply),
        ["a"]
    );
    // The locale's language, whatever it is, gives a non-empty report.
    assert!(!keymap_report(&map).is_empty());
}

#[test]
fn every_keymap_problem_is_reported_and_the_valid_bindings_kept() {
    let text = "[queue]\nreply = [\"f9\"]\nfly = [\"x\"]\nmove_up = [\"ctrl-foo\"]\n\
                [qeueu]\nmove_up = [\"k\"]\n[detail]\ntop = [\"z z\"]\nbottom = [\"z\"]\n";
    let dir = user_dir(&[("keymap.toml", text)]);
    let (map, problems) = agentiq::tui::load_keymap_reporting(dir.path(), "default");
    let prefix = format!("{}/", dir.path().display());
    let lines: Vec<String> = problems
        .iter()
        .map(|p| p.to_string().trim_start_matches(&prefix).to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "keymap.toml:3: unknown action \"fly\" in [queue]",
            "keymap.toml:4: unknown key \"ctrl-foo\" for move_up in [queue]",
            "keymap.toml:5: unknown section [qeueu]; expected one of [global], [queue], [detail], [editor], [confirm], [search], [screen], [picker], [help], [override]",
            "keymap.toml:9: key \"z\" (bottom) in [detail] is also the start of \"z z\" (top); one of them could never be used",
        ]
    );
    // The valid binding applies; an action whose only key was unknown keeps its own.
    let queue = agentiq::tui::Layer::Queue;
    assert_eq!(map.keys_for(queue, &agentiq::tui::Action::Reply), ["f9"]);
    let default = Keymap::embedded_default();
    let up = agentiq::tui::Action::MoveUp;
    assert_eq!(map.keys_for(queue, &up), default.keys_for(queue, &up));
}

#[test]
fn agentiq_keys_exits_non_zero_on_problems() {
    let keys = |dir: &std::path::Path, keymap: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_agentiq"))
            .args(["keys", "--keymap", keymap])
            .env("AGENTIQ_CONFIG_DIR", dir)
            .env("AGENTIQ_DATA_DIR", dir.join("data"))
            .env("AGENTIQ_LOG_DIR", dir.join("logs"))
            .output()
            .expect("agentiq keys runs")
    };
    let good = user_dir(&[("keymap.toml", "[queue]\nreply = [\"f9\"]\n")]);
    assert_eq!(keys(good.path(), "default").status.code(), Some(0));
    let bad = user_dir(&[(
        "keymap.toml",
        "[queue]\nreply = [\"f9\"]\nfly = [\"x\"]\nmove_up = [\"ctrl-foo\"]\n",
    )]);
    let out = keys(bad.path(), "default");
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keymap.toml:3:") && err.contains("keymap.toml:4:"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("reply = [\"f9\"]"));
    let missing = keys(good.path(), "vim-ultra");
    assert_eq!(missing.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("vim-ultra"));
}
