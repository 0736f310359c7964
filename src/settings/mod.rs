//! Runtime-editable settings: typed sections with defaults shipped in
//! `data/settings.toml`, changed at runtime in the database, per account where needed.
//!
//! A section is any `Deserialize + Serialize` type with a key. Reading merges, field by
//! field: the shipped default, then the global value stored in the database, then the
//! account's own override.

pub mod editable;
pub mod refusal;

use std::sync::OnceLock;

use anyhow::{Context, Result};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::store;

const DEFAULTS: &str = include_str!("../../data/settings.toml");

/// A settings section, stored under `KEY`.
pub trait Section: DeserializeOwned + Serialize + Default {
    const KEY: &'static str;
}

impl Section for crate::domain::linking::LinkingSettings {
    const KEY: &'static str = "linking";
}

/// Runtime-editable guardrail rules: the seller's banned phrases (inflected forms match).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct GuardrailSettings {
    /// Phrases a reply must not contain; empty means the shipped list.
    pub banned_phrases: Vec<String>,
}

impl GuardrailSettings {
    /// The seller's list, or the shipped one when they have none.
    pub fn effective_banned_phrases(&self) -> Vec<String> {
        if self.banned_phrases.is_empty() {
            crate::ai::guardrails::default_banned_phrases()
        } else {
            self.banned_phrases.clone()
        }
    }
}

impl Section for GuardrailSettings {
    const KEY: &'static str = "guardrails";
}

/// Where a value applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Account(i64),
}

impl Scope {
    fn as_db(self) -> String {
        match self {
            Scope::Global => "global".into(),
            Scope::Account(id) => format!("account:{id}"),
        }
    }
}

/// The shipped defaults of one section, as JSON.
/// The shipped defaults, as JSON sections. They are compiled in, so they are parsed once
/// per process: settings are loaded on every tick of the watcher and for every draft.
fn shipped_sections() -> Result<&'static serde_json::Map<String, serde_json::Value>> {
    static SECTIONS: OnceLock<Result<serde_json::Map<String, serde_json::Value>, String>> =
        OnceLock::new();
    SECTIONS
        .get_or_init(|| {
            let table: toml::Table = toml::from_str(DEFAULTS).map_err(|e| e.to_string())?;
            match serde_json::to_value(table).map_err(|e| e.to_string())? {
                serde_json::Value::Object(sections) => Ok(sections),
                _ => Err("not a table".into()),
            }
        })
        .as_ref()
        .map_err(|e| anyhow::anyhow!("data/settings.toml is not valid TOML: {e}"))
}

fn shipped(key: &str) -> Result<serde_json::Value> {
    Ok(shipped_sections()?
        .get(key)
        .cloned()
        .unwrap_or_else(|| serde_json::Value::Object(Default::default())))
}

fn stored(conn: &Connection, scope: Scope, key: &str) -> Result<Option<serde_json::Value>> {
    let text = store::stored_setting(conn, &scope.as_db(), key)?;
    text.map(|t| {
        serde_json::from_str(&t).with_context(|| format!("setting {key} is not valid JSON"))
    })
    .transpose()
}

/// Merges `over` into `base`, object by object; anything else replaces.
fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) => *b = o,
    }
}

/// The effective section for `account` (or globally for `None`).
pub fn load<S: Section>(conn: &Connection, account: Option<i64>) -> Result<S> {
    let mut value = shipped(S::KEY)?;
    if let Some(global) = stored(conn, Scope::Global, S::KEY)? {
        merge(&mut value, global);
    }
    if let Some(id) = account {
        if let Some(own) = stored(conn, Scope::Account(id), S::KEY)? {
            merge(&mut value, own);
        }
    }
    serde_json::from_value(value).with_context(|| format!("reading settings section [{}]", S::KEY))
}

/// The section as shipped, without anything stored.
pub fn defaults<S: Section>() -> Result<S> {
    serde_json::from_value(shipped(S::KEY)?)
        .with_context(|| format!("reading default settings section [{}]", S::KEY))
}

/// Stores the whole section for `scope`.
pub fn save<S: Section>(conn: &Connection, scope: Scope, section: &S) -> Result<()> {
    let value = serde_json::to_string(section)?;
    store::save_setting(conn, &scope.as_db(), S::KEY, &value)
}

/// Stores `value` (a whole or partial section, as JSON) for `scope` as it is. Callers
/// check it first; the settings screen goes through [`editable::store_section`].
pub fn save_value(
    conn: &Connection,
    scope: Scope,
    key: &str,
    value: &serde_json::Value,
) -> Result<()> {
    store::save_setting(conn, &scope.as_db(), key, &value.to_string())
}

/// Removes an account's override, so the global value applies again.
pub fn clear(conn: &Connection, scope: Scope, key: &str) -> Result<()> {
    store::clear_setting(conn, &scope.as_db(), key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Probe {
        a: u32,
        b: String,
        nested: Nested,
    }

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Nested {
        x: u32,
        y: u32,
    }

    impl Section for Probe {
        const KEY: &'static str = "probe_for_tests";
    }

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        conn
    }

    #[test]
    fn account_overrides_global_overrides_default_field_by_field() {
        let conn = db();
        assert_eq!(load::<Probe>(&conn, None).unwrap(), Probe::default());
        save(
            &conn,
            Scope::Global,
            &Probe {
                a: 1,
                b: "g".into(),
                nested: Nested { x: 1, y: 2 },
            },
        )
        .unwrap();
        conn.execute(
            "INSERT INTO settings (scope, key, value, updated_at) VALUES ('account:7', 'probe_for_tests', '{\"nested\":{\"y\":9}}', 0)",
            [],
        )
        .unwrap();
        let acc = load::<Probe>(&conn, Some(7)).unwrap();
        assert_eq!(
            acc,
            Probe {
                a: 1,
                b: "g".into(),
                nested: Nested { x: 1, y: 9 }
            }
        );
        let other = load::<Probe>(&conn, Some(8)).unwrap();
        assert_eq!(other.nested.y, 2);
        clear(&conn, Scope::Account(7), "probe_for_tests").unwrap();
        assert_eq!(load::<Probe>(&conn, Some(7)).unwrap().nested.y, 2);
    }

    #[test]
    fn shipped_defaults_parse() {
        let table: toml::Table = toml::from_str(DEFAULTS).unwrap();
        assert!(table.contains_key("sla"));
    }
}
