//! `agentiq doctor` in team mode: whether the shared PostgreSQL database answers, as whom,
//! and whether its schema is current.

use crate::store::pg::{self, changes, redacted, PgStore};
use crate::tui::Lang;

use super::doctor_cmd::Line;

/// The team database's line of the report.
pub async fn check(url: &str, l: Lang) -> Line {
    let name = match l {
        Lang::Ru => "база команды",
        Lang::En => "team database",
    };
    let store = PgStore::new(url);
    let probed = tokio::task::spawn_blocking(move || -> anyhow::Result<(String, String, i32)> {
        let mut client = store.connect()?;
        let (member, role) = changes::whoami(&mut client).or_else(|_| {
            // A schema without migration 005 yet: who, without the role.
            let row = client.query_one("SELECT session_user::text", &[])?;
            anyhow::Ok((row.get::<_, String>(0), "?".to_string()))
        })?;
        let version: i32 = client
            .query_one(
                "SELECT coalesce((SELECT max(version) FROM agentiq_migrations), 0)",
                &[],
            )
            .map(|r| r.get(0))
            .unwrap_or(0);
        Ok((member, role, version))
    })
    .await;
    let at = redacted(url);
    let latest = pg::latest_version() as i32;
    match probed {
        Ok(Ok((member, role, version))) if version >= latest => Line::ok(
            name,
            match l {
                Lang::Ru => format!("{at}: подключено как {member} ({role}), схема {version}"),
                Lang::En => format!("{at}: connected as {member} ({role}), schema {version}"),
            },
        ),
        Ok(Ok((member, _, version))) => Line::warn(
            name,
            match l {
                Lang::Ru => format!("{at}: подключено как {member}, схема {version} из {latest}"),
                Lang::En => format!("{at}: connected as {member}, schema {version} of {latest}"),
            },
            match l {
                Lang::Ru => "владелец обновит схему: `agentiq sync --once` на его машине",
                Lang::En => "the owner brings it up to date: `agentiq sync --once` on their machine",
            },
        ),
        Ok(Err(err)) => Line::fail(
            name,
            format!("{at}: {err:#}"),
            match l {
                Lang::Ru => "проверьте адрес ([store] url или AGENTIQ_DATABASE_URL), что PostgreSQL запущен и пускает эту роль",
                Lang::En => "check the URL ([store] url or AGENTIQ_DATABASE_URL), that PostgreSQL runs and lets this role in",
            },
        ),
        Err(err) => Line::fail(name, err.to_string(), "internal error"),
    }
}
