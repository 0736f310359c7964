//! The event loop: terminal input, background events and a 1 s tick in, one coalesced
//! draw out, only when something visible changed and at most 60 times a second
//! ([`Frames`]).

use std::time::Duration;

use anyhow::Result;
use crossterm::event::{Event as TermEvent, EventStream, MouseButton, MouseEventKind};
use futures::StreamExt;
use ratatui_textarea::Input;
use tokio::sync::mpsc::{self, error::TryRecvError};

use super::action::{Action, MouseInput, MouseKind};
use super::editor_handoff;
use super::frames::Frames;
use super::io::Runner;
use super::keymap::{KeyInput, KeyPress, Keymap, Layer, Resolution};
use super::state::{AppState, Mode};
use super::strings::Strings;
use super::terminal::{self, Tui};
use super::theme::ColorSupport;
use super::view::{self, ViewCtx};
use super::{TuiContext, TuiOptions};

/// Runs the UI on `terminal` until the user quits or input ends.
pub async fn run(terminal: &mut Tui, ctx: TuiContext, options: TuiOptions) -> Result<()> {
    let TuiContext {
        store,
        mut events,
        commands,
        keymap,
        theme,
        clock,
    } = ctx;
    let theme = theme.for_terminal(ColorSupport::detect());
    let mut runner = Runner::new(&store, commands)?;
    let mut job_results = runner
        .take_job_results()
        .ok_or_else(|| anyhow::anyhow!("the runner's job results were already taken"))?;
    let mut state = first_state(clock(), &options, &theme);
    for problem in options.config_problems {
        runner.dispatch(&mut state, Action::ConfigProblem(problem), false);
    }
    let size = terminal.size()?;
    runner.start(&mut state, size.width, size.height);

    let view_ctx = ViewCtx {
        theme: &theme,
        keymap: &keymap,
        strings: Strings::for_lang(options.lang),
    };
    let mut input = spawn_input_reader();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut events_open = true;
    let mut input_open = true;
    let mut terminate = Box::pin(termination_signal());
    let mut inbox = Inbox::new(state, runner, &keymap);

    let result = loop {
        let drawn = inbox.draw_if_due(std::time::Instant::now(), |state| {
            terminal::draw(terminal, |f| view::draw(f, state, &view_ctx))
        });
        if let Err(e) = drawn {
            break Err(e);
        }
        if inbox.state.quit || !input_open {
            break Ok(());
        }
        tokio::select! {
            next = input.events.recv() => match next {
                Some(Ok(ev)) => inbox.terminal_event(ev),
                Some(Err(e)) => break Err(e.into()),
                None => input_open = false,
            },
            ev = events.recv(), if events_open => match ev {
                Some(ev) => inbox.background(ev),
                // The background services are gone: stop listening, keep the UI.
                None => events_open = false,
            },
            Some(action) = job_results.recv() => inbox.job_finished(action),
            _ = tick.tick() => inbox.tick(clock()),
            _ = until(inbox.runner.check_due_at()) => inbox.runner.start_check(),
            _ = until(inbox.frames.due_at()) => {}
            _ = &mut terminate => inbox.state.quit = true,
        }
        // Take everything else that is ready before drawing again.
        let mut sources = Sources {
            input: &mut input,
            input_open: &mut input_open,
            events: &mut events,
            events_open: &mut events_open,
        };
        if let Err(e) = sources.drain_into(&mut inbox) {
            break Err(e.into());
        }
        inbox.flush_reads();
        if let Err(e) = inbox.external_editor(terminal, &mut input).await {
            break Err(e);
        }
    };
    input.task.abort();
    result
}

/// The state the UI starts from: this session's id, the local time zone, the language,
/// templates and theme of the options.
fn first_state(
    now: chrono::DateTime<chrono::Utc>,
    options: &TuiOptions,
    theme: &super::theme::Theme,
) -> AppState {
    let session = format!(
        "{}-{}",
        std::process::id(),
        now.timestamp_nanos_opt().unwrap_or_else(|| now.timestamp())
    );
    let tz = *chrono::Local::now().offset();
    let mut state = AppState::new(now, session, tz);
    state.lang = options.lang;
    state.templates = options.templates.clone();
    state.finding_highlight = theme.style(super::theme::Slot::EditorFindingSpan);
    state
}

/// Where the loop's wake-ups come from besides the tick and job answers.
struct Sources<'a> {
    input: &'a mut InputReader,
    input_open: &'a mut bool,
    events: &'a mut mpsc::UnboundedReceiver<crate::protocol::Event>,
    events_open: &'a mut bool,
}

impl Sources<'_> {
    /// Applies every terminal and background event already waiting, until none is
    /// left or the user quit; an input error ends the loop.
    fn drain_into(&mut self, inbox: &mut Inbox<'_>) -> std::io::Result<()> {
        loop {
            let mut more = false;
            while *self.input_open && !inbox.state.quit {
                match self.input.events.try_recv() {
                    Ok(Ok(ev)) => {
                        inbox.terminal_event(ev);
                        more = true;
                    }
                    Ok(Err(e)) => return Err(e),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => *self.input_open = false,
                }
            }
            while *self.events_open {
                match self.events.try_recv() {
                    Ok(ev) => {
                        inbox.background(ev);
                        more = true;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => *self.events_open = false,
                }
            }
            if !more || inbox.state.quit {
                return Ok(());
            }
        }
    }
}

/// The inbox between the event loop's waits: what each wake-up does to the state, and
/// whether the screen must be drawn for it ([`Frames`]). Every input, background event
/// and job answer marks the screen dirty; a tick only when it changed something visible.
pub struct Inbox<'k> {
    pub state: AppState,
    pub runner: Runner,
    pub frames: Frames,
    keymap: &'k Keymap,
    keys: KeyInput,
}

impl<'k> Inbox<'k> {
    /// Hands the terminal to the external editor when the reply asked for it, then
    /// takes it back with fresh keys and a full redraw.
    async fn external_editor(&mut self, terminal: &mut Tui, input: &mut InputReader) -> Result<()> {
        if let Some(text) = self.runner.take_external_editor() {
            hand_off(terminal, input, text, &mut self.state, &mut self.runner).await?;
            self.keys.reset();
            self.frames.mark();
        }
        Ok(())
    }

    /// Dirty at first: the first frame is drawn whatever comes before it.
    pub fn new(state: AppState, runner: Runner, keymap: &'k Keymap) -> Inbox<'k> {
        Inbox {
            state,
            runner,
            frames: Frames::default(),
            keymap,
            keys: KeyInput::default(),
        }
    }

    /// A key, a paste, a click or a resize.
    pub fn terminal_event(&mut self, ev: TermEvent) {
        on_terminal(
            ev,
            &mut self.state,
            &mut self.runner,
            self.keymap,
            &mut self.keys,
        );
        self.frames.mark();
    }

    /// A fact from the background services; its reads wait for [`Inbox::flush_reads`].
    pub fn background(&mut self, ev: crate::protocol::Event) {
        self.runner
            .dispatch(&mut self.state, Action::Background(ev), true);
        self.frames.mark();
    }

    /// The answer of a read or check that ran off the UI task.
    pub fn job_finished(&mut self, action: Action) {
        self.runner.job_finished(&mut self.state, action);
        self.frames.mark();
    }

    /// The 1 s tick: dirty only when it changed something on screen.
    pub fn tick(&mut self, now: chrono::DateTime<chrono::Utc>) {
        if on_tick(&mut self.state, &mut self.runner, now) {
            self.frames.mark();
        }
    }

    /// Performs the reads a burst of background events asked for.
    pub fn flush_reads(&mut self) {
        if self.runner.has_deferred() {
            self.runner.flush(&mut self.state);
            self.frames.mark();
        }
    }

    /// Draws with `draw` when the screen is dirty and the frame gap has passed; returns
    /// whether it drew.
    pub fn draw_if_due(
        &mut self,
        now: std::time::Instant,
        draw: impl FnOnce(&AppState) -> Result<()>,
    ) -> Result<bool> {
        if !self.frames.take_due(now) {
            return Ok(false);
        }
        draw(&self.state)?;
        Ok(true)
    }
}

/// Applies the 1 s tick; returns whether anything on screen changed: a clock text on
/// screen reads differently, a notice expired, or the tick re-read something.
pub fn on_tick(
    state: &mut AppState,
    runner: &mut Runner,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let face = view::clock::clock_face(state);
    let notice = state.notice.clone();
    let loads = runner.loads();
    runner.dispatch(state, Action::Tick(now), true);
    face != view::clock::clock_face(state)
        || notice != state.notice
        || loads != runner.loads()
        || runner.has_deferred()
}

/// Resolves at `at`, or never when there is nothing to wait for.
async fn until(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The next action from work done off the UI thread; never, once that channel is gone.
/// Hands the terminal to `$EDITOR`: stops reading input (so no key is stolen from the
/// editor), leaves the alternate screen, runs the editor, takes the terminal back and
/// repaints, then starts reading input again.
async fn hand_off(
    terminal: &mut Tui,
    input: &mut InputReader,
    text: String,
    state: &mut AppState,
    runner: &mut Runner,
) -> Result<()> {
    input.task.abort();
    let _ = (&mut input.task).await;
    terminal::suspend();
    let result = tokio::task::spawn_blocking(move || editor_handoff::edit(&text))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    terminal::resume(terminal)?;
    *input = spawn_input_reader();
    runner.dispatch(state, Action::ExternalEdited(result), false);
    Ok(())
}

/// Terminal events, read by their own task so the loop can wait on a channel and drain it
/// without polling the terminal.
struct InputReader {
    events: mpsc::UnboundedReceiver<std::io::Result<TermEvent>>,
    task: tokio::task::JoinHandle<()>,
}

fn spawn_input_reader() -> InputReader {
    let (tx, events) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut stream = EventStream::new();
        while let Some(ev) = stream.next().await {
            let failed = ev.is_err();
            if tx.send(ev).is_err() || failed {
                break;
            }
        }
    });
    InputReader { events, task }
}

/// Turns one terminal event into actions.
fn on_terminal(
    ev: TermEvent,
    state: &mut AppState,
    runner: &mut Runner,
    keymap: &Keymap,
    keys: &mut KeyInput,
) {
    match ev {
        TermEvent::Key(key_event) => {
            let Some(key) = KeyPress::from_event(&key_event) else {
                return;
            };
            // Keys act on what is on screen, so pending reads go first.
            if runner.has_deferred() {
                runner.flush(state);
            }
            match keys.feed(keymap, Layer::for_mode(state.mode), key) {
                Resolution::Action(action) => runner.dispatch(state, action, false),
                Resolution::Pending => {}
                Resolution::Unbound => {
                    let input = Input::from(key_event);
                    let action = match state.mode {
                        Mode::Editor => Action::EditorInput(input),
                        Mode::Prompt => Action::PromptInput(input),
                        Mode::Help => Action::HelpInput(input),
                        Mode::Override => Action::OverrideInput(input),
                        _ => return,
                    };
                    runner.dispatch(state, action, false);
                }
            }
        }
        TermEvent::Paste(text) => runner.dispatch(state, Action::Paste(text), false),
        TermEvent::Resize(width, height) => {
            runner.dispatch(state, Action::Resize { width, height }, false)
        }
        TermEvent::Mouse(mouse) => {
            let kind = match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
                MouseEventKind::ScrollUp => MouseKind::WheelUp,
                MouseEventKind::ScrollDown => MouseKind::WheelDown,
                _ => return,
            };
            if runner.has_deferred() {
                runner.flush(state);
            }
            let input = MouseInput {
                kind,
                column: mouse.column,
                row: mouse.row,
            };
            runner.dispatch(state, Action::Mouse(input), false);
        }
        _ => {}
    }
}

/// Resolves when the process is asked to stop (SIGTERM, SIGHUP); raw mode turns Ctrl-C
/// into a key, which the keymap handles.
async fn termination_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        match (term, hup) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = hup.recv() => {},
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}
