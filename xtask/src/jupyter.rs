//! What running the notebooks needs: the evcxr kernel and a Python venv with the Jupyter
//! client libraries (`cargo xtask notebooks-run` and `cargo xtask jupyter` use them).
//!
//! Everything is pinned and installed on first use: evcxr_jupyter with `cargo install
//! --locked` into the tools folder, `rust-src` with rustup, the Python packages from
//! `xtask/py/requirements-*.txt` into `target/jupyter/venv`. The kernel spec is written
//! into that venv (`share/jupyter/kernels/rust`), where Jupyter looks first, so nothing
//! outside the repository and the tools folder is touched. Each kernel starts in an evcxr
//! folder of its own under `target/jupyter/evcxr/`, reused once its kernel has exited, so
//! the book's crate is compiled once per folder (`xtask/py/evcxr_kernel.py`).
//!
//! For JupyterLab ([`lab`]) the venv also gets the book's settings: no news prompt, no
//! update check, no PyPI extension listing (the book works offline), every cell rendered
//! (`windowingMode: none`, so the page holds every output); and the notebooks' crate is
//! compiled before JupyterLab opens, in the folder the first kernel will take.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use crate::process::run_command;
use crate::python::{ensure_venv, pip_install};
use crate::tools::{self, EVCXR};
use xtask::notebooks;

/// Where the venv lives and how to call its Python.
pub struct Jupyter {
    pub venv: PathBuf,
}

impl Jupyter {
    /// Fails unless the kernel spec still starts kernels through `evcxr_kernel.py`: after
    /// kernels have run, this shows that nothing wrote another spec over the book's.
    pub fn check_spec(&self) -> Result<()> {
        let path = self.venv.join("share/jupyter/kernels/rust/kernel.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the kernel spec {}", path.display()))?;
        ensure!(
            text.contains("evcxr_kernel.py"),
            "the kernel spec {} no longer starts kernels through xtask/py/evcxr_kernel.py (did evcxr_jupyter rewrite it?): {text}",
            path.display()
        );
        Ok(())
    }

    /// The venv's Python, with the kernel spec and evcxr's folder set.
    pub fn python(&self) -> Command {
        let mut command = Command::new(self.venv.join("bin/python"));
        command.env("JUPYTER_PATH", self.venv.join("share/jupyter"));
        command
    }
}

/// Everything the notebooks need, installed if missing.
pub fn ensure(root: &Path) -> Result<Jupyter> {
    let tools = tools::ensure_tool(root, &EVCXR)?;
    // evcxr reads the standard library's source to analyse cells.
    run_command(Command::new("rustup").args(["component", "add", "rust-src"]))
        .context("adding rust-src, which evcxr reads")?;
    let base = root.join("target/jupyter");
    let venv = base.join("venv");
    ensure_venv(&venv)?;
    pip_install(&venv, &root.join("xtask/py/requirements-notebooks.txt"))?;
    let exe = tools.dir.join("bin/evcxr_jupyter");
    // evcxr_jupyter's own install writes the kernel folder's resources and its version.txt;
    // without that file, the first kernel to start "updates" the installation and writes its
    // own kernel.json over the book's (seen in a cold CI run: every kernel then ran without
    // its folder, compiling the crate anew for each notebook).
    let jupyter_path = venv.join("share/jupyter");
    run_command(
        Command::new(&exe)
            .arg("--install")
            .env("JUPYTER_PATH", &jupyter_path),
    )
    .context("installing evcxr's kernel resources into the venv")?;
    let kernel = jupyter_path.join("kernels/rust");
    let evcxr_dir = base.join("evcxr");
    // Every kernel starts through evcxr_kernel.py, which gives it an evcxr folder of its own
    // under `evcxr_dir`, reused (warm) once its kernel has exited.
    let spec = serde_json::json!({
        "argv": [
            venv.join("bin/python"),
            root.join("xtask/py/evcxr_kernel.py"),
            &evcxr_dir,
            exe,
            "--control_file",
            "{connection_file}",
        ],
        "display_name": "Rust",
        "language": "rust",
        "interrupt_mode": "message",
    });
    let spec_path = kernel.join("kernel.json");
    std::fs::write(&spec_path, spec.to_string())
        .with_context(|| format!("writing the kernel spec {}", spec_path.display()))?;
    let jupyter = Jupyter { venv };
    jupyter.check_spec()?;
    Ok(jupyter)
}

/// JupyterLab ready for a reader: installed, configured, and the notebooks' crate compiled.
pub struct Lab {
    pub jupyter: Jupyter,
}

impl Lab {
    /// The venv's Python with the kernels pointed at the prebuilt crate.
    pub fn command(&self) -> Command {
        let mut command = self.jupyter.python();
        self.env(&mut command);
        command
    }

    /// What any process that starts JupyterLab's kernels needs: the kernel spec.
    pub fn env<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command.env("JUPYTER_PATH", self.jupyter.venv.join("share/jupyter"))
    }
}

/// Installs JupyterLab, writes the book's settings into the venv and compiles the
/// notebooks' crate once (evcxr's `:dep` cell run headlessly), so that a reader's first
/// cell takes seconds.
pub fn lab(root: &Path) -> Result<Lab> {
    let jupyter = ensure(root)?;
    pip_install(
        &jupyter.venv,
        &root.join("xtask/py/requirements-jupyterlab.txt"),
    )?;
    for (from, to) in [
        (
            "xtask/py/jupyterlab-overrides.json",
            "share/jupyter/lab/settings/overrides.json",
        ),
        (
            "xtask/py/jupyter_server_config.json",
            "etc/jupyter/jupyter_server_config.json",
        ),
    ] {
        let text =
            std::fs::read_to_string(root.join(from)).with_context(|| format!("reading {from}"))?;
        let to = jupyter.venv.join(to);
        listings::machinery::fresh::write_if_changed(&to, &text)
            .with_context(|| format!("writing JupyterLab's settings {}", to.display()))?;
    }
    let lab = Lab { jupyter };
    let first = notebooks::chapters(root)?
        .first()
        .map(|chapter| {
            root.join("notebooks")
                .join(notebooks::file_name(&chapter.stem))
        })
        .context("the book has no notebook to prebuild its crate with")?;
    run_command(
        lab.command()
            .arg(root.join("xtask/py/execute_notebooks.py"))
            .arg("--prebuild")
            .arg(&first),
    )
    .context("compiling the notebooks' crate for JupyterLab's kernels")?;
    Ok(lab)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_written_over_the_books_is_seen() {
        let venv = std::env::temp_dir().join(format!("xtask-spec-test-{}", std::process::id()));
        let kernel = venv.join("share/jupyter/kernels/rust");
        std::fs::create_dir_all(&kernel).unwrap();
        let jupyter = Jupyter { venv: venv.clone() };
        // What evcxr_jupyter's own install writes: the kernel itself, no folder of its own.
        std::fs::write(
            kernel.join("kernel.json"),
            r#"{"argv":["/tools/bin/evcxr_jupyter","--control_file","{connection_file}"]}"#,
        )
        .unwrap();
        let err = jupyter.check_spec().unwrap_err();
        assert!(
            err.to_string().contains("no longer starts kernels"),
            "{err}"
        );
        std::fs::write(
            kernel.join("kernel.json"),
            r#"{"argv":["/venv/bin/python","/repo/xtask/py/evcxr_kernel.py","/repo/target/jupyter/evcxr","/tools/bin/evcxr_jupyter","--control_file","{connection_file}"]}"#,
        )
        .unwrap();
        jupyter.check_spec().unwrap();
        std::fs::remove_dir_all(&venv).unwrap();
    }
}
