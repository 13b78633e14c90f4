//! `cargo xtask serve`: one full build (the HTML checks and the search index), then
//! `mdbook serve` on localhost:3000 with live reload, the index rebuilt after each rebuild.

use std::path::Path;

use anyhow::Result;

use crate::process::Steps;

/// Builds the book, then serves it until Ctrl-C, as numbered steps.
pub fn run(root: &Path) -> Result<()> {
    let mut steps = Steps::new(3);
    steps.run(super::build::TOOLS_STEP, || crate::tools::ensure(root))?;
    steps.run("mdbook build, HTML check and search index", || {
        super::build::book(root)
    })?;
    steps.run(
        "mdbook serve on http://localhost:3000 (Ctrl-C stops)",
        || crate::web::serve(root),
    )
}
