//! Editing a reply in the user's own editor: the text goes to a temporary file, `$VISUAL`
//! or `$EDITOR` (else `vi`) edits it with the terminal to itself, and the file's text
//! comes back. The event loop pauses input and restores the screen around this.

use std::io::Write as _;
use std::process::Command;

/// The editor command line: `VISUAL`, then `EDITOR`, then `vi`, split on whitespace
/// (`code --wait` works; quoting is not interpreted).
pub fn editor_command(env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| env(name))
        .map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .find(|words| !words.is_empty())
        .unwrap_or_else(|| vec!["vi".to_string()])
}

/// Runs the editor on `text` and returns the edited text. Blocks until the editor exits;
/// run it off the async task, with the terminal suspended.
pub fn edit(text: &str) -> Result<String, String> {
    edit_with(text, &editor_command(&|name| std::env::var(name).ok()))
}

/// The text the editor gave back as it goes into the reply or list editor: the file's
/// text exactly (control characters and escapes dropped, CRLF read as a line break),
/// without the line ends editors put at the end of a file — so the last line is not
/// followed by an empty one, and nothing is glued to it.
pub fn returned_text(file_text: &str) -> String {
    super::sanitize::block(file_text)
        .trim_end_matches('\n')
        .to_string()
}

/// [`edit`] with the command given.
pub fn edit_with(text: &str, command: &[String]) -> Result<String, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "no editor command".to_string())?;
    let mut file = tempfile::Builder::new()
        .prefix("agentiq-reply-")
        .suffix(".txt")
        .tempfile()
        .map_err(|e| format!("temporary file: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("temporary file: {e}"))?;
    let status = Command::new(program)
        .args(args)
        .arg(file.path())
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    if !status.success() {
        return Err(format!("{program} exited with {status}"));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("reading the text back: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_then_editor_then_vi() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(editor_command(&env(&[("EDITOR", "nano")])), ["nano"]);
        assert_eq!(
            editor_command(&env(&[("EDITOR", "nano"), ("VISUAL", "code --wait")])),
            ["code", "--wait"]
        );
        assert_eq!(editor_command(&env(&[("VISUAL", "  ")])), ["vi"]);
        assert_eq!(editor_command(&env(&[])), ["vi"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_edited_file_comes_back() {
        let sh = |script: &str| {
            vec![
                "sh".to_string(),
                "-c".to_string(),
                script.to_string(),
                "editor".to_string(),
            ]
        };
        let out = edit_with("Здравствуйте", &sh("printf 'Добрый день\\n' > \"$1\""));
        assert_eq!(out.as_deref(), Ok("Добрый день\n"));
        let kept = edit_with("как было", &sh("true"));
        assert_eq!(kept.as_deref(), Ok("как было"));
        let failed = edit_with("x", &sh("exit 3")).unwrap_err();
        assert!(failed.contains("exit"), "{failed}");
        // What an editor saves — lines, a blank one, the file's final line end — comes
        // back exactly, nothing glued to the last line and no empty line after it.
        let saved = edit_with(
            "черновик",
            &sh("printf 'Первая\\n\\nВторая строка\\n' > \"$1\""),
        )
        .unwrap();
        assert_eq!(saved, "Первая\n\nВторая строка\n");
        assert_eq!(returned_text(&saved), "Первая\n\nВторая строка");
        assert_eq!(returned_text("a\r\nb\r\n"), "a\nb");
        assert_eq!(returned_text("как было"), "как было");
        let missing = edit_with("x", &["/no/such/editor".to_string()]).unwrap_err();
        assert!(missing.starts_with("/no/such/editor: "), "{missing}");
    }
}
