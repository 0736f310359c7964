use super::*;

fn err(text: &str) -> String {
    Theme::parse("my.toml", text)
        .expect_err("should not load")
        .to_string()
}

#[test]
fn embedded_dark_defines_every_slot() {
    let theme = Theme::parse("themes/dark.toml", DARK_THEME).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(theme.name, "dark");
    assert_eq!(
        theme.style(Slot::SlaBreached).fg,
        Some(Color::Rgb(0xff, 0x5f, 0x5f))
    );
    assert!(theme
        .style(Slot::SlaBreached)
        .add_modifier
        .contains(Modifier::BOLD));
}

#[test]
fn extends_changes_only_named_slots() {
    let t = Theme::parse(
        "user.toml",
        "extends = \"dark\"\n[palette]\nwarn = \"#00ff00\"\n[styles]\n\"sla.at_risk\" = { fg = \"warn\" }\n\"stars\" = { fg = \"light_blue\", modifiers = [\"italic\"] }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.style(Slot::SlaAtRisk).fg, Some(Color::Rgb(0, 255, 0)));
    assert_eq!(t.style(Slot::Stars).fg, Some(Color::LightBlue));
    assert_eq!(
        t.style(Slot::SlaBreached),
        Theme::embedded_dark().style(Slot::SlaBreached)
    );
}

#[test]
fn errors_name_file_line_and_what_is_wrong() {
    assert_eq!(
        err("extends = \"dark\"\n[styles]\n\"sla.ok\" = { fg = \"reddish\" }\n"),
        "my.toml:3: unknown colour \"reddish\" for fg of \"sla.ok\""
    );
    let unknown_slot = err("extends = \"dark\"\n[styles]\n\n\"sla.late\" = { fg = \"red\" }\n");
    assert!(
        unknown_slot.starts_with("my.toml:4: unknown style \"sla.late\""),
        "{unknown_slot}"
    );
    assert_eq!(
        err("extends = \"dark\"\n[styles]\n\"border\" = { modifiers = [\"blink\"] }\n"),
        "my.toml:3: unknown modifier \"blink\" for \"border\"; expected bold, dim, italic, underlined, reversed or crossed_out"
    );
    assert_eq!(
        err("extends = \"sepia\"\n"),
        "my.toml:1: unknown theme \"sepia\" in extends; the built-in ones are \"dark\", \"light\", \"high-contrast\""
    );
    let missing = err("[styles]\n\"text\" = { fg = \"red\" }\n");
    assert!(
        missing.starts_with("my.toml: no style for base, text.muted, "),
        "{missing}"
    );
    let field = err("extends = \"dark\"\n[styles]\n\"text\" = { colour = \"red\" }\n");
    assert!(field.starts_with("my.toml:3: "), "{field}");
}

#[test]
fn every_builtin_theme_defines_every_slot() {
    for (name, file, text) in BUILTIN_THEMES {
        let theme = Theme::parse(file, text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(theme.name, name);
        assert_eq!(Theme::builtin(name), Some(theme));
    }
    assert_eq!(Theme::builtin("sepia"), None);
}

#[test]
fn user_themes_extend_each_other_without_looping() {
    let user = |name: &str, _asking: &str| match name {
        "mine" => Some((
            "themes/mine.toml".to_string(),
            "extends = \"light\"\n[styles]\n\"stars\" = { fg = \"red\" }\n".to_string(),
        )),
        "loop" => Some((
            "themes/loop.toml".to_string(),
            "extends = \"loop\"\n".to_string(),
        )),
        _ => None,
    };
    let t = Theme::parse_with("t.toml", "extends = \"mine\"\n", &user).unwrap();
    assert_eq!(t.style(Slot::Stars).fg, Some(Color::Red));
    let light = Theme::builtin("light").unwrap();
    assert_eq!(t.style(Slot::Text), light.style(Slot::Text));
    let e = Theme::parse_with("t.toml", "extends = \"loop\"\n", &user).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("themes/loop.toml:1: extends goes more than"),
        "{e}"
    );
}

#[test]
fn colour_support_follows_the_environment() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        ColorSupport::detect_with(&env(&[("COLORTERM", "truecolor")])),
        ColorSupport::TrueColor
    );
    assert_eq!(
        ColorSupport::detect_with(&env(&[("COLORTERM", "24bit")])),
        ColorSupport::TrueColor
    );
    assert_eq!(ColorSupport::detect_with(&env(&[])), ColorSupport::Ansi256);
    assert_eq!(
        ColorSupport::detect_with(&env(&[("COLORTERM", "truecolor"), ("NO_COLOR", "1")])),
        ColorSupport::None
    );
    assert_eq!(
        ColorSupport::detect_with(&env(&[("NO_COLOR", "")])),
        ColorSupport::Ansi256
    );
}

#[test]
fn rgb_becomes_the_nearest_of_256() {
    assert_eq!(nearest_256(0xff, 0x5f, 0x5f), 203);
    assert_eq!(nearest_256(0, 0, 0), 16);
    assert_eq!(nearest_256(255, 255, 255), 231);
    assert_eq!(nearest_256(0x80, 0x80, 0x80), 244);
    assert_eq!(nearest_256(0x21, 0x25, 0x2b), 235);
    let t = Theme::embedded_dark().for_terminal(ColorSupport::Ansi256);
    for slot in Slot::ALL {
        let s = t.style(*slot);
        for c in [s.fg, s.bg].into_iter().flatten() {
            assert!(!matches!(c, Color::Rgb(..)), "{} kept {c:?}", slot.name());
        }
    }
    assert_eq!(t.style(Slot::SlaBreached).fg, Some(Color::Indexed(203)));
}

#[test]
fn no_color_keeps_modifiers_only() {
    let t = Theme::embedded_dark().without_colors();
    for slot in Slot::ALL {
        let s = t.style(*slot);
        assert_eq!((s.fg, s.bg), (None, None), "{}", slot.name());
    }
    assert!(t
        .style(Slot::SlaBreached)
        .add_modifier
        .contains(Modifier::BOLD));
    assert!(t
        .style(Slot::QueueSelected)
        .add_modifier
        .contains(Modifier::REVERSED));
}
