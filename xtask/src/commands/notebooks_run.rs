//! `cargo xtask notebooks-run`: every notebook of every edition executed on the evcxr kernel by
//! `xtask/py/execute_notebooks.py`, each code cell checked against what it must print.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use xtask::notebooks;

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
    // The self-test started kernels: the spec must still give each its own folder.
    jupyter.check_spec()?;
    // The chapters' notebooks, from SUMMARY.md, in every edition: a stray .ipynb in the
    // folder is not run.
    let mut folders = vec![root.join("notebooks")];
    for language in xtask::edition::languages(root)? {
        folders.push(root.join("notebooks").join(language));
    }
    let chapters = notebooks::chapters(root)?;
    let notebooks: Vec<PathBuf> = folders
        .iter()
        .flat_map(|folder| {
            chapters
                .iter()
                .map(|chapter| folder.join(notebooks::file_name(&chapter.stem)))
        })
        .collect();
    run_command(jupyter.python().arg(&script).args(&notebooks))
        .context("executing the notebooks")?;
    jupyter.check_spec()
}
