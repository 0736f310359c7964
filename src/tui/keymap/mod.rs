//! Keys name actions: per-layer tables loaded from TOML, chords like `g g`, conflict
//! checks with file and line, and the resolver the event loop feeds key presses into.
//!
//! File format (see docs/keymap.md):
//!
//! ```toml
//! [queue]
//! move_down = ["j", "down"]
//! top = ["g g", "home"]
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::Spanned;

use super::action::Action;
use super::load_error::LoadError;
use super::state::Mode;

mod key;

use key::parse_chord;
pub use key::{display_chord, KeyPress};

/// A keymap file that cannot be loaded.
pub type KeymapError = LoadError;

/// The keymap shipped with the program (vim-style).
pub const DEFAULT_KEYMAP: &str = include_str!("../../../keymaps/default.toml");
/// The Emacs-style keymap shipped with the program.
pub const EMACS_KEYMAP: &str = include_str!("../../../keymaps/emacs.toml");

/// Built-in keymaps by name: (name, file as shipped, text).
pub const BUILTIN_KEYMAPS: [(&str, &str, &str); 2] = [
    ("default", "keymaps/default.toml", DEFAULT_KEYMAP),
    ("emacs", "keymaps/emacs.toml", EMACS_KEYMAP),
];

/// Number of layers.
const LAYERS: usize = 10;

/// A table of bindings: `[global]` applies in the queue, the detail pane and full
/// screens wherever their own table has no match. The editor, the confirmation, the
/// search line, the template picker and help use only their own table, because there
/// typed keys are text (or, in the picker, a choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Global,
    Queue,
    Detail,
    Editor,
    Confirm,
    Search,
    Screen,
    Picker,
    Help,
    Override,
}

impl Layer {
    pub const ALL: [Layer; LAYERS] = [
        Layer::Global,
        Layer::Queue,
        Layer::Detail,
        Layer::Editor,
        Layer::Confirm,
        Layer::Search,
        Layer::Screen,
        Layer::Picker,
        Layer::Help,
        Layer::Override,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Global => "global",
            Layer::Queue => "queue",
            Layer::Detail => "detail",
            Layer::Editor => "editor",
            Layer::Confirm => "confirm",
            Layer::Search => "search",
            Layer::Screen => "screen",
            Layer::Picker => "picker",
            Layer::Help => "help",
            Layer::Override => "override",
        }
    }

    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The tables consulted in `mode`, first match wins.
    pub fn for_mode(mode: Mode) -> &'static [Layer] {
        match mode {
            Mode::Queue => &[Layer::Queue, Layer::Global],
            Mode::Detail => &[Layer::Detail, Layer::Global],
            Mode::Editor => &[Layer::Editor],
            Mode::Confirm => &[Layer::Confirm],
            Mode::Prompt => &[Layer::Search],
            Mode::Screen => &[Layer::Screen, Layer::Global],
            Mode::Picker => &[Layer::Picker],
            Mode::Help => &[Layer::Help],
            Mode::Override => &[Layer::Override],
        }
    }
}

/// Where a binding was written, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    file: Arc<str>,
    line: usize,
    /// Order of loading; the later of two conflicting bindings is the one reported.
    seq: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Binding {
    keys: Vec<KeyPress>,
    action: Action,
    origin: Origin,
}

/// What a key sequence means in the current mode.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The keys complete a binding.
    Action(Action),
    /// The keys start a chord; wait for more.
    Pending,
    /// Nothing is bound to them.
    Unbound,
}

/// Bindings per layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    layers: [Vec<Binding>; LAYERS],
    next_seq: usize,
    /// The files this keymap was built from, in order.
    sources: Vec<String>,
}

type RawKeys = Spanned<Vec<Spanned<String>>>;
type RawTable = BTreeMap<Spanned<String>, RawKeys>;
type RawFile = BTreeMap<Spanned<String>, Spanned<RawTable>>;

impl Keymap {
    /// A keymap without bindings.
    pub fn empty() -> Keymap {
        Keymap {
            layers: Default::default(),
            next_seq: 0,
            sources: Vec::new(),
        }
    }

    /// The keymap in `keymaps/default.toml`, embedded at build time.
    pub fn embedded_default() -> Keymap {
        Keymap::parse("keymaps/default.toml", DEFAULT_KEYMAP)
            .expect("the embedded keymap is valid (checked by a test)")
    }

    /// A keymap shipped with the program, by name (`default`, `emacs`).
    pub fn builtin(name: &str) -> Option<Keymap> {
        BUILTIN_KEYMAPS
            .iter()
            .find(|(n, _, _)| *n == name)
            .and_then(|(_, file, text)| Keymap::parse(file, text).ok())
    }

    /// The files this keymap was built from, first to last.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Parses a complete keymap. `file` names it in error messages.
    pub fn parse(file: &str, text: &str) -> Result<Keymap, KeymapError> {
        Keymap::empty().overlay(file, text)
    }

    /// This keymap with a user file on top: each action the file names gets exactly the
    /// file's keys in that table; everything else stays. The first problem in the file
    /// is an error (see [`Keymap::overlay_all`] to keep what is valid).
    pub fn overlay(&self, file: &str, text: &str) -> Result<Keymap, KeymapError> {
        let (map, mut problems) = self.overlay_all(file, text);
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(problems.remove(0))
        }
    }

    /// [`Keymap::overlay`] that keeps every valid binding of the file and reports every
    /// problem in it, each with its line: an unknown section, action or key is skipped
    /// (an action whose keys are all unknown keeps its old keys), and of two bindings that
    /// clash the later one is dropped. A file that is not TOML changes nothing.
    pub fn overlay_all(&self, file: &str, text: &str) -> (Keymap, Vec<KeymapError>) {
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return (self.clone(), vec![LoadError::from_toml(file, text, &e)]),
        };
        let file_name: Arc<str> = Arc::from(file);
        let mut problems = Vec::new();
        let mut map = self.clone();
        map.sources.push(file.to_string());
        let mut tables: Vec<(Spanned<String>, Spanned<RawTable>)> = raw.into_iter().collect();
        tables.sort_by_key(|(name, _)| name.span().start);
        for (layer_name, table) in tables {
            let Some(layer) = Layer::from_name(layer_name.get_ref()) else {
                problems.push(LoadError::at(
                    file,
                    text,
                    layer_name.span().start,
                    format!(
                        "unknown section [{}]; expected one of {}",
                        layer_name.get_ref(),
                        Layer::ALL.map(|l| format!("[{}]", l.name())).join(", ")
                    ),
                ));
                continue;
            };
            let mut entries: Vec<(Spanned<String>, RawKeys)> =
                table.into_inner().into_iter().collect();
            entries.sort_by_key(|(name, _)| name.span().start);
            for (action_name, keys) in entries {
                let at = action_name.span().start;
                let Some(action) = Action::from_name(action_name.get_ref()) else {
                    problems.push(LoadError::at(
                        file,
                        text,
                        at,
                        format!(
                            "unknown action \"{}\" in [{}]",
                            action_name.get_ref(),
                            layer.name()
                        ),
                    ));
                    continue;
                };
                let keys = keys.into_inner();
                let problem =
                    |key_at: usize, message: String| LoadError::at(file, text, key_at, message);
                let (chords, unknown) = parse_keys(&keys, action_name.get_ref(), layer, problem);
                problems.extend(unknown);
                if chords.is_empty() && !keys.is_empty() {
                    continue;
                }
                let line = |key_at: usize| super::load_error::line_of(text, key_at);
                map.rebind(layer, &action, chords, &file_name, line);
            }
        }
        problems.extend(map.drop_clashes());
        (map, problems)
    }

    /// Gives `action` exactly `chords` in `layer`'s table, each remembered as from `file`
    /// at its line, in the order read.
    fn rebind(
        &mut self,
        layer: Layer,
        action: &Action,
        chords: Vec<(Vec<KeyPress>, usize)>,
        file: &Arc<str>,
        line: impl Fn(usize) -> usize,
    ) {
        self.layers[layer.index()].retain(|b| b.action != *action);
        for (chord, key_at) in chords {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.layers[layer.index()].push(Binding {
                keys: chord,
                action: action.clone(),
                origin: Origin {
                    file: file.clone(),
                    line: line(key_at),
                    seq,
                },
            });
        }
    }

    /// A key (or chord) bound twice, or a key that is also the start of a chord, in one
    /// table is an error, reported at the later binding, which is dropped.
    fn drop_clashes(&mut self) -> Vec<KeymapError> {
        let mut problems = Vec::new();
        for layer in Layer::ALL {
            while let Some((later_seq, problem)) = self.first_clash(layer) {
                problems.push(problem);
                self.layers[layer.index()].retain(|b| b.origin.seq != later_seq);
            }
        }
        problems
    }

    /// The first clash in `layer`: the later binding's sequence number and the problem.
    fn first_clash(&self, layer: Layer) -> Option<(usize, KeymapError)> {
        let bindings = &self.layers[layer.index()];
        for (i, a) in bindings.iter().enumerate() {
            for b in &bindings[i + 1..] {
                let (first, later) = if a.origin.seq < b.origin.seq {
                    (a, b)
                } else {
                    (b, a)
                };
                let also = if first.origin.file == later.origin.file {
                    format!("line {}", first.origin.line)
                } else {
                    format!("{}:{}", first.origin.file, first.origin.line)
                };
                let message = if a.keys == b.keys {
                    format!(
                        "key \"{}\" is bound twice in [{}]: to {} ({also}) and to {}",
                        display_chord(&later.keys),
                        layer.name(),
                        first.action.name().unwrap_or("?"),
                        later.action.name().unwrap_or("?"),
                    )
                } else if a.keys.starts_with(&b.keys) || b.keys.starts_with(&a.keys) {
                    let (short, long) = if a.keys.len() < b.keys.len() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    format!(
                        "key \"{}\" ({}) in [{}] is also the start of \"{}\" ({}); \
                         one of them could never be used",
                        display_chord(&short.keys),
                        short.action.name().unwrap_or("?"),
                        layer.name(),
                        display_chord(&long.keys),
                        long.action.name().unwrap_or("?"),
                    )
                } else {
                    continue;
                };
                return Some((
                    later.origin.seq,
                    LoadError::new(&later.origin.file, Some(later.origin.line), message),
                ));
            }
        }
        None
    }

    /// Every binding of `layer`, in file order.
    pub fn bindings(&self, layer: Layer) -> impl Iterator<Item = (&[KeyPress], &Action)> {
        self.layers[layer.index()]
            .iter()
            .map(|b| (b.keys.as_slice(), &b.action))
    }

    /// The keys bound to `action` in `layer`, as written in keymap files.
    pub fn keys_for(&self, layer: Layer, action: &Action) -> Vec<String> {
        self.bindings(layer)
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| display_chord(k))
            .collect()
    }

    /// The first key bound to `action` in the first of `layers` that binds it.
    pub fn first_key(&self, layers: &[Layer], action: &Action) -> Option<String> {
        layers
            .iter()
            .find_map(|l| self.keys_for(*l, action).into_iter().next())
    }

    /// What `keys` mean in `layers` (searched in order).
    pub fn resolve(&self, layers: &[Layer], keys: &[KeyPress]) -> Resolution {
        for layer in layers {
            let bindings = &self.layers[layer.index()];
            if let Some(b) = bindings.iter().find(|b| b.keys == keys) {
                return Resolution::Action(b.action.clone());
            }
            if bindings
                .iter()
                .any(|b| b.keys.len() > keys.len() && b.keys.starts_with(keys))
            {
                return Resolution::Pending;
            }
        }
        Resolution::Unbound
    }
}

/// The chords of one action's keys, each with where it is in the file, and a problem
/// (made by `problem` at the key's offset) for each key that is not one.
fn parse_keys(
    keys: &[Spanned<String>],
    action_name: &str,
    layer: Layer,
    problem: impl Fn(usize, String) -> KeymapError,
) -> (Vec<(Vec<KeyPress>, usize)>, Vec<KeymapError>) {
    let mut chords = Vec::new();
    let mut problems = Vec::new();
    for key in keys {
        let key_at = key.span().start;
        match parse_chord(key.get_ref()) {
            Some(chord) => chords.push((chord, key_at)),
            None => problems.push(problem(
                key_at,
                format!(
                    "unknown key \"{}\" for {action_name} in [{}]",
                    key.get_ref(),
                    layer.name()
                ),
            )),
        }
    }
    (chords, problems)
}

/// Collects key presses into chords.
#[derive(Debug, Clone, Default)]
pub struct KeyInput {
    pending: Vec<KeyPress>,
}

impl KeyInput {
    /// Feeds one key; returns what it completes. A key that breaks a chord is tried
    /// again on its own.
    pub fn feed(&mut self, keymap: &Keymap, layers: &[Layer], key: KeyPress) -> Resolution {
        self.pending.push(key);
        match keymap.resolve(layers, &self.pending) {
            Resolution::Pending => Resolution::Pending,
            Resolution::Action(a) => {
                self.pending.clear();
                Resolution::Action(a)
            }
            Resolution::Unbound if self.pending.len() > 1 => {
                self.pending.clear();
                self.feed(keymap, layers, key)
            }
            Resolution::Unbound => {
                self.pending.clear();
                Resolution::Unbound
            }
        }
    }

    /// Keys of a chord started but not finished.
    pub fn pending(&self) -> &[KeyPress] {
        &self.pending
    }

    pub fn reset(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests;
