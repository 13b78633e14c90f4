//! `cargo xtask goldens`: PyTorch's test inputs for cross-entropy and torch's answers,
//! recomputed into `listings/tests/golden/pytorch-test-suite.json.gz` (see
//! `xtask/py/goldens.py`) with the bench's venv.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::process::run_command;
use crate::python;

/// Recomputes the goldens with the pinned PyTorch.
pub fn run(root: &Path) -> Result<()> {
    let torch = python::torch(root)?;
    // torch.testing._internal imports expecttest, which the benchmark does not need.
    let venv = torch
        .parent()
        .and_then(Path::parent)
        .with_context(|| format!("{} is not inside a venv", torch.display()))?;
    python::pip_install(venv, &root.join("xtask/py/requirements-goldens.txt"))?;
    run_command(
        Command::new(&torch)
            .arg(root.join("xtask/py/goldens.py"))
            .arg(root.join("listings/tests/golden/pytorch-test-suite.json.gz")),
    )
    .context("computing the goldens with PyTorch")
}
