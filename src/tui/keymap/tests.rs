use super::*;
use crossterm::event::{KeyCode, KeyModifiers};

fn key(name: &str) -> KeyPress {
    KeyPress::parse(name).expect(name)
}

fn err(text: &str) -> String {
    Keymap::parse("my.toml", text)
        .expect_err("should not load")
        .to_string()
}

#[test]
fn embedded_default_parses_and_binds_the_basics() {
    let map =
        Keymap::parse("keymaps/default.toml", DEFAULT_KEYMAP).unwrap_or_else(|e| panic!("{e}"));
    let q = Layer::for_mode(Mode::Queue);
    for (name, action) in [
        ("j", Action::MoveDown),
        ("down", Action::MoveDown),
        ("k", Action::MoveUp),
        ("G", Action::Bottom),
        ("ctrl-d", Action::PageDown),
        ("ctrl-u", Action::PageUp),
        ("r", Action::Reply),
        ("enter", Action::Reply),
        ("?", Action::Help),
        ("1", Action::TabAll),
        ("4", Action::TabChats),
        ("b", Action::ToggleBreached),
        ("q", Action::Quit),
    ] {
        assert_eq!(
            map.resolve(q, &[key(name)]),
            Resolution::Action(action),
            "{name}"
        );
    }
    let e = Layer::for_mode(Mode::Editor);
    assert_eq!(
        map.resolve(e, &[key("ctrl-s")]),
        Resolution::Action(Action::Send)
    );
    assert_eq!(
        map.resolve(e, &[key("esc")]),
        Resolution::Action(Action::Cancel)
    );
    assert_eq!(map.resolve(e, &[key("q")]), Resolution::Unbound);
    let c = Layer::for_mode(Mode::Confirm);
    assert_eq!(
        map.resolve(c, &[key("y")]),
        Resolution::Action(Action::Confirm)
    );
    assert_eq!(
        map.resolve(c, &[key("enter")]),
        Resolution::Action(Action::Confirm)
    );
    assert_eq!(
        map.resolve(c, &[key("n")]),
        Resolution::Action(Action::Cancel)
    );
}

#[test]
fn chord_g_g_goes_to_top() {
    let map = Keymap::parse("t.toml", "[queue]\ntop = [\"g g\"]\nmove_down = [\"j\"]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let layers = Layer::for_mode(Mode::Queue);
    let mut input = KeyInput::default();
    assert_eq!(input.feed(&map, layers, key("g")), Resolution::Pending);
    assert_eq!(input.pending(), &[key("g")]);
    assert_eq!(
        input.feed(&map, layers, key("g")),
        Resolution::Action(Action::Top)
    );
    assert!(input.pending().is_empty());
    // A key that breaks the chord counts on its own.
    assert_eq!(input.feed(&map, layers, key("g")), Resolution::Pending);
    assert_eq!(
        input.feed(&map, layers, key("j")),
        Resolution::Action(Action::MoveDown)
    );
}

#[test]
fn key_names_normalise() {
    assert_eq!(key("G"), key("shift-g"));
    assert_eq!(
        KeyPress::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
        key("G")
    );
    assert_eq!(
        KeyPress::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
        key("ctrl-s")
    );
    assert_eq!(key("Ctrl-S"), key("ctrl-s"));
    assert_eq!(
        KeyPress::new(KeyCode::Char('?'), KeyModifiers::SHIFT),
        key("?")
    );
    assert_eq!(
        key("shift-tab"),
        KeyPress::new(KeyCode::BackTab, KeyModifiers::NONE)
    );
    assert_eq!(key("space").to_string(), "space");
    assert_eq!(key("ctrl-d").to_string(), "ctrl-d");
    assert_eq!(key("f5").code, KeyCode::F(5));
    assert_eq!(key("ctrl--").code, KeyCode::Char('-'));
    assert!(KeyPress::parse("ctrl-foo").is_none());
    assert!(KeyPress::parse("f99").is_none());
}

#[test]
fn unknown_action_names_file_and_line() {
    assert_eq!(
        err("[queue]\nmove_down = [\"j\"]\nfly = [\"x\"]\n"),
        "my.toml:3: unknown action \"fly\" in [queue]"
    );
}

#[test]
fn unknown_key_names_file_and_line() {
    assert_eq!(
        err("[queue]\nmove_down = [\"j\",\n  \"ctrl-foo\"]\n"),
        "my.toml:3: unknown key \"ctrl-foo\" for move_down in [queue]"
    );
    assert_eq!(
        err("[editor]\n\nsend = [\"\"]\n"),
        "my.toml:3: unknown key \"\" for send in [editor]"
    );
}

#[test]
fn key_bound_twice_names_both_actions() {
    assert_eq!(
        err("[queue]\nmove_down = [\"j\"]\nmove_up = [\"k\", \"j\"]\n"),
        "my.toml:3: key \"j\" is bound twice in [queue]: to move_down (line 2) and to move_up"
    );
}

#[test]
fn same_key_in_different_tables_is_fine() {
    let map = Keymap::parse(
        "t.toml",
        "[queue]\nmove_down = [\"j\"]\n[detail]\nmove_down = [\"j\"]\n[help]\ncancel = [\"?\"]\n[global]\nhelp = [\"?\"]\n",
    );
    assert!(map.is_ok(), "{map:?}");
}

#[test]
fn key_that_starts_a_chord_is_an_error() {
    assert_eq!(
        err("[queue]\ntop = [\"g g\"]\nbottom = [\"g\"]\n"),
        "my.toml:3: key \"g\" (bottom) in [queue] is also the start of \"g g\" (top); one of them could never be used"
    );
}

#[test]
fn unknown_section_and_toml_syntax() {
    assert_eq!(
        err("[queue]\nmove_down = [\"j\"]\n\n[qeueu]\nmove_up = [\"k\"]\n"),
        "my.toml:4: unknown section [qeueu]; expected one of [global], [queue], [detail], [editor], [confirm], [search], [screen], [picker], [help], [override]"
    );
    let syntax = err("[queue]\nmove_down = [\"j\"\n");
    assert!(syntax.starts_with("my.toml:"), "{syntax}");
    let wrong_type = err("[queue]\nmove_down = \"j\"\n");
    assert!(wrong_type.starts_with("my.toml:2: "), "{wrong_type}");
}

#[test]
fn overlay_replaces_an_actions_keys_in_one_table() {
    let base = Keymap::embedded_default();
    let user = base
        .overlay("user.toml", "[queue]\nmove_down = [\"x\"]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let q = Layer::for_mode(Mode::Queue);
    assert_eq!(
        user.resolve(q, &[key("x")]),
        Resolution::Action(Action::MoveDown)
    );
    assert_eq!(user.resolve(q, &[key("j")]), Resolution::Unbound);
    assert_eq!(
        user.resolve(q, &[key("k")]),
        Resolution::Action(Action::MoveUp)
    );
    // A clash with a default binding points at the user's line.
    let clash = base
        .overlay("user.toml", "\n[queue]\nmove_down = [\"k\"]\n")
        .expect_err("k is move_up");
    assert_eq!(clash.line, Some(3));
    assert_eq!(clash.file, "user.toml");
    assert!(clash.message.contains("move_up"), "{clash}");
}

#[test]
fn hints_use_live_bindings() {
    let map = Keymap::parse("t.toml", "[queue]\nreply = [\"a\", \"enter\"]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(map.keys_for(Layer::Queue, &Action::Reply), ["a", "enter"]);
    assert_eq!(
        map.first_key(Layer::for_mode(Mode::Queue), &Action::Reply),
        Some("a".to_string())
    );
}
