//! Edits of config.toml that keep the user's comments, order and formatting (`toml_edit`):
//! `agentiq init` and `agentiq accounts add|remove|rename`.

use std::path::Path;

use anyhow::{Context, Result};
use toml_edit::{value, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

use super::accounts::AccountEntry;
use crate::cli::exit::{fail, Failure};
use crate::domain::Marketplace;

/// The config file as an editable document; an empty one when there is no file.
pub fn open(path: &Path) -> Result<DocumentMut> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading config {}", path.display())),
    };
    // Checked as a config first, so an edit never builds on a file the program rejects.
    super::file::parse(path, &text)?;
    text.parse::<DocumentMut>()
        .map_err(|e| fail(Failure::Config, format!("config {}: {e}", path.display())))
}

/// Writes the document back, readable by its owner only.
pub fn save(path: &Path, doc: &DocumentMut) -> Result<()> {
    let text = doc.to_string();
    // Never write what would not load again.
    super::file::parse(path, &text).context("the edited config would not load")?;
    super::write_private(path, &text)
}

fn accounts_mut(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables> {
    let item = doc
        .entry("accounts")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    item.as_array_of_tables_mut().ok_or_else(|| {
        fail(
            Failure::Config,
            "`accounts` must be written as [[accounts]]",
        )
    })
}

fn names(doc: &DocumentMut) -> Vec<String> {
    doc.get("accounts")
        .and_then(Item::as_array_of_tables)
        .map(|list| {
            list.iter()
                .filter_map(|t| t.get("name").and_then(Item::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Appends `entry` as a new `[[accounts]]` table.
pub fn add_account(doc: &mut DocumentMut, entry: &AccountEntry) -> Result<()> {
    if names(doc).contains(&entry.name) {
        return Err(fail(
            Failure::Usage,
            format!("an account named '{}' exists already", entry.name),
        ));
    }
    let mut table = Table::new();
    table.insert("name", value(&entry.name));
    table.insert(
        "marketplace",
        value(match entry.marketplace {
            Marketplace::Wb => "wb",
            Marketplace::Ozon => "ozon",
        }),
    );
    let fields = [
        ("token", &entry.token),
        ("token_env", &entry.token_env),
        ("client_id", &entry.client_id),
        ("api_key", &entry.api_key),
        ("api_key_env", &entry.api_key_env),
    ];
    for (key, field) in fields {
        if let Some(v) = field {
            table.insert(key, value(v));
        }
    }
    if !entry.base_urls.is_empty() {
        let mut urls = InlineTable::new();
        for (host, url) in &entry.base_urls {
            urls.insert(host, url.as_str().into());
        }
        table.insert("base_urls", value(urls));
    }
    accounts_mut(doc)?.push(table);
    Ok(())
}

/// Removes the account `name`.
pub fn remove_account(doc: &mut DocumentMut, name: &str) -> Result<()> {
    let list = accounts_mut(doc)?;
    let index = (0..list.len())
        .find(|&i| {
            list.get(i)
                .and_then(|t| t.get("name"))
                .and_then(Item::as_str)
                == Some(name)
        })
        .ok_or_else(|| no_such(name))?;
    list.remove(index);
    Ok(())
}

/// Renames the account `old` to `new`.
pub fn rename_account(doc: &mut DocumentMut, old: &str, new: &str) -> Result<()> {
    if names(doc).iter().any(|n| n == new) {
        return Err(fail(
            Failure::Usage,
            format!("an account named '{new}' exists already"),
        ));
    }
    let list = accounts_mut(doc)?;
    let table = list
        .iter_mut()
        .find(|t| t.get("name").and_then(Item::as_str) == Some(old))
        .ok_or_else(|| no_such(old))?;
    // Keep the value's decoration (spacing, trailing comment).
    let decor = table
        .get("name")
        .and_then(Item::as_value)
        .map(|v| v.decor().clone());
    let mut renamed = toml_edit::Value::from(new);
    if let Some(decor) = decor {
        *renamed.decor_mut() = decor;
    }
    table.insert("name", Item::Value(renamed));
    Ok(())
}

fn no_such(name: &str) -> anyhow::Error {
    fail(
        Failure::Usage,
        format!("no account named '{name}' (see `agentiq accounts`)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# My shops\n\n[ui]\nlang = \"ru\" # always Russian\n\n\
        # the main shop\n[[accounts]]\nname = \"Дом\"\nmarketplace = \"wb\"\ntoken_env = \"WB\"\n\n\
        [[accounts]]\nname = \"Полка\"   # Ozon\nmarketplace = \"ozon\"\nclient_id = \"1\"\napi_key_env = \"OZ\"\n";

    fn entry(name: &str) -> AccountEntry {
        AccountEntry {
            name: name.into(),
            marketplace: Marketplace::Wb,
            token: None,
            token_env: Some("WB2".into()),
            client_id: None,
            api_key: None,
            api_key_env: None,
            base_urls: [("feedbacks".to_string(), "http://127.0.0.1:9".to_string())].into(),
        }
    }

    #[test]
    fn edits_keep_comments_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).unwrap();
        let mut doc = open(&path).unwrap();
        add_account(&mut doc, &entry("Склад")).unwrap();
        rename_account(&mut doc, "Полка", "Большая полка").unwrap();
        remove_account(&mut doc, "Дом").unwrap();
        save(&path, &doc).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# My shops\n\n[ui]\nlang = \"ru\" # always Russian\n"),
            "{text}"
        );
        assert!(text.contains("name = \"Большая полка\"   # Ozon"), "{text}");
        assert!(!text.contains("Дом"), "{text}");
        let polka = text.find("Большая полка").unwrap();
        let sklad = text.find("Склад").unwrap();
        assert!(polka < sklad, "new accounts go last: {text}");
        let accounts = crate::config::load_accounts(&path, &|_| Some("secret".into())).unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[1].base_urls["feedbacks"], "http://127.0.0.1:9");
    }

    #[test]
    fn mistakes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).unwrap();
        let mut doc = open(&path).unwrap();
        assert!(add_account(&mut doc, &entry("Дом")).is_err());
        assert!(rename_account(&mut doc, "Дом", "Полка").is_err());
        assert!(remove_account(&mut doc, "Нет такого").is_err());
        let fresh = open(&dir.path().join("none.toml")).unwrap();
        assert!(fresh.to_string().is_empty());
    }
}
