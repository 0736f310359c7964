//! The sections the settings screen lists, in its order. Each layer declares its own
//! section with its own checks (`sla::SLA_SECTION`, `prepare::AUTO_RESPONSE_SECTION`, ...);
//! this list, owned by the screen, is where they meet, so `settings` imports none of the
//! layers whose sections it stores. `agentiq settings` and the command router use it too.

use anyhow::{bail, Result};
use rusqlite::Connection;
use serde_json::Value;

use crate::settings::editable::{
    self, Editable, Layers, GUARDRAILS_SECTION, LINKING_SECTION, TEMPLATES_SECTION,
};
use crate::settings::Scope;
use crate::{analytics, learning, notify, prepare, sla};

/// Every editable section, in the order the screen lists them.
pub const EDITABLE: &[&Editable] = &[
    &sla::SLA_SECTION,
    &sla::PRIORITY_SECTION,
    &sla::WORKING_HOURS_SECTION,
    &notify::NOTIFICATIONS_SECTION,
    &prepare::AUTO_RESPONSE_SECTION,
    &GUARDRAILS_SECTION,
    &analytics::REVENUE_SECTION,
    &LINKING_SECTION,
    &learning::LEARNING_SECTION,
    &TEMPLATES_SECTION,
];

/// The editable section stored under `key`.
pub fn editable(key: &str) -> Option<&'static Editable> {
    editable::find_section(EDITABLE, key)
}

/// Every editable section's layers for `scope`.
pub fn read_layers(conn: &Connection, scope: Scope) -> Result<Vec<Layers>> {
    editable::read_layers(conn, scope, EDITABLE)
}

/// Stores `layer` as `scope`'s value of section `key` (or removes it for `None`), after
/// checking that the merged section is usable ([`editable::store_section`]).
pub fn store_layer(
    conn: &Connection,
    scope: Scope,
    key: &str,
    layer: Option<&Value>,
) -> Result<()> {
    let Some(section) = editable(key) else {
        bail!("[{key}] is not an editable settings section");
    };
    editable::store_section(conn, scope, section, layer)
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
    fn a_bad_layer_is_refused_and_nothing_is_stored() {
        let conn = db();
        let bad = json!({"urgent_max_rating": "three"});
        let err = store_layer(&conn, Scope::Global, "priority", Some(&bad)).unwrap_err();
        assert!(format!("{err:#}").contains("[priority]"), "{err:#}");
        assert_eq!(
            crate::store::stored_setting(&conn, "global", "priority").unwrap(),
            None
        );
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
        let own: crate::sla::PrioritySettings = crate::settings::load(&conn, Some(4)).unwrap();
        let other: crate::sla::PrioritySettings = crate::settings::load(&conn, Some(5)).unwrap();
        assert_eq!((own.urgent_max_rating, other.urgent_max_rating), (3, 2));
        store_layer(&conn, Scope::Account(4), "priority", None).unwrap();
        let own: crate::sla::PrioritySettings = crate::settings::load(&conn, Some(4)).unwrap();
        assert_eq!(own.urgent_max_rating, 2);
    }
}
