//! Running the notebooks: the evcxr kernel, a Python venv with the Jupyter client
//! libraries, and the executor script `xtask/py/execute_notebooks.py`.
//!
//! Everything is pinned and installed on first use: evcxr_jupyter with `cargo install
//! --locked` into the tools folder, `rust-src` with rustup, the Python packages from
//! `xtask/py/requirements-*.txt` into `target/jupyter/venv`. The kernel spec is written
//! into that venv (`share/jupyter/kernels/rust`), where Jupyter looks first, so nothing
//! outside the repository and the tools folder is touched.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::{self, EVCXR};
use crate::{Result, run};

/// Where the venv lives and how to call its Python.
pub struct Jupyter {
    pub venv: PathBuf,
    pub evcxr_dir: PathBuf,
}

impl Jupyter {
    fn python(&self) -> Command {
        let mut command = Command::new(self.venv.join("bin/python"));
        command.env("JUPYTER_PATH", self.venv.join("share/jupyter"));
        command.env("BOOK_EVCXR_DIR", &self.evcxr_dir);
        command
    }
}

/// Installs `requirements` into the venv unless this exact file was installed already.
pub(crate) fn pip_install(venv: &Path, requirements: &Path) -> Result {
    let wanted = std::fs::read_to_string(requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
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
    run(Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements))?;
    std::fs::write(&stamp, wanted).map_err(|e| e.to_string())
}

/// Everything the notebooks need, installed if missing.
pub fn ensure(root: &Path) -> Result<Jupyter> {
    let tools = tools::ensure_tool(root, &EVCXR)?;
    // evcxr reads the standard library's source to analyse cells.
    run(Command::new("rustup").args(["component", "add", "rust-src"]))?;
    let base = root.join("target/jupyter");
    let venv = base.join("venv");
    if !venv.join("bin/python").exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    pip_install(&venv, &root.join("xtask/py/requirements-notebooks.txt"))?;
    let kernel = venv.join("share/jupyter/kernels/rust");
    std::fs::create_dir_all(&kernel).map_err(|e| e.to_string())?;
    let exe = tools.dir.join("bin/evcxr_jupyter");
    let spec = serde_json::json!({
        "argv": [exe, "--control_file", "{connection_file}"],
        "display_name": "Rust",
        "language": "rust",
        "interrupt_mode": "message",
    });
    std::fs::write(kernel.join("kernel.json"), spec.to_string()).map_err(|e| e.to_string())?;
    Ok(Jupyter {
        venv,
        evcxr_dir: base.join("evcxr"),
    })
}

/// Proves the checks catch a wrong number, a panic and a compile error, then executes
/// every notebook and checks every cell.
pub fn test(root: &Path) -> Result {
    let jupyter = ensure(root)?;
    let script = root.join("xtask/py/execute_notebooks.py");
    run(jupyter
        .python()
        .arg(&script)
        .arg("--self-test")
        .arg(root.join("notebooks")))?;
    let mut notebooks: Vec<PathBuf> = std::fs::read_dir(root.join("notebooks"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .collect();
    notebooks.sort();
    run(jupyter.python().arg(&script).args(&notebooks))
}

/// Installs JupyterLab too and opens the notebooks in it.
pub fn lab(root: &Path) -> Result {
    let jupyter = ensure(root)?;
    pip_install(
        &jupyter.venv,
        &root.join("xtask/py/requirements-jupyterlab.txt"),
    )?;
    run(jupyter
        .python()
        // --allow-root: JupyterLab refuses root without it (CI machines and containers).
        .args(["-m", "jupyter", "lab", "--allow-root", "--notebook-dir"])
        .arg(root.join("notebooks")))
}
