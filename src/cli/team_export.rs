//! `agentiq export interactions` when `[store] url` names a team's shared PostgreSQL
//! database: the same columns and flavours as on SQLite, streamed from the shared store
//! as the connected person sees it (an operator: their shops). See docs/team.md.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;

use super::exit::FailureExt;
use super::out;
use crate::analytics::{self, ExportFormat, ExportQuery, FilterArgs};
use crate::store::pg::{self, PgStore};

/// Where an export goes: the file `output` (created), else standard output.
pub fn export_sink(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(out::Stdout::lock()),
    })
}

/// The interactions export of the items created in `filter`'s period on the database
/// at `url`.
pub fn export_interactions(
    url: &str,
    filter: &FilterArgs,
    format: ExportFormat,
    output: Option<&Path>,
) -> Result<()> {
    let mut client = PgStore::new(url)
        .connect()
        .kind(super::exit::Failure::Unavailable)?;
    let accounts = pg::queue::accounts(&mut client)?;
    let now = Utc::now();
    let filter = analytics::resolve_query_by(filter, now, &mut |name| {
        let by_id = name.trim().parse::<i64>().ok();
        Ok(accounts
            .iter()
            .find(|a| a.name == name || Some(a.id) == by_id)
            .map(|a| a.id))
    })?;
    let query = ExportQuery::new(filter, now);
    let mut sink = export_sink(output)?;
    let rows = analytics::export_interactions_pg(&mut client, &query, format, &mut sink)?;
    sink.flush()?;
    if let Some(path) = output {
        eprintln!("{rows} rows written to {}", path.display());
    }
    Ok(())
}
