//! The exit codes of every command, one meaning each (docs/cli.md has the table).
//!
//! Commands return `anyhow::Error`s; one whose chain holds a [`Failure`] exits with that
//! failure's code, any other error with [`Exit::Internal`]'s. `check` keeps 0/1/2 for
//! pass/warn/block (`reply` exits 2 too when the guardrails block it: one meaning) and
//! `claim` 3 for "nothing left".

use std::fmt;

/// Process exit codes (sysexits.h where one fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// The guardrails block the reply: `check`'s verdict, and `reply` refusing to queue.
    /// One meaning in both commands.
    Blocked = 2,
    /// `claim`: no item is left to claim.
    NothingLeft = 3,
    /// A usage error or a bad value on the command line (EX_USAGE).
    Usage = 64,
    /// The input data is wrong: a file that does not parse, an unknown item (EX_DATAERR).
    Data = 65,
    /// Something needed is not available now: the network, a host, a lock (EX_UNAVAILABLE).
    Unavailable = 69,
    /// A bug or an unexpected failure (EX_SOFTWARE).
    Internal = 70,
    /// The configuration is missing or wrong (EX_CONFIG).
    Config = 78,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// The kind of a failure a caller (and the shell) can act on. Attach one to an error with
/// [`fail`] or `.context(Failure::Config)`-style wrapping through [`FailureExt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The guardrails blocked a reply (exit 2, as `check` reports a block).
    #[error("blocked")]
    Blocked,
    #[error("usage")]
    Usage,
    #[error("bad data")]
    Data,
    #[error("unavailable")]
    Unavailable,
    #[error("configuration")]
    Config,
    /// Nothing is left to claim (exit 3).
    #[error("nothing left")]
    NothingLeft,
}

impl Failure {
    pub fn exit(self) -> Exit {
        match self {
            Failure::Blocked => Exit::Blocked,
            Failure::Usage => Exit::Usage,
            Failure::Data => Exit::Data,
            Failure::Unavailable => Exit::Unavailable,
            Failure::Config => Exit::Config,
            Failure::NothingLeft => Exit::NothingLeft,
        }
    }
}

/// An error of a known kind with its message: `Err(fail(Failure::Usage, "…"))`.
pub fn fail(kind: Failure, message: impl fmt::Display) -> anyhow::Error {
    anyhow::Error::new(kind).context(message.to_string())
}

/// Marks any error with a kind, keeping its message and chain.
pub trait FailureExt<T> {
    fn kind(self, kind: Failure) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> FailureExt<T> for Result<T, E> {
    fn kind(self, kind: Failure) -> anyhow::Result<T> {
        self.map_err(|e| {
            let err: anyhow::Error = e.into();
            let message = format!("{err:#}");
            anyhow::Error::new(kind).context(message)
        })
    }
}

/// The exit code for an error: the first [`Failure`] in its chain, else internal.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<Failure>())
        .map(|kind| kind.exit())
        .unwrap_or(Exit::Internal)
}

/// How an error reads on stderr: its messages without the bare kind word that
/// [`fail`] puts at the bottom of the chain.
pub fn message_for(err: &anyhow::Error) -> String {
    err.chain()
        .filter(|cause| cause.downcast_ref::<Failure>().is_none())
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_anywhere_in_the_chain_decides_the_code() {
        let err = fail(Failure::Config, "no config.toml").context("starting the inbox");
        assert_eq!(exit_for(&err), Exit::Config);
        assert_eq!(message_for(&err), "starting the inbox: no config.toml");
    }

    #[test]
    fn an_unmarked_error_is_internal() {
        let err = anyhow::anyhow!("boom");
        assert_eq!(exit_for(&err), Exit::Internal);
    }

    #[test]
    fn marking_keeps_the_message() {
        let result: Result<(), std::io::Error> = Err(std::io::Error::other("refused"));
        let err = result.kind(Failure::Unavailable).unwrap_err();
        assert_eq!(exit_for(&err), Exit::Unavailable);
        assert_eq!(message_for(&err), "refused");
    }

    #[test]
    fn codes_are_distinct() {
        let codes = [
            Exit::Ok,
            Exit::Blocked,
            Exit::Usage,
            Exit::Data,
            Exit::Unavailable,
            Exit::Internal,
            Exit::Config,
            Exit::NothingLeft,
        ]
        .map(Exit::code);
        let mut sorted = codes.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        // 1 is `check`'s warn; 3 is `claim`'s "nothing left" and nothing else's.
        assert!(!codes.contains(&1));
        assert_eq!(Exit::NothingLeft.code(), 3);
    }
}
