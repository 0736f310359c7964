//! The inbox: a keyboard-driven terminal UI over the local store.
//!
//! Shape (see docs/keymap.md and docs/themes.md for the user-facing side):
//!
//! ```text
//! terminal keys ─┐
//! app::Event    ─┼─> event_loop ─> keymap[mode] ─> Action ─> update(&mut AppState) -> Vec<Effect>
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
//! * All UI text lives in [`strings`].

pub mod action;
pub mod event_loop;
pub mod format;
pub mod io;
pub mod keymap;
pub mod layout;
pub mod load_error;
pub mod sanitize;
pub mod state;
pub mod strings;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

pub use action::{Action, Effect, QueueRequest};
pub use io::Runner;
pub use keymap::{KeyPress, Keymap, KeymapError, Layer};
pub use load_error::LoadError;
pub use state::{AppState, Mode, Tab};
pub use theme::{Slot, Theme, ThemeError};
pub use update::update;
pub use view::{draw, ViewCtx};

/// The current time; injected so tests and the simulator can move it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A clock that reads the system time.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Everything the UI needs from the rest of the program.
pub struct TuiContext {
    /// The UI opens its own read-only connection with `store.reader()`.
    pub store: crate::store::Store,
    /// Facts from the background services.
    pub events: UnboundedReceiver<crate::app::Event>,
    /// Requests to the background services.
    pub commands: UnboundedSender<crate::app::Command>,
    /// Usually [`Keymap::embedded_default`], maybe with a user file overlaid.
    pub keymap: Keymap,
    /// Usually [`Theme::embedded_dark`]; `NO_COLOR` is honoured on top of it.
    pub theme: Theme,
    pub clock: Clock,
}

/// Runs the inbox until the user quits. The terminal is restored however it ends,
/// including on panic.
pub async fn run(ctx: TuiContext) -> anyhow::Result<()> {
    let (mut terminal, guard) = terminal::enter()?;
    let result = event_loop::run(&mut terminal, ctx).await;
    drop(guard);
    result
}
