//! `agentiq templates export FILE` and `agentiq templates import FILE`: the seller's reply
//! templates as one TOML document (the shape of `data/templates/*.toml` together, see
//! docs/drafts.md), globally or for one account. They are the same templates the
//! settings screen edits (section `templates`).

use std::path::Path;

use anyhow::{Context, Result};

use crate::ai::TemplateSet;
use crate::settings::editable::{load_templates, store_section, TEMPLATES_SECTION};
use crate::settings::Scope;
use crate::store::{self, Store};

/// The scope an `--account` name (or id) means; global without one.
fn scope_of(conn: &rusqlite::Connection, account: Option<&str>) -> Result<Scope> {
    let Some(name) = account else {
        return Ok(Scope::Global);
    };
    if let Some(row) = store::account_by_name(conn, name)? {
        return Ok(Scope::Account(row.id));
    }
    match name.trim().parse::<i64>() {
        Ok(id) if store::accounts(conn)?.iter().any(|a| a.id == id) => Ok(Scope::Account(id)),
        _ => anyhow::bail!("--account: no account named '{name}'"),
    }
}

/// Writes the templates in effect (the shipped ones with the seller's edits) to `file`.
pub fn export(store: &Store, account: Option<&str>, file: &Path) -> Result<()> {
    let reader = store.reader()?;
    let account_id = match scope_of(&reader, account)? {
        Scope::Global => None,
        Scope::Account(id) => Some(id),
    };
    let stored = load_templates(&reader, account_id)?;
    let set = stored.as_ref().unwrap_or_else(|| TemplateSet::defaults());
    let text = set.to_toml()?;
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

/// Reads a template document from `file` (it may hold only what differs from the shipped
/// templates), checks it, and stores it as the seller's templates for the scope,
/// replacing what was stored there before.
pub fn import(store: &Store, account: Option<&str>, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    TemplateSet::from_toml(&text).with_context(|| format!("{}", file.display()))?;
    let doc: toml::Value =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", file.display()))?;
    let layer = serde_json::to_value(doc)?;
    let scope = scope_of(&store.reader()?, account)?;
    store
        .writer()?
        .call_blocking(move |conn| store_section(conn, scope, &TEMPLATES_SECTION, Some(&layer)))
        .with_context(|| format!("storing the templates from {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Marketplace;

    #[test]
    fn exported_templates_import_back_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("agentiq.db")).unwrap();
        store.writer().unwrap().call_blocking(upsert_shop).unwrap();
        let file = dir.path().join("templates.toml");
        export(&store, None, &file).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            TemplateSet::from_toml(&text).unwrap(),
            *TemplateSet::defaults()
        );
        let own = dir.path().join("own.toml");
        std::fs::write(
            &own,
            "[review.intent.thanks]\nbodies = [\"Спасибо, {product} вам ещё послужит!\", \"Спасибо!\"]\n",
        )
        .unwrap();
        import(&store, Some("shop"), &own).unwrap();
        let reader = store.reader().unwrap();
        let set = load_templates(&reader, Some(1)).unwrap().unwrap();
        assert_eq!(set.review.intent["thanks"].bodies.len(), 2);
        assert_eq!(
            load_templates(&reader, None).unwrap(),
            None,
            "global untouched"
        );
        export(&store, Some("shop"), &file).unwrap();
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("вам ещё послужит"));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[review.intent.thanks]\nbodies = [\"{oops}\"]\n").unwrap();
        let err = import(&store, None, &bad).unwrap_err();
        assert!(format!("{err:#}").contains("oops"), "{err:#}");
        assert!(import(&store, Some("nobody"), &own).is_err());
    }

    fn upsert_shop(conn: &mut rusqlite::Connection) -> Result<()> {
        store::upsert_account(conn, "shop", Marketplace::Wb)?;
        Ok(())
    }
}
