//! Deserialisers that accept the shapes marketplaces actually send: numbers as strings,
//! strings as numbers, nulls where a value was documented.

use serde::{de, Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Int(i64),
    Float(f64),
    Text(String),
}

/// An optional integer given as a number, a numeric string, or null.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<NumberOrString>::deserialize(d)? {
        None => Ok(None),
        Some(NumberOrString::Int(n)) => Ok(Some(n)),
        Some(NumberOrString::Float(f)) if f.fract() == 0.0 => Ok(Some(f as i64)),
        Some(NumberOrString::Float(f)) => Err(de::Error::custom(format!("{f} is not an integer"))),
        Some(NumberOrString::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(NumberOrString::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("'{s}' is not an integer"))),
    }
}

/// An integer that defaults to 0 when absent or null.
pub fn i64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_i64(d)?.unwrap_or(0))
}

/// An identifier given as a string or a number, returned as a string.
pub fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match NumberOrString::deserialize(d)? {
        NumberOrString::Int(n) => Ok(n.to_string()),
        NumberOrString::Float(f) => Ok(format!("{f}")),
        NumberOrString::Text(s) => Ok(s),
    }
}

/// A string that may be null or absent; empty strings become `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

/// A boolean given as true/false or "true"/"false".
pub fn bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrString {
        Bool(bool),
        Text(String),
        Int(i64),
    }
    match Option::<BoolOrString>::deserialize(d)? {
        None => Ok(false),
        Some(BoolOrString::Bool(b)) => Ok(b),
        Some(BoolOrString::Int(n)) => Ok(n != 0),
        Some(BoolOrString::Text(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            other => Err(de::Error::custom(format!("'{other}' is not a boolean"))),
        },
    }
}

/// A raw item as `T`; the error names the field that did not read (`at createdDate:
/// invalid type: map, expected a string`), so a skipped item's reason points at it.
pub fn from_raw<T: serde::de::DeserializeOwned>(raw: &serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            e.into_inner().to_string()
        } else {
            format!("at {path}: {}", e.into_inner())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "bool_lenient")]
        b: bool,
        #[serde(deserialize_with = "id_string")]
        id: String,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_strings_both_accepted() {
        assert_eq!(probe(r#"{"n": 5, "id": 12}"#).n, Some(5));
        assert_eq!(probe(r#"{"n": "5", "id": "12"}"#).n, Some(5));
        assert_eq!(probe(r#"{"n": null, "id": "x"}"#).n, None);
        assert_eq!(probe(r#"{"id": 1234567890123}"#).id, "1234567890123");
        assert!(probe(r#"{"b": "true", "id": 1}"#).b);
        assert!(!probe(r#"{"b": false, "id": 1}"#).b);
    }

    #[test]
    fn a_raw_item_error_names_the_field() {
        let raw = serde_json::json!({"n": {"x": 1}, "id": 1});
        let err = from_raw::<Probe>(&raw).err().unwrap();
        assert!(err.starts_with("at n: "), "{err}");
        let err = from_raw::<Probe>(&serde_json::json!([1])).err().unwrap();
        assert!(!err.starts_with("at "), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<Probe>(r#"{"n": "five", "id": 1}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"n": 1.5, "id": 1}"#).is_err());
    }
}
