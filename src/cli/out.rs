//! Standard output for commands: a reader that closes the pipe early (`| head -1`) ends
//! the command quietly with status 0, never a panic (`println!` panics on EPIPE) and never
//! an error message. docs/cli.md documents the behaviour.

use std::io::{self, Write};

/// Writes `text` to standard output and flushes it. A closed pipe exits the process with
/// status 0 at once: nothing more can be read, so there is nothing left to do.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    quiet_on_closed_pipe(written)
}

/// [`print`] with a newline after `text`.
pub fn line(text: &str) -> io::Result<()> {
    let mut owned = String::with_capacity(text.len() + 1);
    owned.push_str(text);
    owned.push('\n');
    print(&owned)
}

/// Standard output as a `Write` for streaming commands (CSV export): a closed pipe ends
/// the process with status 0 like [`print`], whatever the writer's user does with errors.
pub struct Stdout(io::StdoutLock<'static>);

impl Stdout {
    pub fn lock() -> Stdout {
        Stdout(io::stdout().lock())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        quiet_on_closed_pipe(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        quiet_on_closed_pipe(self.0.flush())
    }
}

/// Ends the process with status 0 when `result` failed on a closed pipe.
pub fn quiet_on_closed_pipe<T>(result: io::Result<T>) -> io::Result<T> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// Whether an error was caused by writing to a closed pipe (somewhere in its chain).
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_recognised_through_context() {
        let err = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("writing the CSV");
        assert!(is_closed_pipe(&err));
        assert!(!is_closed_pipe(&anyhow::anyhow!("disk full")));
    }
}
