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

/// The themes shipped with the program.
pub const DARK_THEME: &str = include_str!("../../../themes/dark.toml");
pub const LIGHT_THEME: &str = include_str!("../../../themes/light.toml");
pub const HIGH_CONTRAST_THEME: &str = include_str!("../../../themes/high-contrast.toml");

/// Built-in themes by name: (name, file as shipped, text).
pub const BUILTIN_THEMES: [(&str, &str, &str); 3] = [
    ("dark", "themes/dark.toml", DARK_THEME),
    ("light", "themes/light.toml", LIGHT_THEME),
    (
        "high-contrast",
        "themes/high-contrast.toml",
        HIGH_CONTRAST_THEME,
    ),
];

/// How deep `extends` may chain before it is taken for a loop.
const MAX_EXTENDS: usize = 8;

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
    Base => "base",
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
    Prompt => "prompt",
    FilterBar => "filter",
    TableHeader => "table.header",
    QueueAnswered => "queue.answered",
    MetricPass => "metric.pass",
    MetricFail => "metric.fail",
    Chart => "chart",
    SettingOverride => "setting.override",
    EditorFindingWarn => "editor.finding_warn",
    EditorFindingBlock => "editor.finding_block",
    EditorFindingSpan => "editor.finding_span",
    QueueAutoReply => "queue.auto_reply",
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

    /// A theme shipped with the program, by name (`dark`, `light`, `high-contrast`).
    pub fn builtin(name: &str) -> Option<Theme> {
        Theme::parse_with(name_file(name)?, builtin_text(name)?, &no_user_themes).ok()
    }

    /// Parses a theme. Without `extends` it must style every slot; with
    /// `extends = "dark"` (or another built-in theme) it changes only the slots it names.
    /// `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Theme, ThemeError> {
        Theme::parse_with(file, text, &no_user_themes)
    }

    /// Like [`Theme::parse`]; `extends` may also name a theme `user_theme` finds (the
    /// user's own themes folder), which wins over a built-in theme of the same name.
    pub fn parse_with(
        file: &str,
        text: &str,
        user_theme: &UserThemes<'_>,
    ) -> Result<Theme, ThemeError> {
        parse_depth(file, text, user_theme, 0)
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

/// Finds a user theme by name for the file that names it in `extends`: `(file name,
/// text)`. It should not return the asking file itself, so a user's copy of `dark` can
/// say `extends = "dark"` and mean the built-in one.
pub type UserThemes<'a> = dyn Fn(&str, &str) -> Option<(String, String)> + 'a;

fn no_user_themes(_: &str, _: &str) -> Option<(String, String)> {
    None
}

fn name_file(name: &str) -> Option<&'static str> {
    BUILTIN_THEMES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, f, _)| *f)
}

fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN_THEMES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, t)| *t)
}

fn parse_depth(
    file: &str,
    text: &str,
    user_theme: &UserThemes<'_>,
    depth: usize,
) -> Result<Theme, ThemeError> {
    let raw: RawTheme = toml::from_str(text).map_err(|e| LoadError::from_toml(file, text, &e))?;
    let at = ThemeText { file, text };
    let (mut theme, mut defined) = match &raw.extends {
        None => (Theme::plain(), vec![false; Slot::ALL.len()]),
        Some(parent) => (
            at.parent(parent, user_theme, depth)?,
            vec![true; Slot::ALL.len()],
        ),
    };
    theme.name = raw.name.clone().unwrap_or_else(|| file.to_string());
    for (slot_name, style) in &raw.styles {
        let slot = at.slot(slot_name)?;
        theme.styles[slot.index()] = at.style(&raw.palette, slot, style.get_ref())?;
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

/// A theme file being read, for errors that point into it.
#[derive(Clone, Copy)]
struct ThemeText<'a> {
    file: &'a str,
    text: &'a str,
}

impl ThemeText<'_> {
    fn error(&self, at: usize, message: String) -> ThemeError {
        LoadError::at(self.file, self.text, at, message)
    }

    /// The theme `extends` names: a user's theme first, then a built-in one.
    fn parent(
        &self,
        parent: &Spanned<String>,
        user_theme: &UserThemes<'_>,
        depth: usize,
    ) -> Result<Theme, ThemeError> {
        let name = parent.get_ref();
        let at = parent.span().start;
        if depth >= MAX_EXTENDS {
            return Err(self.error(
                at,
                format!("extends goes more than {MAX_EXTENDS} themes deep; is there a loop?"),
            ));
        }
        match user_theme(name, self.file) {
            Some((f, t)) => parse_depth(&f, &t, user_theme, depth + 1),
            None => match (name_file(name), builtin_text(name)) {
                (Some(f), Some(t)) => parse_depth(f, t, user_theme, depth + 1),
                _ => Err(self.error(
                    at,
                    format!(
                        "unknown theme \"{name}\" in extends; the built-in ones are {}",
                        BUILTIN_THEMES
                            .iter()
                            .map(|(n, _, _)| format!("\"{n}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            },
        }
    }

    /// The slot a `[styles]` key names.
    fn slot(&self, slot_name: &Spanned<String>) -> Result<Slot, ThemeError> {
        Slot::from_name(slot_name.get_ref()).ok_or_else(|| {
            self.error(
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
        })
    }

    /// One slot's style: its colours from the palette (or named) and its modifiers.
    fn style(
        &self,
        palette: &BTreeMap<String, Spanned<String>>,
        slot: Slot,
        style: &RawStyle,
    ) -> Result<Style, ThemeError> {
        let colour = |value: &Option<Spanned<String>>, what: &str| {
            value
                .as_ref()
                .map(|v| resolve_colour(palette, v.get_ref()).ok_or(v))
                .transpose()
                .map_err(|v| {
                    self.error(
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
                self.error(
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
        Ok(s)
    }
}

/// What colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSupport {
    /// `NO_COLOR` is set: modifiers only.
    None,
    /// The 256-colour palette; `#rrggbb` colours are approximated.
    Ansi256,
    /// 24-bit colour (`COLORTERM` is `truecolor` or `24bit`).
    TrueColor,
}

impl ColorSupport {
    /// From the process environment.
    pub fn detect() -> ColorSupport {
        ColorSupport::detect_with(&|name| std::env::var(name).ok())
    }

    /// From `env`, for tests: `NO_COLOR` (set and not empty) wins, then `COLORTERM`.
    pub fn detect_with(env: &dyn Fn(&str) -> Option<String>) -> ColorSupport {
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorSupport::None;
        }
        match env("COLORTERM")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("truecolor" | "24bit") => ColorSupport::TrueColor,
            _ => ColorSupport::Ansi256,
        }
    }
}

impl Theme {
    /// The theme as this terminal can show it.
    pub fn for_terminal(self, support: ColorSupport) -> Theme {
        match support {
            ColorSupport::TrueColor => self,
            ColorSupport::None => self.without_colors(),
            ColorSupport::Ansi256 => self.map_colours(|c| match c {
                Color::Rgb(r, g, b) => Color::Indexed(nearest_256(r, g, b)),
                other => other,
            }),
        }
    }

    fn map_colours(mut self, f: impl Fn(Color) -> Color) -> Theme {
        for style in &mut self.styles {
            style.fg = style.fg.map(&f);
            style.bg = style.bg.map(&f);
        }
        self
    }
}

/// The xterm-256 index nearest to an RGB colour: the 6×6×6 cube (16–231) or the grey
/// ramp (232–255), whichever is closer.
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let level = |v: u8| -> usize {
        LEVELS
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (i32::from(**l) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i)
    };
    let dist = |(r2, g2, b2): (u8, u8, u8)| -> i32 {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, r2) + d(g, g2) + d(b, b2)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let grey_step = ((avg.saturating_sub(8) + 5) / 10).min(23) as u8;
    let grey_value = 8 + 10 * grey_step;
    let grey = (grey_value, grey_value, grey_value);
    if dist(grey) < dist(cube) {
        232 + grey_step
    } else {
        cube_index as u8
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
mod tests;
