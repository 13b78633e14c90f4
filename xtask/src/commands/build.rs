//! `cargo xtask build`: the book into `book/`, any mdBook warning an error, then the HTML
//! checks and the search index.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::{html_check, tools, web};

/// Builds the book and checks it.
pub fn run(root: &Path) -> Result<()> {
    book(root).map(|_| ())
}

/// Builds the book into `book/`, failing on any warning, then checks the HTML and indexes
/// it for search; returns the built book's folder.
pub fn book(root: &Path) -> Result<PathBuf> {
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
    let report = html_check::check_book(&out).context("checking the built HTML")?;
    web::index(root)?;
    eprintln!(
        "xtask: HTML check: {} pages, {} formulas rendered, {} local resources, no raw TeX, no {{{{#…}}}}, nothing from outside the book",
        report.pages, report.formulas, report.resources
    );
    Ok(out)
}
