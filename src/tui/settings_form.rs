//! The settings screen's generic field editor: a section is walked as its JSON value, so
//! every section (and every field added later) is editable without a form of its own.
//! Tables become dotted paths; strings, numbers, booleans and lists of strings are the
//! editable leaves; anything else is edited as JSON text.

use serde_json::{Number, Value};

use crate::settings::editable::{get_path, has_path, Layers};
use crate::settings::Scope;

/// Where a field's effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The shipped default.
    Default,
    /// The global value stored in the database.
    Global,
    /// The account's own override.
    Account,
}

/// How a field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Enter flips it.
    Bool,
    Number,
    Text,
    /// A list of strings, edited one entry per line.
    List,
    /// Anything else (an empty value, a list of tables), typed as JSON.
    Json,
}

impl FieldKind {
    pub fn of(value: &Value) -> FieldKind {
        match value {
            Value::Bool(_) => FieldKind::Bool,
            Value::Number(_) => FieldKind::Number,
            Value::String(_) => FieldKind::Text,
            Value::Array(items) if items.iter().all(Value::is_string) => FieldKind::List,
            _ => FieldKind::Json,
        }
    }

    /// Whether the value is edited in the multi-line editor rather than the prompt.
    pub fn multiline(self) -> bool {
        self == FieldKind::List
    }
}

/// One editable leaf of a section.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub path: Vec<String>,
    pub value: Value,
    pub kind: FieldKind,
    pub source: Source,
}

impl Field {
    /// `quiet_hours.start`, `review.intent.thanks.bodies`.
    pub fn name(&self) -> String {
        self.path.join(".")
    }
}

/// The fields of `layers` as seen from `scope`, in the section's own order.
pub fn fields(layers: &Layers, scope: Scope) -> Vec<Field> {
    let merged = layers.merged_for(scope);
    let mut out = Vec::new();
    walk(&merged, &mut Vec::new(), &mut out);
    for field in &mut out {
        field.source = source(layers, scope, &field.path);
    }
    out
}

fn walk(value: &Value, path: &mut Vec<String>, out: &mut Vec<Field>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(k.clone());
                walk(v, path, out);
                path.pop();
            }
        }
        leaf => out.push(Field {
            path: path.clone(),
            value: leaf.clone(),
            kind: FieldKind::of(leaf),
            source: Source::Default,
        }),
    }
}

/// Where the value at `path` comes from when seen from `scope`.
pub fn source(layers: &Layers, scope: Scope, path: &[String]) -> Source {
    let in_layer = |v: &Option<Value>| v.as_ref().is_some_and(|v| has_path(v, path));
    if matches!(scope, Scope::Account(_)) && in_layer(&layers.account) {
        Source::Account
    } else if in_layer(&layers.global) {
        Source::Global
    } else {
        Source::Default
    }
}

/// Whether `scope`'s own layer holds a value at `path` (so a reset has something to do).
pub fn overridden_here(layers: &Layers, scope: Scope, path: &[String]) -> bool {
    layers
        .stored(scope)
        .is_some_and(|v| get_path(v, path).is_some())
}

/// A number as typed: values stored from an `f32` field (0.8500000238418579) read as
/// the `f32` they are (0.85).
fn number(n: &Number) -> String {
    match n.as_f64() {
        Some(x) if n.is_f64() && f64::from(x as f32) == x => (x as f32).to_string(),
        _ => n.to_string(),
    }
}

/// The value on one line: lists joined with commas, strings as they are.
pub fn display(value: &Value) -> String {
    match value {
        Value::Number(n) => number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// The text the editor or the prompt opens with.
pub fn edit_text(value: &Value) -> String {
    match value {
        Value::Number(n) => number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

/// Why typed text is not a value of the field's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputError {
    NotANumber,
    NotABool,
    NotJson,
}

impl InputError {
    /// What was expected, in the UI's language.
    pub fn text(self, lang: super::Lang) -> &'static str {
        use super::Lang::{En, Ru};
        match (self, lang) {
            (InputError::NotANumber, Ru) => "нужно число",
            (InputError::NotABool, Ru) => "нужно да/нет (true/false)",
            (InputError::NotJson, Ru) => "нужен JSON",
            (InputError::NotANumber, En) => "a number is expected",
            (InputError::NotABool, En) => "yes/no (true/false) is expected",
            (InputError::NotJson, En) => "JSON is expected",
        }
    }
}

/// The value typed for a field of `kind`. Whether it suits the section (range, type,
/// rules) is decided afterwards by deserialising the whole section.
pub fn parse_input(kind: FieldKind, text: &str) -> Result<Value, InputError> {
    let t = text.trim();
    match kind {
        FieldKind::Bool => match t.to_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "да" | "вкл" => Ok(Value::Bool(true)),
            "false" | "no" | "off" | "0" | "нет" | "выкл" => Ok(Value::Bool(false)),
            _ => Err(InputError::NotABool),
        },
        FieldKind::Number => {
            let t = t.replace(',', ".");
            if let Ok(i) = t.parse::<i64>() {
                Ok(Value::Number(i.into()))
            } else if let Ok(u) = t.parse::<u64>() {
                Ok(Value::Number(u.into()))
            } else {
                t.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .ok_or(InputError::NotANumber)
            }
        }
        FieldKind::Text => Ok(Value::String(text.to_string())),
        FieldKind::List => Ok(Value::Array(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.to_string()))
                .collect(),
        )),
        FieldKind::Json => serde_json::from_str(t).map_err(|_| InputError::NotJson),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layers() -> Layers {
        Layers {
            key: "notifications",
            default: json!({"bell": false, "batch_from": 3, "quiet_hours": {"start": "22:00"},
                            "channels_list": ["review"], "empty": []}),
            global: Some(json!({"batch_from": 5})),
            account: Some(json!({"quiet_hours": {"start": "23:00"}})),
        }
    }

    #[test]
    fn leaves_are_listed_with_their_kind_and_source() {
        let f = fields(&layers(), Scope::Account(1));
        let names: Vec<_> = f.iter().map(Field::name).collect();
        assert_eq!(
            names,
            [
                "batch_from",
                "bell",
                "channels_list",
                "empty",
                "quiet_hours.start"
            ]
        );
        let by = |n: &str| f.iter().find(|x| x.name() == n).unwrap().clone();
        assert_eq!(
            (by("batch_from").source, by("batch_from").value.clone()),
            (Source::Global, json!(5))
        );
        assert_eq!(by("quiet_hours.start").source, Source::Account);
        assert_eq!(by("bell").source, Source::Default);
        assert_eq!(by("bell").kind, FieldKind::Bool);
        assert_eq!(by("channels_list").kind, FieldKind::List);
        assert_eq!(by("empty").kind, FieldKind::List);
        // Seen globally, the account's override does not exist.
        let g = fields(&layers(), Scope::Global);
        let start = g.iter().find(|x| x.name() == "quiet_hours.start").unwrap();
        assert_eq!(
            (start.source, start.value.clone()),
            (Source::Default, json!("22:00"))
        );
    }

    #[test]
    fn typed_text_becomes_a_value_of_the_kind() {
        assert_eq!(parse_input(FieldKind::Number, " 42 "), Ok(json!(42)));
        assert_eq!(parse_input(FieldKind::Number, "0,25"), Ok(json!(0.25)));
        assert_eq!(
            parse_input(FieldKind::Number, "abc"),
            Err(InputError::NotANumber)
        );
        assert_eq!(parse_input(FieldKind::Bool, "да"), Ok(json!(true)));
        assert_eq!(
            parse_input(FieldKind::Bool, "maybe"),
            Err(InputError::NotABool)
        );
        assert_eq!(
            parse_input(FieldKind::List, "а\n\n б \n"),
            Ok(json!(["а", "б"]))
        );
        assert_eq!(parse_input(FieldKind::Json, "[1, 2]"), Ok(json!([1, 2])));
        assert_eq!(
            parse_input(FieldKind::Json, "[1,"),
            Err(InputError::NotJson)
        );
        assert_eq!(edit_text(&json!(["a", "b"])), "a\nb");
        assert_eq!(display(&json!(["a", "b"])), "a, b");
        let from_f32 = serde_json::to_value(0.85_f32).unwrap();
        assert_eq!(
            (display(&from_f32), edit_text(&from_f32)),
            ("0.85".into(), "0.85".into())
        );
        assert_eq!(display(&json!(0.1)), "0.1");
        assert_eq!(display(&json!(1500)), "1500");
    }
}
