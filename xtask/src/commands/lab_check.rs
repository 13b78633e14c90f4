//! `cargo xtask lab-check`: the notebooks of every edition run in JupyterLab in Chromium, as a
//! reader runs them (`web/jupyter.mjs`), and what each cell printed checked against the book.
//!
//! The notebooks run from a scratch copy under `target/lab-check/` (JupyterLab saves into
//! it), whose `:dep listings` points at this checkout. A further copy of the first notebook
//! with one expected output made wrong runs too, and its check must fail: the test would
//! notice a notebook that prints something else than the book shows.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::process::run_command;
use crate::{jupyter, web};
use xtask::notebooks;

/// The name of the planted notebook whose expected output is wrong.
const WRONG: &str = "00-wrong-output.ipynb";

/// Installs and configures JupyterLab, runs every notebook in it, and checks the outputs.
pub fn run(root: &Path) -> Result<()> {
    let lab = jupyter::lab(root)?;
    web::browser_ready(root)?;
    let dir = root.join("target/lab-check/notebooks");
    let names = copy_notebooks(root, &dir)?;
    let shots = root.join("target/lab-check/screenshots");
    let mut command = Command::new("node");
    command
        .arg(root.join("web/jupyter.mjs"))
        .arg(lab.jupyter.venv.join("bin/python"))
        .arg(&dir)
        .arg(&shots)
        .args(&names);
    run_command(lab.env(&mut command)).context("running the notebooks in JupyterLab")?;
    let checker = root.join("xtask/py/execute_notebooks.py");
    let chapters: Vec<PathBuf> = names
        .iter()
        .filter(|n| n.as_str() != WRONG)
        .map(|n| dir.join(n))
        .collect();
    run_command(lab.command().arg(&checker).arg("--check").args(&chapters))
        .context("checking what JupyterLab's cells printed against the book")?;
    let wrong = lab
        .command()
        .arg(&checker)
        .arg("--check")
        .arg(dir.join(WRONG))
        .output()
        .context("checking the planted wrong notebook")?;
    let said = String::from_utf8_lossy(&wrong.stdout);
    ensure!(
        !wrong.status.success() && said.contains("stdout differs"),
        "the check passed a notebook whose expected output is wrong:\n{said}"
    );
    println!("lab-check self-test: {WRONG} fails as it must (stdout differs)");
    println!("screenshots: {}", shots.display());
    Ok(())
}

/// Copies the notebooks of every edition (a translation's named `<language>-NN-….ipynb`)
/// and `evcxr.toml` into `dir`, the dependency on `listings` made absolute, plus the
/// planted wrong notebook; returns the file names to run.
fn copy_notebooks(root: &Path, dir: &Path) -> Result<Vec<String>> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::copy(root.join("notebooks/evcxr.toml"), dir.join("evcxr.toml"))
        .context("copying notebooks/evcxr.toml")?;
    let listings = root.join("listings");
    let absolute = format!(r#"path = \"{}\""#, listings.display());
    let mut editions = vec![(String::new(), r#"path = \"../listings\""#.to_string())];
    for language in xtask::edition::languages(root)? {
        editions.push((
            format!("{language}/"),
            r#"path = \"../../listings\""#.to_string(),
        ));
    }
    let mut names = Vec::new();
    for (folder, relative) in &editions {
        for chapter in notebooks::chapters(root)? {
            let name = notebooks::file_name(&chapter.stem);
            let source = format!("notebooks/{folder}{name}");
            let text = std::fs::read_to_string(root.join(&source))
                .with_context(|| format!("reading {source}"))?;
            if !text.contains(relative.as_str()) {
                bail!("{source} has no `:dep listings = {{ {relative} }}` cell");
            }
            let text = text.replace(relative.as_str(), &absolute);
            if names.is_empty() {
                std::fs::write(dir.join(WRONG), plant_wrong_output(&text)?)
                    .with_context(|| format!("writing {WRONG}"))?;
            }
            let copy = format!("{}{name}", folder.replace('/', "-"));
            std::fs::write(dir.join(&copy), text).with_context(|| format!("copying {source}"))?;
            names.push(copy);
        }
    }
    names.push(WRONG.to_string());
    Ok(names)
}

/// The notebook with the first non-empty expected output of a listing changed.
fn plant_wrong_output(json: &str) -> Result<String> {
    let mut notebook: serde_json::Value =
        serde_json::from_str(json).context("parsing a notebook")?;
    let cells = notebook["cells"]
        .as_array_mut()
        .context("a notebook without cells")?;
    let expected = cells
        .iter_mut()
        .filter_map(|c| c.pointer_mut("/metadata/book/expected_stdout"))
        .find(|e| e.as_str().is_some_and(|s| !s.is_empty()))
        .context("a notebook with no expected output to make wrong")?;
    let wrong = format!(
        "{}（这一行是故意写错的）\n",
        expected.as_str().unwrap_or_default()
    );
    *expected = serde_json::Value::String(wrong);
    serde_json::to_string_pretty(&notebook).context("writing the planted notebook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planted_notebook_expects_something_else() {
        let json = r#"{"cells": [
            {"cell_type": "code", "metadata": {"book": {"expected_stdout": ""}}},
            {"cell_type": "code", "metadata": {"book": {"expected_stdout": "0.51\n"}}}
        ]}"#;
        let planted: serde_json::Value =
            serde_json::from_str(&plant_wrong_output(json).unwrap()).unwrap();
        assert_eq!(
            planted["cells"][0]["metadata"]["book"]["expected_stdout"],
            ""
        );
        assert_eq!(
            planted["cells"][1]["metadata"]["book"]["expected_stdout"],
            "0.51\n（这一行是故意写错的）\n"
        );
    }
}
