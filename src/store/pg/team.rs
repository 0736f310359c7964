//! People of a team: each is a PostgreSQL login role, a member of the group role of their
//! role (`agentiq_manager`, `agentiq_operator`), on some shops. The owner is the role that
//! owns the database's tables (it set them up) and manages the others.

use anyhow::{bail, Context, Result};
use postgres::GenericClient;

use crate::cli::exit::{fail, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manager,
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Manager => "manager",
            Role::Operator => "operator",
        }
    }

    fn group(self) -> &'static str {
        match self {
            Role::Manager => "agentiq_manager",
            Role::Operator => "agentiq_operator",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "manager" => Ok(Role::Manager),
            "operator" => Ok(Role::Operator),
            "owner" => Err("the owner is the database's owner; add managers and operators".into()),
            other => Err(format!("unknown role {other}: manager or operator")),
        }
    }
}

/// A person of the team, as `team list` shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub name: String,
    pub role: String,
    pub shops: Vec<String>,
}

/// A login name fit to be a PostgreSQL role: lower-case letters, digits and `_`, starting
/// with a letter, at most 63 bytes; the `agentiq_` prefix is ours.
fn checked_name(name: &str) -> Result<&str> {
    let fits = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with("agentiq_")
        && !name.starts_with("pg_");
    if !fits {
        return Err(fail(
            Failure::Usage,
            format!(
                "{name:?} cannot be a team member's name: use lower-case latin letters, digits \
                 and _, starting with a letter (it becomes a database login)"
            ),
        ));
    }
    Ok(name)
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Adds `name` as a login role in `role` on `shops` (shop names), with `password` when the
/// database checks passwords.
pub fn add_member(
    client: &mut impl GenericClient,
    name: &str,
    role: Role,
    shops: &[String],
    password: Option<&str>,
) -> Result<()> {
    let name = checked_name(name)?;
    let mut tx = client.transaction()?;
    let exists = tx
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])?
        .is_some();
    if exists {
        bail!(fail(
            Failure::Data,
            format!("a database role {name} exists already; remove it or pick another name")
        ));
    }
    let password = password
        .map(|p| format!(" PASSWORD {}", literal(p)))
        .unwrap_or_default();
    tx.batch_execute(&format!(
        "CREATE ROLE \"{name}\" LOGIN{password} IN ROLE {}",
        role.group()
    ))
    .with_context(|| format!("creating the database role {name}"))?;
    tx.execute(
        "INSERT INTO team_members (member, role) VALUES ($1, $2)",
        &[&name, &role.as_str()],
    )?;
    for shop in shops {
        let added = tx.execute(
            "INSERT INTO team_shops (member, account_id) SELECT $1, id FROM accounts WHERE name = $2",
            &[&name, shop],
        )?;
        if added == 0 {
            bail!(fail(
                Failure::Data,
                format!("no shop named {shop:?} in the shared database (run sync first)")
            ));
        }
    }
    tx.commit()?;
    Ok(())
}

/// Removes `name`: their claims return to the queue and their login is dropped.
pub fn remove_member(client: &mut impl GenericClient, name: &str) -> Result<()> {
    let name = checked_name(name)?;
    let mut tx = client.transaction()?;
    let removed = tx.execute("DELETE FROM team_members WHERE member = $1", &[&name])?;
    if removed == 0 {
        bail!(fail(Failure::Data, format!("{name} is not on the team")));
    }
    tx.execute(
        "UPDATE interactions SET claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL
         WHERE claimed_by = $1",
        &[&name],
    )?;
    tx.batch_execute(&format!("DROP ROLE IF EXISTS \"{name}\""))
        .with_context(|| format!("dropping the database role {name}"))?;
    tx.commit()?;
    Ok(())
}

/// Moves `name` to `role`.
pub fn set_role(client: &mut impl GenericClient, name: &str, role: Role) -> Result<()> {
    let name = checked_name(name)?;
    let mut tx = client.transaction()?;
    let changed = tx.execute(
        "UPDATE team_members SET role = $2 WHERE member = $1",
        &[&name, &role.as_str()],
    )?;
    if changed == 0 {
        bail!(fail(Failure::Data, format!("{name} is not on the team")));
    }
    let other = match role {
        Role::Manager => Role::Operator,
        Role::Operator => Role::Manager,
    };
    tx.batch_execute(&format!(
        "REVOKE {} FROM \"{name}\"; GRANT {} TO \"{name}\"",
        other.group(),
        role.group()
    ))?;
    tx.commit()?;
    Ok(())
}

pub fn list_members(client: &mut impl GenericClient) -> Result<Vec<Member>> {
    let rows = client.query(
        "SELECT m.member, m.role,
                coalesce(array_agg(a.name ORDER BY a.name) FILTER (WHERE a.name IS NOT NULL),
                         '{}')
         FROM team_members m
         LEFT JOIN team_shops s ON s.member = m.member
         LEFT JOIN accounts a ON a.id = s.account_id
         GROUP BY m.member, m.role
         ORDER BY m.member",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| Member {
            name: r.get(0),
            role: r.get(1),
            shops: r.get(2),
        })
        .collect())
}
