//! `cargo xtask jupyter`: the kernel and JupyterLab (pinned), installed if missing, the
//! notebooks' crate compiled, and JupyterLab opened on `notebooks/`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::jupyter;
use crate::process::run_command;

/// Installs and configures JupyterLab, prebuilds the crate, and opens the notebooks in it.
pub fn run(root: &Path) -> Result<()> {
    let lab = jupyter::lab(root)?;
    println!("the book's crate is compiled: each notebook's first cell now takes seconds");
    run_command(
        lab.command()
            // --allow-root: JupyterLab refuses root without it (CI machines and containers).
            .args(["-m", "jupyter", "lab", "--allow-root", "--notebook-dir"])
            .arg(root.join("notebooks")),
    )
    .context("running JupyterLab")
}
