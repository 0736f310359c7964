//! Entering and leaving the full-screen terminal, and putting it back however the UI
//! ends: normal return, error, or panic.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use anyhow::{Context, Result};
use crossterm::cursor::{Hide, Show};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, BeginSynchronizedUpdate, EndSynchronizedUpdate,
    EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::{Frame, Terminal};

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is in the UI's state and needs restoring.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// Restores the terminal when dropped.
pub struct Guard {
    _private: (),
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Switches to raw mode and the alternate screen. Keep the guard alive while the UI runs.
pub fn enter() -> Result<(Tui, Guard)> {
    install_panic_hook();
    let guard = Guard { _private: () };
    take_over()?;
    let terminal =
        Terminal::new(CrosstermBackend::new(io::stdout())).context("starting the terminal UI")?;
    Ok((terminal, guard))
}

fn take_over() -> Result<()> {
    ACTIVE.store(true, Ordering::SeqCst);
    enable_raw_mode().context("switching the terminal to raw mode")?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableMouseCapture,
        Hide
    )
    .context("entering the alternate screen")?;
    Ok(())
}

/// Leaves raw mode and the alternate screen; does nothing when already restored.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            DisableMouseCapture,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            Show
        );
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Gives the terminal back for a while (to `$EDITOR`): the normal screen, cooked mode.
pub fn suspend() {
    restore();
}

/// Takes the terminal again after [`suspend`] and makes the next draw repaint it all.
pub fn resume(terminal: &mut Tui) -> Result<()> {
    take_over()?;
    terminal.clear().context("clearing the screen")?;
    Ok(())
}

/// A panic restores the terminal first, so the report is readable.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Draws one frame inside a synchronized update, so the terminal shows it at once.
pub fn draw(terminal: &mut Tui, render: impl FnOnce(&mut Frame<'_>)) -> Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = terminal.draw(render).map(|_| ());
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    drawn.context("drawing the screen")
}
