/// Number of Unicode scalar values, which is how the marketplaces count reply length.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// The first non-empty line of a text, trimmed; used for one-line previews.
pub fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cyrillic_as_single_characters() {
        assert_eq!(char_count("Привет"), 6);
    }

    #[test]
    fn first_line_skips_blank_lines() {
        assert_eq!(first_line("\n  \n  Плед супер  \nвторая"), "Плед супер");
        assert_eq!(first_line(""), "");
    }
}
