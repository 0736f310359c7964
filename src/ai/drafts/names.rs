//! How a draft names the customer and the product.

/// Generic words that are not a customer's name.
const NOT_NAMES: &[&str] = &[
    "покупатель",
    "покупательница",
    "пользователь",
    "клиент",
    "аноним",
    "анонимно",
    "гость",
    "имя",
    "нет",
    "скрыто",
    "user",
    "buyer",
    "customer",
    "client",
    "guest",
    "noname",
    "name",
    "anonymous",
    "wb",
    "ozon",
];

/// A customer's first name fit for a greeting ("анна" → "Анна"), or `None` for a
/// missing, generic or odd one.
pub fn clean_name(raw: Option<&str>) -> Option<String> {
    let first = raw?
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .find(|w| !w.is_empty())?;
    if !first.chars().all(|c| c.is_alphabetic() || c == '-') {
        return None;
    }
    let n = first.chars().count();
    let latin = first.chars().any(|c| c.is_ascii_alphabetic());
    let cyrillic = first.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'));
    if !(2..=20).contains(&n)
        || (latin && cyrillic)
        || first.starts_with('-')
        || first.ends_with('-')
    {
        return None;
    }
    let lower = first.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) {
        return None;
    }
    Some(
        lower
            .split('-')
            .map(capitalize)
            .collect::<Vec<_>>()
            .join("-"),
    )
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The product's name as a draft mentions it: up to the first ", " (never inside "1,5"),
/// at most 60 characters on a word boundary, in «guillemets».
pub fn short_product_name(name: &str) -> String {
    let base = name.split(", ").next().unwrap_or(name).trim();
    let base: String = base
        .chars()
        .filter(|c| !matches!(c, '«' | '»' | '"'))
        .collect();
    let mut out = String::new();
    for word in base.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > 60 && !out.is_empty() {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out = out
        .trim_end_matches([',', '.', ';', ':', '—', '-', ' '])
        .to_string();
    format!("«{out}»")
}
