//! Semantic styles: widgets ask `theme.style(Slot::SlaBreached)`, a TOML file says what
//! that looks like. See docs/themes.md for the format.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use super::load_error::LoadError;

/// A theme file that cannot be loaded.
pub type ThemeError = LoadError;

/// The theme shipped with the program.
pub const DARK_THEME: &str = include_str!("../../themes/dark.toml");

macro_rules! slots {
    ($($slot:ident => $name:literal,)*) => {
        /// What a piece of the screen means; the theme decides how it looks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Slot { $($slot,)* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$slot,)*];

            /// The slot's key in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Slot::$slot => $name,)* }
            }
        }
    };
}

slots! {
    Text => "text",
    TextMuted => "text.muted",
    TextTitle => "text.title",
    Label => "label",
    PriorityUrgent => "priority.urgent",
    PriorityHigh => "priority.high",
    PriorityNormal => "priority.normal",
    PriorityLow => "priority.low",
    SlaOk => "sla.ok",
    SlaAtRisk => "sla.at_risk",
    SlaBreached => "sla.breached",
    QueueSelected => "queue.selected",
    QueueError => "queue.error",
    TabActive => "tab.active",
    TabInactive => "tab.inactive",
    TabBreached => "tab.breached",
    StatusBar => "status.bar",
    StatusError => "status.error",
    StatusOk => "status.ok",
    StatusKey => "status.key",
    StatusHint => "status.hint",
    Border => "border",
    BorderFocused => "border.focused",
    Stars => "stars",
    EditorText => "editor.text",
    EditorCounter => "editor.counter",
    EditorOverLimit => "editor.over_limit",
    ChatBuyer => "chat.buyer",
    ChatSeller => "chat.seller",
    Overlay => "overlay",
}

impl Slot {
    pub fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.iter().copied().find(|s| s.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A style per slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: Vec<Style>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<String>,
    extends: Option<Spanned<String>>,
    #[serde(default)]
    palette: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    styles: BTreeMap<Spanned<String>, Spanned<RawStyle>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Vec<Spanned<String>>,
}

impl Theme {
    /// Every slot unstyled: what the terminal shows by default.
    pub fn plain() -> Theme {
        Theme {
            name: "plain".into(),
            styles: vec![Style::default(); Slot::ALL.len()],
        }
    }

    /// `themes/dark.toml`, embedded at build time.
    pub fn embedded_dark() -> Theme {
        Theme::parse("themes/dark.toml", DARK_THEME)
            .expect("the embedded theme is valid (checked by a test)")
    }

    /// Parses a theme. Without `extends` it must style every slot; with
    /// `extends = "dark"` it changes only the slots it names. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Theme, ThemeError> {
        let raw: RawTheme =
            toml::from_str(text).map_err(|e| LoadError::from_toml(file, text, &e))?;
        let (mut theme, mut defined) = match &raw.extends {
            None => (Theme::plain(), vec![false; Slot::ALL.len()]),
            Some(parent) if parent.get_ref() == "dark" => {
                (Theme::embedded_dark(), vec![true; Slot::ALL.len()])
            }
            Some(parent) => {
                return Err(LoadError::at(
                    file,
                    text,
                    parent.span().start,
                    format!(
                        "unknown theme \"{}\" in extends; the built-in one is \"dark\"",
                        parent.get_ref()
                    ),
                ))
            }
        };
        theme.name = raw.name.clone().unwrap_or_else(|| file.to_string());
        for (slot_name, style) in &raw.styles {
            let slot = Slot::from_name(slot_name.get_ref()).ok_or_else(|| {
                LoadError::at(
                    file,
                    text,
                    slot_name.span().start,
                    format!(
                        "unknown style \"{}\"; known styles: {}",
                        slot_name.get_ref(),
                        Slot::ALL
                            .iter()
                            .map(|s| s.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let style = style.get_ref();
            let colour = |value: &Option<Spanned<String>>, what: &str| {
                value
                    .as_ref()
                    .map(|v| resolve_colour(&raw.palette, v.get_ref()).ok_or(v))
                    .transpose()
                    .map_err(|v| {
                        LoadError::at(
                            file,
                            text,
                            v.span().start,
                            format!(
                                "unknown colour \"{}\" for {what} of \"{}\"",
                                v.get_ref(),
                                slot.name()
                            ),
                        )
                    })
            };
            let mut s = Style::default();
            if let Some(fg) = colour(&style.fg, "fg")? {
                s = s.fg(fg);
            }
            if let Some(bg) = colour(&style.bg, "bg")? {
                s = s.bg(bg);
            }
            for m in &style.modifiers {
                let modifier = parse_modifier(m.get_ref()).ok_or_else(|| {
                    LoadError::at(
                        file,
                        text,
                        m.span().start,
                        format!(
                            "unknown modifier \"{}\" for \"{}\"; expected bold, dim, italic, \
                             underlined, reversed or crossed_out",
                            m.get_ref(),
                            slot.name()
                        ),
                    )
                })?;
                s = s.add_modifier(modifier);
            }
            theme.styles[slot.index()] = s;
            defined[slot.index()] = true;
        }
        let missing: Vec<&str> = Slot::ALL
            .iter()
            .filter(|s| !defined[s.index()])
            .map(|s| s.name())
            .collect();
        if !missing.is_empty() {
            return Err(LoadError::new(
                file,
                None,
                format!(
                    "no style for {}; add them or start the file with extends = \"dark\"",
                    missing.join(", ")
                ),
            ));
        }
        Ok(theme)
    }

    pub fn style(&self, slot: Slot) -> Style {
        self.styles.get(slot.index()).copied().unwrap_or_default()
    }

    /// The same theme without colours, for `NO_COLOR`: modifiers stay, and the selection
    /// and active tab become reversed so they remain visible.
    pub fn without_colors(mut self) -> Theme {
        for (i, style) in self.styles.iter_mut().enumerate() {
            let mut plain = Style::default()
                .add_modifier(style.add_modifier)
                .remove_modifier(style.sub_modifier);
            if i == Slot::QueueSelected.index() || i == Slot::TabActive.index() {
                plain = plain.add_modifier(Modifier::REVERSED);
            }
            *style = plain;
        }
        self
    }
}

/// Whether the user asked for no colours (<https://no-color.org>: set and not empty).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn resolve_colour(palette: &BTreeMap<String, Spanned<String>>, value: &str) -> Option<Color> {
    let value = palette.get(value).map_or(value, |v| v.get_ref().as_str());
    Color::from_str(value).ok()
}

fn parse_modifier(name: &str) -> Option<Modifier> {
    Some(match name {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
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
            err("extends = \"light\"\n"),
            "my.toml:1: unknown theme \"light\" in extends; the built-in one is \"dark\""
        );
        let missing = err("[styles]\n\"text\" = { fg = \"red\" }\n");
        assert!(
            missing.starts_with("my.toml: no style for text.muted, "),
            "{missing}"
        );
        let field = err("extends = \"dark\"\n[styles]\n\"text\" = { colour = \"red\" }\n");
        assert!(field.starts_with("my.toml:3: "), "{field}");
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
}
