//! `agentiq completions SHELL` and `agentiq man`: generated from the command line's own
//! description, so they never fall behind it.

use anyhow::Result;

use super::out;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, mut command: clap::Command) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "agentiq", &mut script);
    out::print(&String::from_utf8_lossy(&script))?;
    Ok(())
}

/// The manual page, roff.
pub fn man(command: clap::Command) -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    out::print(&String::from_utf8_lossy(&page))?;
    Ok(())
}
