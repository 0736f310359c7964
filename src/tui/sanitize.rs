//! Makes untrusted text (customers, products, server messages) inert before it reaches a
//! terminal cell.
//!
//! Removed: escape sequences (CSI, OSC, DCS, SOS, PM, APC, in 7- and 8-bit form, with
//! their payload), every other C0/C1 control character, bidi embeddings, overrides and
//! isolates, and invisible format characters. Tabs become a space; line breaks are kept
//! in block text and become a space in one-line text. Output is bounded in length.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

/// Longest one-line text kept, in characters.
pub const MAX_LINE_CHARS: usize = 1_000;
/// Longest block text kept, in characters.
pub const MAX_BLOCK_CHARS: usize = 20_000;

/// Untrusted text for a single line: no line breaks, at most [`MAX_LINE_CHARS`].
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, false, MAX_LINE_CHARS)
}

/// Untrusted text that may span lines: `\n` kept, at most [`MAX_BLOCK_CHARS`].
pub fn block(s: &str) -> Cow<'_, str> {
    clean(s, true, MAX_BLOCK_CHARS)
}

/// Invisible or direction-changing characters that have no place in displayed text.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'                  // soft hyphen
        | '\u{061C}'                // Arabic letter mark
        | '\u{180E}'                // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // bidi isolates
        | '\u{206A}'..='\u{206F}'   // deprecated format characters
        | '\u{FEFF}'                // zero-width no-break space / BOM
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
    )
}

fn needs_cleaning(c: char, keep_newlines: bool) -> bool {
    (c.is_control() && !(keep_newlines && c == '\n'))
        || is_invisible_format(c)
        || c == '\u{2028}'
        || c == '\u{2029}'
}

/// How an escape sequence that started ends.
#[derive(Clone, Copy)]
enum Skip {
    /// CSI: parameter and intermediate bytes, then one final byte 0x40..=0x7E.
    Csi,
    /// OSC, DCS, SOS, PM, APC: a string ended by ST (ESC \ or 0x9C) or BEL.
    Str,
}

fn clean(s: &str, keep_newlines: bool, max_chars: usize) -> Cow<'_, str> {
    let fits = s.len() <= max_chars || s.chars().count() <= max_chars;
    if fits && !s.chars().any(|c| needs_cleaning(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut kept = 0usize;
    let mut truncated = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match step(c, &mut chars, keep_newlines) {
            Step::Emit(_) if kept >= max_chars => {
                truncated = true;
                break;
            }
            Step::Emit(c) => {
                out.push(c);
                kept += 1;
            }
            Step::Skip(skip) => skip_sequence(skip, &mut chars),
            Step::Drop => {}
        }
    }
    if truncated {
        out.pop();
        out.push('…');
    }
    Cow::Owned(out)
}

/// What becomes of one character of the input.
enum Step {
    /// Shown as this character (a tab as a space, a line break as the mode wants it).
    Emit(char),
    /// The start of an escape sequence: it and the rest of the sequence are dropped.
    Skip(Skip),
    /// Dropped alone.
    Drop,
}

/// What `c` becomes; an ESC takes the character after it, a CR looks at the next.
fn step(c: char, chars: &mut Peekable<Chars<'_>>, keep_newlines: bool) -> Step {
    match c {
        '\u{1B}' => match chars.next() {
            Some('[') => Step::Skip(Skip::Csi),
            Some(']' | 'P' | 'X' | '^' | '_') => Step::Skip(Skip::Str),
            // A two-character escape (ESC c, ESC 7, ...): both dropped.
            _ => Step::Drop,
        },
        '\u{9B}' => Step::Skip(Skip::Csi),
        '\u{9D}' | '\u{90}' | '\u{98}' | '\u{9E}' | '\u{9F}' => Step::Skip(Skip::Str),
        '\t' => Step::Emit(' '),
        // CR LF is one break: the LF makes it.
        '\r' if chars.peek() == Some(&'\n') => Step::Drop,
        '\r' | '\n' | '\u{2028}' | '\u{2029}' => Step::Emit(line_break(keep_newlines)),
        c if c.is_control() || is_invisible_format(c) => Step::Drop,
        c => Step::Emit(c),
    }
}

/// Drops the rest of an escape sequence, up to and including its end.
fn skip_sequence(skip: Skip, chars: &mut Peekable<Chars<'_>>) {
    match skip {
        Skip::Csi => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7E}').contains(&c) {
                    break;
                }
            }
        }
        Skip::Str => {
            while let Some(c) = chars.next() {
                if c == '\u{07}' || c == '\u{9C}' {
                    break;
                }
                if c == '\u{1B}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
    }
}

fn line_break(keep_newlines: bool) -> char {
    if keep_newlines {
        '\n'
    } else {
        ' '
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_inert(s: &str) {
        assert!(
            !s.chars()
                .any(|c| (c.is_control() && c != '\n') || is_invisible_format(c)),
            "{s:?} still holds a control or format character"
        );
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(line("Плед 150×200 ★ 😀"), Cow::Borrowed(_)));
        assert!(matches!(block("две\nстроки"), Cow::Borrowed(_)));
    }

    #[test]
    fn clear_screen_is_removed() {
        let s = line("до\u{1B}[2Jпосле\u{1B}[1;31mкрасный\u{1B}[0m");
        assert_eq!(s, "допослекрасный");
        assert_inert(&s);
    }

    #[test]
    fn osc_52_clipboard_write_is_removed_with_its_payload() {
        let bel = line("a\u{1B}]52;c;cm0gLXJmIH4=\u{07}b");
        assert_eq!(bel, "ab");
        let st = line("a\u{1B}]52;c;cm0gLXJmIH4=\u{1B}\\b");
        assert_eq!(st, "ab");
        let title = line("x\u{1B}]0;pwned\u{9C}y");
        assert_eq!(title, "xy");
    }

    #[test]
    fn dcs_and_eight_bit_controls_are_removed() {
        assert_eq!(line("a\u{1B}Pq#0;2;0;0;0\u{1B}\\b"), "ab");
        assert_eq!(line("a\u{9B}31mb"), "ab");
        assert_eq!(line("a\u{85}b\u{1B}cc"), "abc");
        // An unterminated sequence swallows the rest instead of leaking it.
        assert_eq!(line("ok\u{1B}]8;;http://evil"), "ok");
    }

    #[test]
    fn bidi_overrides_and_invisibles_are_removed() {
        let s = line("отзыв \u{202E}txt.exe\u{202C} \u{2066}x\u{2069}\u{200B}\u{FEFF}\u{200F}");
        assert_eq!(s, "отзыв txt.exe x");
        assert_inert(&s);
    }

    #[test]
    fn tabs_and_newlines() {
        assert_eq!(line("a\tb\r\nc\rd\ne"), "a b c d e");
        assert_eq!(block("a\tb\r\nc\rd\ne\u{0}"), "a b\nc\nd\ne");
    }

    #[test]
    fn long_text_is_bounded() {
        let long = "я".repeat(MAX_LINE_CHARS + 50);
        let s = line(&long);
        assert_eq!(s.chars().count(), MAX_LINE_CHARS);
        assert!(s.ends_with('…'));
        let exact = "я".repeat(MAX_LINE_CHARS);
        assert_eq!(line(&exact), exact.as_str());
    }
}
