//! Logging for the short reading commands (`list`, `search`, `show`): the log file is
//! opened when the first line is logged, and lines are written as they come. A read that
//! goes well logs nothing, so it opens no file, starts no writer thread and waits for no
//! thread at exit: that set-up cost more than the read of a page (docs/performance.md).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tracing_appender::rolling::{RollingFileAppender, RollingWriter, Rotation};
use tracing_subscriber::fmt::writer::{EitherWriter, MakeWriter};

/// Sends `tracing` output to the daily file in `log_dir`, opened on first use; lines
/// are dropped when the folder or the file cannot be made (the command itself is not
/// stopped for a log line).
pub fn init_lazy_logging(log_dir: &Path) {
    let writer = LazyFile {
        dir: log_dir.to_path_buf(),
        file: OnceLock::new(),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(super::log_filter())
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
}

struct LazyFile {
    dir: PathBuf,
    file: OnceLock<Option<RollingFileAppender>>,
}

impl LazyFile {
    fn open(&self) -> Option<RollingFileAppender> {
        std::fs::create_dir_all(&self.dir).ok()?;
        RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(super::LOG_FILE_PREFIX)
            .build(&self.dir)
            .ok()
    }
}

impl<'a> MakeWriter<'a> for LazyFile {
    type Writer = EitherWriter<RollingWriter<'a>, io::Sink>;

    fn make_writer(&'a self) -> Self::Writer {
        match self.file.get_or_init(|| self.open()) {
            Some(file) => EitherWriter::A(file.make_writer()),
            None => EitherWriter::B(io::sink()),
        }
    }
}

/// Writes `line` through `writer` as the subscriber would (tests).
#[cfg(test)]
fn write_line(writer: &LazyFile, line: &str) -> io::Result<()> {
    io::Write::write_all(&mut writer.make_writer(), line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_made_on_the_first_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let writer = LazyFile {
            dir: logs.clone(),
            file: OnceLock::new(),
        };
        assert!(!logs.exists(), "nothing logged, no folder");
        write_line(&writer, "first\n").unwrap();
        write_line(&writer, "second\n").unwrap();
        let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].path()).unwrap();
        assert_eq!(text, "first\nsecond\n");
    }

    #[test]
    fn a_folder_that_cannot_be_made_drops_the_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let writer = LazyFile {
            dir: file.join("logs"),
            file: OnceLock::new(),
        };
        write_line(&writer, "lost\n").unwrap();
    }
}
