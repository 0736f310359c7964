//! `agentiq settings list | get KEY | set KEY VALUE [--account A]`: the settings screen's
//! fields from the command line, with the screen's parsing and the same check before a
//! value is stored. A key is the section and the field's path: `sla.review.hours`.

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::exit::{fail, Failure};
use super::labels::Labels;
use super::out;
use super::script::{account_id, existing_store, Style};
use crate::config::Paths;
use crate::settings::editable::{with_path, Layers, Refused};
use crate::settings::Scope;
use crate::tui::settings_form::{self, Field, Source};
use crate::tui::settings_sections::{editable, read_layers, store_layer, EDITABLE};

#[derive(Args, Debug)]
pub struct SettingsArgs {
    #[command(subcommand)]
    pub action: SettingsAction,
    /// An account's name or id: its own values (overrides); default: the global ones.
    #[arg(long, global = true)]
    pub account: Option<String>,
    #[command(flatten)]
    pub style: Style,
}

#[derive(Subcommand, Debug)]
pub enum SettingsAction {
    /// Every field with its value and where the value comes from.
    List,
    /// One field's value.
    Get { key: String },
    /// Changes one field, checked as the settings screen checks it. Lists take one entry
    /// per line (or a JSON array).
    Set {
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

pub async fn run(args: &SettingsArgs, paths: &Paths) -> Result<()> {
    let store = existing_store(paths)?;
    let conn = store.reader()?;
    let scope = match &args.account {
        Some(name) => Scope::Account(account_id(&conn, name)?),
        None => Scope::Global,
    };
    let layers = read_layers(&conn, scope)?;
    drop(conn);
    let labels = Labels::for_lang(args.style.language_in(paths));
    match &args.action {
        SettingsAction::List => {
            let mut text = String::new();
            for section in &layers {
                for field in settings_form::fields(section, scope) {
                    text.push_str(&field_line(section.key, &field, args.style.json, labels));
                    text.push('\n');
                }
            }
            out::print(&text)?;
        }
        SettingsAction::Get { key } => {
            let (section, field) = find(&layers, scope, key)?;
            out::line(&field_line(section.key, &field, args.style.json, labels))?;
        }
        SettingsAction::Set { key, value } => {
            let (section, field) = find(&layers, scope, key)?;
            let typed = match (field.kind, value.trim_start().starts_with('[')) {
                // A list may come as a JSON array too.
                (settings_form::FieldKind::List, true) => {
                    settings_form::parse_input(settings_form::FieldKind::Json, value)
                }
                (kind, _) => settings_form::parse_input(kind, value),
            }
            .map_err(|e| {
                fail(
                    Failure::Usage,
                    format!("{key} = {value}: {}", e.text(labels.lang)),
                )
            })?;
            let layer = with_path(section.stored(scope), &field.path, typed);
            let section_key = section.key.to_string();
            let writer = store.writer()?;
            writer
                .call(move |conn| store_layer(conn, scope, &section_key, Some(&layer)))
                .await
                .map_err(|e| {
                    // A refusal reads in the UI's language; anything else is as it came.
                    let why = match e.downcast_ref::<Refused>() {
                        Some(r) => r
                            .refusal
                            .text(labels.lang == crate::tui::Lang::Ru)
                            .to_string(),
                        None => format!("{e:#}"),
                    };
                    fail(Failure::Usage, format!("{key} = {value}: {why}"))
                })?;
            let conn = store.reader()?;
            let layers = read_layers(&conn, scope)?;
            let (section, field) = find(&layers, scope, key)?;
            if !args.style.json {
                out::print(&format!("{}: ", labels.saved))?;
            }
            out::line(&field_line(section.key, &field, args.style.json, labels))?;
        }
    }
    Ok(())
}

/// The section and field `key` names.
fn find<'a>(layers: &'a [Layers], scope: Scope, key: &str) -> Result<(&'a Layers, Field)> {
    let unknown = || {
        fail(
            Failure::Usage,
            format!(
                "no setting '{key}' (sections: {}; `agentiq settings list` shows every key)",
                EDITABLE
                    .iter()
                    .map(|e| e.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    let (section_key, path) = key.split_once('.').ok_or_else(unknown)?;
    editable(section_key).ok_or_else(unknown)?;
    let section = layers
        .iter()
        .find(|l| l.key == section_key)
        .ok_or_else(unknown)?;
    let field = settings_form::fields(section, scope)
        .into_iter()
        .find(|f| f.name() == path)
        .ok_or_else(unknown)?;
    Ok((section, field))
}

fn source_name(source: Source, json: bool, l: &Labels) -> &'static str {
    match (source, json) {
        (Source::Default, true) => "default",
        (Source::Global, true) => "global",
        (Source::Account, true) => "account",
        (Source::Default, false) => l.from_default,
        (Source::Global, false) => l.from_global,
        (Source::Account, false) => l.from_account,
    }
}

fn field_line(section: &str, field: &Field, json: bool, l: &Labels) -> String {
    let key = format!("{section}.{}", field.name());
    if json {
        json!({
            "key": key,
            "value": field.value,
            "source": source_name(field.source, true, l),
        })
        .to_string()
    } else {
        format!(
            "{key} = {}  ({})",
            settings_form::display(&field.value),
            source_name(field.source, false, l)
        )
    }
}
