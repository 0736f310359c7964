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
use super::{merge, stored, Scope, Section};
use crate::ai::TemplateSet;

/// One section the settings screen lists.
pub struct Editable {
    /// The section's key in `data/settings.toml` and in the database.
    pub key: &'static str,
    default: fn() -> Result<Value>,
    check: fn(Value) -> Result<(), Refusal>,
}

impl Editable {
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

/// Every editable section, in the order the screen lists them.
pub const EDITABLE: &[Editable] = &[
    Editable {
        key: "sla",
        default: shipped_of::<crate::sla::SlaSettings>,
        check: check_sla,
    },
    Editable {
        key: "priority",
        default: shipped_of::<crate::sla::PrioritySettings>,
        check: decode::<crate::sla::PrioritySettings>,
    },
    Editable {
        key: "working_hours",
        default: shipped_of::<crate::sla::WorkingHoursSettings>,
        check: check_working_hours,
    },
    Editable {
        key: "notifications",
        default: shipped_of::<crate::notify::NotifySettings>,
        check: check_notifications,
    },
    Editable {
        key: "auto_response",
        default: shipped_of::<crate::prepare::AutoPolicy>,
        check: decode::<crate::prepare::AutoPolicy>,
    },
    Editable {
        key: "guardrails",
        default: shipped_of::<super::GuardrailSettings>,
        check: decode::<super::GuardrailSettings>,
    },
    Editable {
        key: "revenue",
        default: shipped_of::<crate::analytics::RevenueSettings>,
        check: decode::<crate::analytics::RevenueSettings>,
    },
    Editable {
        key: "linking",
        default: shipped_of::<crate::domain::linking::LinkingSettings>,
        check: decode::<crate::domain::linking::LinkingSettings>,
    },
    Editable {
        key: "learning",
        default: shipped_of::<crate::learning::LearningSettings>,
        check: check_learning,
    },
    Editable {
        key: TEMPLATES_KEY,
        default: templates_default,
        check: check_templates,
    },
];

/// The editable section stored under `key`.
pub fn editable(key: &str) -> Option<&'static Editable> {
    EDITABLE.iter().find(|e| e.key == key)
}

/// The shipped section as JSON, every field present (the type's defaults fill what
/// `data/settings.toml` leaves out).
fn shipped_of<S: Section>() -> Result<Value> {
    let section: S = super::defaults()?;
    Ok(serde_json::to_value(section)?)
}

fn decode_as<S: Section>(merged: Value) -> Result<S, Refusal> {
    serde_json::from_value::<S>(merged).map_err(|e| Refusal::decode(&e))
}

fn decode<S: Section>(merged: Value) -> Result<(), Refusal> {
    decode_as::<S>(merged).map(|_| ())
}

fn check_sla(merged: Value) -> Result<(), Refusal> {
    let sla = decode_as::<crate::sla::SlaSettings>(merged)?;
    crate::sla::Policy::from_settings(
        sla,
        crate::sla::PrioritySettings::default(),
        &crate::sla::WorkingHoursSettings::default(),
    )
    .map(|_| ())
    .map_err(Refusal::policy)
}

fn check_working_hours(merged: Value) -> Result<(), Refusal> {
    let hours = decode_as::<crate::sla::WorkingHoursSettings>(merged)?;
    // Checked as if switched on, so switching them on later cannot fail.
    let on = crate::sla::WorkingHoursSettings {
        enabled: true,
        ..hours
    };
    crate::sla::WorkingHours::from_settings(&on)
        .map(|_| ())
        .map_err(Refusal::policy)
}

fn check_notifications(merged: Value) -> Result<(), Refusal> {
    let s = decode_as::<crate::notify::NotifySettings>(merged)?;
    let on = crate::notify::QuietHoursSettings {
        enabled: true,
        ..s.quiet_hours
    };
    crate::notify::QuietHours::from_settings(&on)
        .map(|_| ())
        .map_err(Refusal::policy)
}

fn check_learning(merged: Value) -> Result<(), Refusal> {
    decode_as::<crate::learning::LearningSettings>(merged)?.validate()
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

/// Every editable section's layers for `scope`.
pub fn read_layers(conn: &Connection, scope: Scope) -> Result<Vec<Layers>> {
    EDITABLE
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

/// Stores `layer` as `scope`'s value of section `key` (or removes it for `None`), after
/// checking that the merged section is usable. Changes to `[sla]` and `[working_hours]`
/// mark the scope's open items for re-classification, so background preparation moves
/// their clocks to the new rules.
pub fn store_layer(
    conn: &Connection,
    scope: Scope,
    key: &str,
    layer: Option<&Value>,
) -> Result<()> {
    let Some(section) = editable(key) else {
        bail!("[{key}] is not an editable settings section");
    };
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
    if key == "auto_response" {
        // Off or forced shadow drops the go-live record: on again starts in shadow.
        crate::prepare::auto_live::settings_changed(conn, scope, chrono::Utc::now())?;
    }
    if matches!(key, "sla" | "working_hours") {
        match scope {
            Scope::Global => conn.execute(
                "UPDATE interactions SET classified_at = NULL WHERE state = 'open'",
                [],
            )?,
            Scope::Account(id) => conn.execute(
                "UPDATE interactions SET classified_at = NULL
                 WHERE state = 'open' AND account_id = ?1",
                [id],
            )?,
        };
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
    fn every_editable_default_passes_its_own_check() {
        for e in EDITABLE {
            let v = e.default_value().unwrap();
            assert!(v.is_object(), "{}", e.key);
            e.check(v)
                .unwrap_or_else(|why| panic!("[{}]: {why}", e.key));
        }
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
    fn a_bad_layer_is_refused_and_nothing_is_stored() {
        let conn = db();
        let bad = json!({"urgent_max_rating": "three"});
        let err = store_layer(&conn, Scope::Global, "priority", Some(&bad)).unwrap_err();
        assert!(format!("{err:#}").contains("[priority]"), "{err:#}");
        assert_eq!(stored(&conn, Scope::Global, "priority").unwrap(), None);
        let late = json!({"urgent": {"target": 90}});
        let err = store_layer(&conn, Scope::Account(1), "sla", Some(&late)).unwrap_err();
        assert!(format!("{err:#}").contains("after deadline"), "{err:#}");
        let zone = json!({"time_zone": "Mars/Olympus"});
        assert!(store_layer(&conn, Scope::Global, "working_hours", Some(&zone)).is_err());
    }

    #[test]
    fn a_stored_layer_reaches_the_owning_module_and_a_reset_removes_it() {
        let conn = db();
        let layer = json!({"urgent_max_rating": 3});
        store_layer(&conn, Scope::Account(4), "priority", Some(&layer)).unwrap();
        let own: crate::sla::PrioritySettings = super::super::load(&conn, Some(4)).unwrap();
        let other: crate::sla::PrioritySettings = super::super::load(&conn, Some(5)).unwrap();
        assert_eq!((own.urgent_max_rating, other.urgent_max_rating), (3, 2));
        store_layer(&conn, Scope::Account(4), "priority", None).unwrap();
        let own: crate::sla::PrioritySettings = super::super::load(&conn, Some(4)).unwrap();
        assert_eq!(own.urgent_max_rating, 2);
    }

    #[test]
    fn stored_templates_are_laid_over_the_defaults() {
        let conn = db();
        assert_eq!(load_templates(&conn, None).unwrap(), None);
        let layer = json!({"review": {"intent": {"thanks": {"bodies": ["Рады стараться!"]}}}});
        store_layer(&conn, Scope::Global, TEMPLATES_KEY, Some(&layer)).unwrap();
        let set = load_templates(&conn, Some(9)).unwrap().unwrap();
        assert_eq!(
            set.review.intent["thanks"].bodies,
            vec!["Рады стараться!".to_string()]
        );
        assert_eq!(set.question, TemplateSet::defaults().question);
        let bad = json!({"review": {"intent": {"thanks": {"bodies": ["{oops}"]}}}});
        assert!(store_layer(&conn, Scope::Global, TEMPLATES_KEY, Some(&bad)).is_err());
    }
}
