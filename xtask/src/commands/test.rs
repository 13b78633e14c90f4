//! `cargo xtask test`: everything CI checks, as numbered steps with their times: fmt,
//! clippy, `cargo test`, the preprocessors' self-tests, the translations current, the book
//! build (both editions) and its HTML checks,
//! links, the browser test, live reload, the notebooks on the evcxr kernel, and the
//! notebooks in JupyterLab in Chromium.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::process::{Steps, cargo, cargo_step, run_command};
use crate::tools::{self, Install};
use crate::web;

/// Runs every check, stopping at the first that fails.
pub fn run(root: &Path) -> Result<()> {
    // The tools later steps need and that are built from source (minutes, the first time)
    // start installing now, in the background, so that their builds overlap the steps
    // before them; each is waited for by the step that needs it.
    let book_tools = tools::TOOLS
        .iter()
        .map(|tool| Install::start(root, tool))
        .collect::<Result<Vec<_>>>()?;
    let evcxr = Install::start(root, &tools::EVCXR)?;
    let mut steps = Steps::new(11);
    steps.run("rustfmt --check", || {
        run_command(cargo().args(["fmt", "--all", "--check"]))
    })?;
    steps.run("clippy -D warnings", || {
        run_command(cargo_step("clippy").args([
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    // The benchmark worker has no tests, and building candle for nothing would cost CI
    // minutes; clippy above still checks it.
    steps.run("cargo test (listings, chapters, numbers, book)", || {
        run_command(cargo_step("test").args(["--workspace", "--exclude", "bench-peers"]))
    })?;
    steps.run("the preprocessors' self-tests (dedent, math)", || {
        run_command(Command::new("python3").args(["preprocessors/dedent.py", "self-test"]))?;
        run_command(Command::new("python3").args(["preprocessors/math.py", "self-test"]))
    })?;
    steps.run(
        "every translation current (first time: waits for mdbook and mdbook-i18n-helpers)",
        || {
            for install in book_tools.into_iter().flatten() {
                install.wait()?;
            }
            super::po::check(root)
        },
    )?;
    let book = steps.run(
        "mdbook build of both editions, HTML check and search index",
        || super::build::book(root),
    )?;
    steps.run(
        "links and anchors (first time: installs lychee from PyPI, seconds)",
        || web::links(root, &book),
    )?;
    steps.run(
        "the book in Chromium (first time: installs Debian's chromium)",
        || web::browser(root, &book),
    )?;
    steps.run("live reload and search of `cargo xtask serve`", || {
        super::serve_check::run(root)
    })?;
    steps.run(
        "every notebook on the evcxr kernel (first time: waits for evcxr_jupyter)",
        || {
            if let Some(install) = evcxr {
                install.wait()?;
            }
            super::notebooks_run::run(root)
        },
    )?;
    steps.run(
        "every notebook in JupyterLab in Chromium (first time: installs JupyterLab, about 2 min)",
        || super::lab_check::run(root),
    )?;
    Ok(())
}
