//! `cargo xtask notebooks-run`: every notebook executed on the evcxr kernel by
//! `xtask/py/execute_notebooks.py`, each code cell checked against what it must print.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::jupyter;
use crate::process::run_command;

/// Proves the checks catch a wrong number, a panic and a compile error, then executes
/// every notebook and checks every cell.
pub fn run(root: &Path) -> Result<()> {
    let jupyter = jupyter::ensure(root)?;
    let script = root.join("xtask/py/execute_notebooks.py");
    run_command(
        jupyter
            .python()
            .arg(&script)
            .arg("--self-test")
            .arg(root.join("notebooks")),
    )
    .context("the notebook checker's self-test")?;
    let folder = root.join("notebooks");
    let mut notebooks: Vec<PathBuf> = std::fs::read_dir(&folder)
        .with_context(|| format!("listing {}", folder.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .collect();
    notebooks.sort();
    run_command(jupyter.python().arg(&script).args(&notebooks)).context("executing the notebooks")
}
