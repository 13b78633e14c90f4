//! Python venvs under `target/`, filled from the pinned `xtask/py/requirements-*.txt`:
//! one for the Jupyter client and JupyterLab, one with PyTorch for the bench and the goldens.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::process::run_command;

/// Creates the venv at `dir` unless it exists.
pub fn ensure_venv(dir: &Path) -> Result<()> {
    if !dir.join("bin/python").exists() {
        run_command(Command::new("python3").arg("-m").arg("venv").arg(dir))
            .with_context(|| format!("creating the Python venv {}", dir.display()))?;
    }
    Ok(())
}

/// Installs `requirements` into the venv unless this exact file was installed already.
pub fn pip_install(venv: &Path, requirements: &Path) -> Result<()> {
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("reading the pins {}", requirements.display()))?;
    let stamp = venv.join(format!(
        "installed-{}",
        requirements
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("requirements")
    ));
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    run_command(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(requirements),
    )
    .with_context(|| {
        format!(
            "installing {} into {}",
            requirements.display(),
            venv.display()
        )
    })?;
    std::fs::write(&stamp, wanted)
        .with_context(|| format!("writing the install stamp {}", stamp.display()))
}

/// The venv with the pinned PyTorch (`target/bench/venv`), created and filled if needed;
/// returns its Python.
pub fn torch(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/bench/venv");
    ensure_venv(&venv)?;
    pip_install(&venv, &root.join("xtask/py/requirements-bench.txt"))?;
    Ok(venv.join("bin/python"))
}
