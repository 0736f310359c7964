//! The sections the settings screen edits, as JSON values: their layers (shipped default,
//! global value, account override), field-level edits of a stored layer, and the check a
//! candidate must pass before it is stored: it must deserialise into the section's type
//! and pass the owning module's own checks.
//!
//! Stored layers are partial: an edit stores only the fields the seller changed, so every
//! field can say where its value comes from, and a reset removes just that field.

use anyhow::{bail, Context, Result};
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::refusal::Refusal;
use super::{merge, stored, GuardrailSettings, Scope, Section};
use crate::ai::TemplateSet;
use crate::domain::linking::LinkingSettings;

/// One section the settings screen lists. The layer that owns a section declares it
/// (`sla::SLA_SECTION`, `notify::NOTIFICATIONS_SECTION`, ...), with its own check; the
/// screen's list of them is `tui::settings_sections`, so this layer imports none of them.
#[derive(Clone, Copy)]
pub struct Editable {
    /// The section's key in `data/settings.toml` and in the database.
    pub key: &'static str,
    default: fn() -> Result<Value>,
    check: fn(Value) -> Result<(), Refusal>,
    /// What else changes once a value is stored, in the same transaction.
    after_store: Option<fn(&Connection, Scope) -> Result<()>>,
}

impl Editable {
    /// Section `S`, usable whenever it decodes.
    pub const fn decoded<S: Section>() -> Editable {
        Editable::checked::<S>(decode::<S>)
    }

    /// Section `S` with its owner's `check` of the merged value (which starts with
    /// [`decode_as`]).
    pub const fn checked<S: Section>(check: fn(Value) -> Result<(), Refusal>) -> Editable {
        Editable {
            key: S::KEY,
            default: shipped_of::<S>,
            check,
            after_store: None,
        }
    }

    /// The same section with `hook` run after a value is stored or removed.
    pub const fn after_store(self, hook: fn(&Connection, Scope) -> Result<()>) -> Editable {
        Editable {
            after_store: Some(hook),
            ..self
        }
    }

    /// The shipped default, as JSON.
    pub fn default_value(&self) -> Result<Value> {
        (self.default)()
    }

    /// Whether `merged` (default, global and account layers merged) is a usable section;
    /// the error says why not.
    pub fn check(&self, merged: Value) -> Result<(), Refusal> {
        (self.check)(merged)
    }
}

/// The key under which the seller's templates are stored (a partial [`TemplateSet`]).
pub const TEMPLATES_KEY: &str = "templates";

/// The banned phrases of the guardrails.
pub const GUARDRAILS_SECTION: Editable = Editable::decoded::<GuardrailSettings>();

/// How items are linked to customers.
pub const LINKING_SECTION: Editable = Editable::decoded::<LinkingSettings>();

/// The seller's reply templates, laid over the shipped ones.
pub const TEMPLATES_SECTION: Editable = Editable {
    key: TEMPLATES_KEY,
    default: templates_default,
    check: check_templates,
    after_store: None,
};

/// The section in `sections` stored under `key`.
pub fn find_section(sections: &[&'static Editable], key: &str) -> Option<&'static Editable> {
    sections.iter().copied().find(|e| e.key == key)
}

/// The shipped section as JSON, every field present (the type's defaults fill what
/// `data/settings.toml` leaves out).
fn shipped_of<S: Section>() -> Result<Value> {
    let section: S = super::defaults()?;
    Ok(serde_json::to_value(section)?)
}

/// The merged value as section `S`, or why it is not one.
pub fn decode_as<S: Section>(merged: Value) -> Result<S, Refusal> {
    serde_json::from_value::<S>(merged).map_err(|e| Refusal::decode(&e))
}

fn decode<S: Section>(merged: Value) -> Result<(), Refusal> {
    decode_as::<S>(merged).map(|_| ())
}

fn templates_default() -> Result<Value> {
    Ok(serde_json::to_value(TemplateSet::defaults())?)
}

fn check_templates(merged: Value) -> Result<(), Refusal> {
    let set: TemplateSet = serde_json::from_value(merged).map_err(|e| Refusal::decode(&e))?;
    set.validate().map_err(|e| Refusal::templates(&e))
}

/// A value the settings refuse: the section and why, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{key}]: {refusal}")]
pub struct Refused {
    pub key: String,
    pub refusal: Refusal,
}

/// One section's three layers for one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Layers {
    pub key: &'static str,
    pub default: Value,
    /// What is stored globally, if anything.
    pub global: Option<Value>,
    /// What the account stores, if the scope is an account and it stores anything.
    pub account: Option<Value>,
}

impl Layers {
    /// The effective section: default, then global, then the account's override.
    pub fn merged(&self) -> Value {
        let mut value = self.default.clone();
        if let Some(g) = &self.global {
            merge(&mut value, g.clone());
        }
        if let Some(a) = &self.account {
            merge(&mut value, a.clone());
        }
        value
    }

    /// The stored layer `scope` edits.
    pub fn stored(&self, scope: Scope) -> Option<&Value> {
        match scope {
            Scope::Global => self.global.as_ref(),
            Scope::Account(_) => self.account.as_ref(),
        }
    }

    /// The effective section as seen from `scope`: globally, an account's override does
    /// not apply.
    pub fn merged_for(&self, scope: Scope) -> Value {
        match scope {
            Scope::Global => Layers {
                account: None,
                ..self.clone()
            }
            .merged(),
            Scope::Account(_) => self.merged(),
        }
    }

    /// The effective section seen from `scope` if its stored layer were `candidate`.
    pub fn merged_with(&self, scope: Scope, candidate: Option<&Value>) -> Value {
        let mut layers = self.clone();
        match scope {
            Scope::Global => layers.global = candidate.cloned(),
            Scope::Account(_) => layers.account = candidate.cloned(),
        }
        layers.merged_for(scope)
    }
}

/// The layers of `sections` for `scope`.
pub fn read_layers(
    conn: &Connection,
    scope: Scope,
    sections: &[&'static Editable],
) -> Result<Vec<Layers>> {
    sections
        .iter()
        .map(|e| {
            let account = match scope {
                Scope::Global => None,
                Scope::Account(_) => stored(conn, scope, e.key)?,
            };
            Ok(Layers {
                key: e.key,
                default: e
                    .default_value()
                    .with_context(|| format!("default of settings section [{}]", e.key))?,
                global: stored(conn, Scope::Global, e.key)?,
                account,
            })
        })
        .collect()
}

/// Whether `path` names a value inside `value`.
pub fn has_path(value: &Value, path: &[String]) -> bool {
    get_path(value, path).is_some()
}

/// The value at `path` inside `value`.
pub fn get_path<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |v, key| v.as_object()?.get(key))
}

/// `stored` with `path` set to `new`, creating the tables on the way.
pub fn with_path(stored: Option<&Value>, path: &[String], new: Value) -> Value {
    let mut root = match stored {
        Some(Value::Object(o)) => Value::Object(o.clone()),
        _ => Value::Object(Map::new()),
    };
    let Some((last, parents)) = path.split_last() else {
        return new;
    };
    let mut node = &mut root;
    for key in parents {
        let Value::Object(map) = node else {
            unreachable!("every node on the path is made a table")
        };
        let child = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !child.is_object() {
            *child = Value::Object(Map::new());
        }
        node = child;
    }
    if let Value::Object(map) = node {
        map.insert(last.clone(), new);
    }
    root
}

/// `stored` without `path`, dropping tables left empty; `None` when nothing is left.
pub fn without_path(stored: &Value, path: &[String]) -> Option<Value> {
    fn remove(node: &mut Value, path: &[String]) {
        let Value::Object(map) = node else { return };
        match path {
            [] => {}
            [last] => {
                map.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(child) = map.get_mut(first) {
                    remove(child, rest);
                    if child.as_object().is_some_and(Map::is_empty) {
                        map.remove(first);
                    }
                }
            }
        }
    }
    let mut value = stored.clone();
    remove(&mut value, path);
    match &value {
        Value::Object(map) if map.is_empty() => None,
        _ => Some(value),
    }
}

/// Stores `layer` as `scope`'s value of `section` (or removes it for `None`), after
/// checking that the merged section is usable, then runs the section's
/// [`Editable::after_store`] hook.
pub fn store_section(
    conn: &Connection,
    scope: Scope,
    section: &Editable,
    layer: Option<&Value>,
) -> Result<()> {
    let key = section.key;
    if layer.is_some_and(|v| !v.is_object()) {
        bail!("[{key}]: a stored section must be a table");
    }
    let account = match scope {
        Scope::Global => None,
        Scope::Account(_) => stored(conn, scope, key)?,
    };
    let layers = Layers {
        key: section.key,
        default: section.default_value()?,
        global: stored(conn, Scope::Global, key)?,
        account,
    };
    let merged = layers.merged_with(scope, layer);
    if let Err(refusal) = section.check(merged) {
        return Err(Refused {
            key: key.to_string(),
            refusal,
        }
        .into());
    }
    match layer {
        Some(value) => super::save_value(conn, scope, key, value)?,
        None => super::clear(conn, scope, key)?,
    }
    if let Some(hook) = section.after_store {
        hook(conn, scope)?;
    }
    Ok(())
}

/// The seller's templates for `account` (global for `None`): the defaults with the stored
/// global and account layers laid over them; `None` when nothing is stored, so callers
/// keep using [`TemplateSet::defaults`] without a copy.
pub fn load_templates(conn: &Connection, account: Option<i64>) -> Result<Option<TemplateSet>> {
    let global = stored(conn, Scope::Global, TEMPLATES_KEY)?;
    let own = match account {
        Some(id) => stored(conn, Scope::Account(id), TEMPLATES_KEY)?,
        None => None,
    };
    if global.is_none() && own.is_none() {
        return Ok(None);
    }
    let layers = Layers {
        key: TEMPLATES_KEY,
        default: templates_default()?,
        global,
        account: own,
    };
    let set: TemplateSet =
        serde_json::from_value(layers.merged()).context("reading the stored templates")?;
    set.validate().context("the stored templates")?;
    Ok(Some(set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_for_tests(&mut conn);
        conn
    }

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_string).collect()
    }

    #[test]
    fn paths_are_set_and_removed_leaving_no_empty_tables() {
        let v = with_path(None, &path("quiet_hours.start"), json!("23:00"));
        assert_eq!(v, json!({"quiet_hours": {"start": "23:00"}}));
        let v = with_path(Some(&v), &path("bell"), json!(true));
        assert_eq!(get_path(&v, &path("bell")), Some(&json!(true)));
        let v = without_path(&v, &path("quiet_hours.start")).unwrap();
        assert_eq!(v, json!({"bell": true}));
        assert_eq!(without_path(&v, &path("bell")), None);
    }

    #[test]
    fn stored_templates_are_laid_over_the_defaults() {
        let conn = db();
        assert_eq!(load_templates(&conn, None).unwrap(), None);
        let layer = json!({"review": {"intent": {"thanks": {"bodies": ["Рады стараться!"]}}}});
        store_section(&conn, Scope::Global, &TEMPLATES_SECTION, Some(&layer)).unwrap();
        let set = load_templates(&conn, Some(9)).unwrap().unwrap();
        assert_eq!(
            set.review.intent["thanks"].bodies,
            vec!["Рады стараться!".to_string()]
        );
        assert_eq!(set.question, TemplateSet::defaults().question);
        let bad = json!({"review": {"intent": {"thanks": {"bodies": ["{oops}"]}}}});
        assert!(store_section(&conn, Scope::Global, &TEMPLATES_SECTION, Some(&bad)).is_err());
    }
}
