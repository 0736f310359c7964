//! The inbox: a keyboard-driven terminal UI over the local store.
//!
//! Shape (see docs/keymap.md and docs/themes.md for the user-facing side):
//!
//! ```text
//! terminal keys ─┐
//! Event         ─┼─> event_loop ─> keymap[mode] ─> Action ─> update(&mut AppState) -> Vec<Effect>
//! 1 s tick      ─┘        │                                                │
//!                         └── view::draw(&AppState) once per batch         io::Runner: reads the
//!                                                                          store, sends Commands
//! ```
//!
//! * [`state::AppState`] holds everything on screen; [`update::update`] is the only code
//!   that changes it and does no IO.
//! * [`view`] draws from `&AppState`; nothing there mutates or queries.
//! * [`io::Runner`] performs effects: paged reads through the UI's own read-only
//!   connection, and commands to the background services.
//! * Customer and product text passes [`sanitize`] before it reaches a cell.
//! * All UI text lives in [`strings`], in Russian and English ([`lang`]).
//! * The queue's filter is a [`lens`]; search and filters share the query language of
//!   `store::search` (docs/search.md).
//! * Keymaps and themes load from the config folder with [`load_keymap`] and
//!   [`load_theme`]; a bad file is reported and the defaults are used.

pub mod action;
pub mod config;
pub mod editor_handoff;
pub mod event_loop;
pub mod format;
pub mod frames;
pub mod io;
pub mod keymap;
pub mod layout;
pub mod lens;
pub mod load_error;
pub mod reads;
pub mod sanitize;
pub mod settings_form;
pub mod settings_sections;
pub mod state;
pub mod strings;
pub mod team;
pub mod templates;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

pub use crate::config::ui::pick_language;
pub use crate::domain::Lang;
pub use action::{Action, Effect, QueueRequest};
pub use config::{keymap_report, load_keymap, load_keymap_reporting, load_theme, KeymapProblem};
pub use io::Runner;
pub use keymap::{KeyPress, Keymap, KeymapError, Layer};
pub use load_error::LoadError;
pub use reads::ReadStats;
pub use state::{AppState, Mode, Screen, Tab};
pub use theme::{ColorSupport, Slot, Theme, ThemeError};
pub use update::update;
pub use view::{draw, ViewCtx};

pub use crate::domain::Clock;

/// A clock that reads the system time.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Everything the UI needs from the rest of the program.
pub struct TuiContext {
    /// The UI opens its own read-only connection with `store.reader()`.
    pub store: crate::store::Store,
    /// Facts from the background services.
    pub events: UnboundedReceiver<crate::protocol::Event>,
    /// Requests to the background services.
    pub commands: UnboundedSender<crate::protocol::Command>,
    /// Usually [`Keymap::embedded_default`], maybe with a user file overlaid.
    pub keymap: Keymap,
    /// Usually from [`load_theme`]; adapted to the terminal (`COLORTERM`, `NO_COLOR`)
    /// when the UI starts.
    pub theme: Theme,
    pub clock: Clock,
}

impl TuiContext {
    /// A context with the built-in default keymap and the dark theme.
    pub fn new(
        store: crate::store::Store,
        events: UnboundedReceiver<crate::protocol::Event>,
        commands: UnboundedSender<crate::protocol::Command>,
        clock: Clock,
    ) -> TuiContext {
        TuiContext {
            store,
            events,
            commands,
            keymap: Keymap::embedded_default(),
            theme: Theme::embedded_dark(),
            clock,
        }
    }
}

/// How the UI presents itself, beyond keys and colours.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// The UI language; [`pick_language`] chooses it from `--lang`, the config file and
    /// the locale.
    pub lang: Lang,
    /// Problems met while loading configuration (keymap, theme), shown in the status
    /// line until dismissed; the UI runs on the defaults meanwhile.
    pub config_problems: Vec<String>,
    /// Templates the editor can insert (`insert_template`); without them the key says
    /// there are none.
    pub templates: Option<templates::TemplateSource>,
}

impl TuiOptions {
    /// The language from the locale, no problems.
    pub fn from_env() -> TuiOptions {
        TuiOptions {
            lang: pick_language(None),
            config_problems: Vec::new(),
            templates: None,
        }
    }
}

/// Runs the inbox until the user quits, in the locale's language. The terminal is
/// restored however it ends, including on panic.
pub async fn run(ctx: TuiContext) -> anyhow::Result<()> {
    run_with(ctx, TuiOptions::from_env()).await
}

/// [`run`] with explicit options.
pub async fn run_with(ctx: TuiContext, options: TuiOptions) -> anyhow::Result<()> {
    let (mut terminal, guard) = terminal::enter()?;
    let result = event_loop::run(&mut terminal, ctx, options).await;
    drop(guard);
    result
}
