//! Why the settings refuse a value, in both languages the UI speaks: the settings screen
//! and `agentiq settings set` show it in the UI's, logs keep the English.

/// The reason a section would not be usable with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    en: String,
    ru: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl Refusal {
    pub fn en(&self) -> &str {
        &self.en
    }

    pub fn ru(&self) -> &str {
        &self.ru
    }

    /// The text in the UI's language.
    pub fn text(&self, russian: bool) -> &str {
        if russian {
            &self.ru
        } else {
            &self.en
        }
    }

    /// A value its owning module refuses, in its words.
    pub(crate) fn worded(en: String, ru: String) -> Refusal {
        Refusal { ru, en }
    }

    /// A value of the wrong shape (serde's wording, which is English).
    pub(crate) fn decode(e: &serde_json::Error) -> Refusal {
        let en = e.to_string();
        Refusal {
            ru: serde_in_russian(&en),
            en,
        }
    }

    /// A template the drafts could not use.
    pub(crate) fn templates(e: &crate::ai::templates::TemplateError) -> Refusal {
        let en = e.to_string();
        Refusal {
            ru: templates_in_russian(&en),
            en,
        }
    }
}

/// serde's few messages, in Russian; what it quotes (values, names) stays as it is.
fn serde_in_russian(en: &str) -> String {
    let pair = |rest: &str| -> (String, String) {
        match rest.rsplit_once(", expected ") {
            Some((got, want)) => (got_ru(got), want_ru(want)),
            None => (got_ru(rest), String::new()),
        }
    };
    let with_want = |head: &str, got: String, want: String| {
        if want.is_empty() {
            format!("{head}: {got}")
        } else {
            format!("{head}: {got}, нужно {want}")
        }
    };
    if let Some(rest) = en.strip_prefix("invalid type: ") {
        let (got, want) = pair(rest);
        with_want("неверный тип", got, want)
    } else if let Some(rest) = en.strip_prefix("invalid value: ") {
        let (got, want) = pair(rest);
        with_want("недопустимое значение", got, want)
    } else if let Some(rest) = en.strip_prefix("unknown variant ") {
        match rest.split_once(", expected ") {
            Some((name, options)) => format!(
                "неизвестное значение {name}, допустимы: {}",
                options.trim_start_matches("one of ").replace(" or ", ", ")
            ),
            None => format!("неизвестное значение {rest}"),
        }
    } else if let Some(rest) = en.strip_prefix("unknown field ") {
        let name = rest.split(", expected").next().unwrap_or(rest);
        format!("неизвестное поле {name}")
    } else if let Some(rest) = en.strip_prefix("missing field ") {
        format!("не хватает поля {rest}")
    } else if let Some(rest) = en.strip_prefix("invalid length ") {
        let (got, want) = pair(rest);
        with_want("неверная длина", got, want)
    } else {
        format!("значение не подходит: {en}")
    }
}

fn got_ru(got: &str) -> String {
    let unquote = |s: &str| s.trim_matches('`').to_string();
    if let Some(v) = got.strip_prefix("integer ") {
        format!("число {}", unquote(v))
    } else if let Some(v) = got.strip_prefix("floating point ") {
        format!("число {}", unquote(v))
    } else if let Some(v) = got.strip_prefix("string ") {
        format!("строка {v}")
    } else if let Some(v) = got.strip_prefix("boolean ") {
        format!("да/нет ({})", unquote(v))
    } else {
        match got {
            "sequence" => "список".into(),
            "map" => "таблица".into(),
            "null" => "пусто".into(),
            other => other.to_string(),
        }
    }
}

fn want_ru(want: &str) -> String {
    match want {
        "u8" => "целое число от 0 до 255".into(),
        "u16" => "целое число от 0 до 65535".into(),
        "u32" => "целое число от 0 до 4294967295".into(),
        "u64" | "usize" => "целое число не меньше 0".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "целое число".into(),
        "f32" | "f64" => "число".into(),
        "a boolean" => "да/нет".into(),
        "a string" => "строка".into(),
        "a sequence" => "список".into(),
        "a map" => "таблица".into(),
        other => other.to_string(),
    }
}

/// The template checks' messages, in Russian.
fn templates_in_russian(en: &str) -> String {
    if let Some(rest) = en.strip_prefix("templates are not valid TOML: ") {
        return format!("шаблоны — не TOML: {rest}");
    }
    let rest = en.strip_prefix("template problem: ").unwrap_or(en);
    let detail = |d: &str| -> String {
        if let Some(k) = d.strip_prefix("unknown placeholder ") {
            format!("неизвестная подстановка {k}")
        } else if let Some(k) = d.strip_suffix(" is not available here") {
            format!("{k} здесь недоступна")
        } else if d == "stray '}'" {
            "лишняя «}»".into()
        } else if d == "unclosed '{'" {
            "незакрытая «{»".into()
        } else if d == "nested '{'" {
            "вложенная «{»".into()
        } else if let Some(tail) = d.strip_prefix("needs at least one wording without ") {
            format!(
                "нужна хотя бы одна формулировка без {}",
                tail.replace(" or ", " или ")
            )
        } else {
            d.to_string()
        }
    };
    // "<list>: «<wording>»: <problem>" or "<list>: <problem>".
    match rest.rsplit_once(": ") {
        Some((head, problem)) => format!("шаблон {head}: {}", detail(problem)),
        None => format!("шаблон: {}", detail(rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_read_in_russian() {
        let e = serde_json::from_value::<u8>(serde_json::json!(300)).unwrap_err();
        assert_eq!(
            Refusal::decode(&e).ru(),
            "недопустимое значение: число 300, нужно целое число от 0 до 255"
        );
        let e = serde_json::from_value::<u32>(serde_json::json!(-1)).unwrap_err();
        assert_eq!(
            Refusal::decode(&e).ru(),
            "недопустимое значение: число -1, нужно целое число от 0 до 4294967295"
        );
        let e = serde_json::from_value::<bool>(serde_json::json!("x")).unwrap_err();
        assert_eq!(
            Refusal::decode(&e).ru(),
            "неверный тип: строка \"x\", нужно да/нет"
        );
    }

    #[test]
    fn template_messages_read_in_russian() {
        assert_eq!(
            templates_in_russian(
                "template problem: greetings.named: «Привет, {nme}»: unknown placeholder {nme}"
            ),
            "шаблон greetings.named: «Привет, {nme}»: неизвестная подстановка {nme}"
        );
        assert_eq!(
            templates_in_russian("template problem: greetings.anonymous: needs at least one wording without {product}, {brand} or {spec}"),
            "шаблон greetings.anonymous: нужна хотя бы одна формулировка без {product}, {brand} или {spec}"
        );
    }
}
