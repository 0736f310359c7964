//! The error a keymap or theme file gives when it cannot be loaded: file, line, message.

use std::fmt;

/// A problem in a configuration file, pointing at the line that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file name as the caller named it (a path, or e.g. "embedded default").
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl LoadError {
    pub fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// An error at byte offset `at` of `text`.
    pub fn at(file: &str, text: &str, at: usize, message: impl Into<String>) -> LoadError {
        LoadError::new(file, Some(line_of(text, at)), message)
    }

    /// Turns a TOML error into one with the line of its span.
    pub fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> LoadError {
        let line = err.span().map(|s| line_of(text, s.start));
        LoadError::new(file, line, err.message().trim())
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// 1-based line number of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let text = "a\nbb\nccc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 5), 3);
        assert_eq!(line_of(text, 999), 3);
    }
}
