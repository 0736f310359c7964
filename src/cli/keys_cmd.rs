//! `agentiq keys`: the effective keymap as a keymap file, and every problem of the files
//! it came from, each with its file and line. The output holds the valid bindings; the
//! exit code says whether anything was wrong (64 for a keymap name that does not exist,
//! 65 for problems in a file).

use std::path::Path;

use anyhow::Result;

use super::exit::{fail, Failure};
use super::out;
use crate::tui::KeymapProblem;

pub fn run(config_dir: &Path, name: &str) -> Result<()> {
    let (map, problems) = crate::tui::load_keymap_reporting(config_dir, name);
    out::print(&crate::tui::keymap_report(&map))?;
    for problem in &problems {
        eprintln!("{problem}");
    }
    let unknown = problems
        .iter()
        .any(|p| matches!(p, KeymapProblem::UnknownName(_)));
    match (unknown, problems.len()) {
        (_, 0) => Ok(()),
        (true, _) => Err(fail(
            Failure::Usage,
            format!("--keymap {name}: no such keymap"),
        )),
        (false, n) => Err(fail(
            Failure::Data,
            format!("{n} problem(s) in the keymap files; the valid bindings are shown"),
        )),
    }
}
