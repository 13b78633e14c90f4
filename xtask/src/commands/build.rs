//! `cargo xtask build`: the book into `book/`, any mdBook warning an error, then the HTML
//! checks and the search index.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::process::Steps;
use crate::{html_check, tools, web};

/// What a person is told the first install of the book's tools costs (both built from
/// source, side by side; measured cold on a 2-core machine).
pub const TOOLS_STEP: &str = "the pinned mdbook, mdbook-katex and mdbook-i18n-helpers (first time: built from source, about 5 min)";

/// Builds the book and checks it, as numbered steps.
pub fn run(root: &Path) -> Result<()> {
    let mut steps = Steps::new(3);
    steps.run(TOOLS_STEP, || tools::ensure(root))?;
    let out = steps.run("mdbook build", || mdbook_build(root))?;
    steps.run("HTML check and search index", || {
        check_and_index(root, &out)
    })
}

/// Builds the book into `book/`, failing on any warning, then checks the HTML and indexes
/// it for search; returns the built book's folder.
pub fn book(root: &Path) -> Result<PathBuf> {
    let out = mdbook_build(root)?;
    check_and_index(root, &out)?;
    Ok(out)
}

/// `mdbook build` into `book/` (installing the tools if missing), any warning an error.
fn mdbook_build(root: &Path) -> Result<PathBuf> {
    let tools = tools::ensure(root)?;
    let out = root.join("book");
    eprintln!("xtask: $ mdbook build");
    let output = tools
        .command("mdbook")
        .arg("build")
        .current_dir(root)
        .output()
        .context("could not start mdbook")?;
    let log = String::from_utf8_lossy(&output.stderr);
    eprint!("{log}");
    if !output.status.success() {
        bail!("mdbook build failed ({}); its log is above", output.status);
    }
    let warnings = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .count();
    if warnings > 0 {
        bail!("mdbook build printed {warnings} warning(s); warnings are errors here");
    }
    Ok(out)
}

/// The HTML checks of the built book in `out`, then its search index.
fn check_and_index(root: &Path, out: &Path) -> Result<()> {
    let report = html_check::check_book(out).context("checking the built HTML")?;
    web::index(root)?;
    eprintln!(
        "xtask: HTML check: {} pages, {} formulas rendered, {} local resources, no raw TeX, no {{{{#…}}}}, nothing from outside the book",
        report.pages, report.formulas, report.resources
    );
    Ok(())
}
