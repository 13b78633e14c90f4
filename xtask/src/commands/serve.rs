//! `cargo xtask serve`: one full build (the HTML checks and the search index), then
//! `mdbook serve` on localhost:3000 with live reload, the index rebuilt after each rebuild.

use std::path::Path;

use anyhow::Result;

/// Builds the book, then serves it until Ctrl-C.
pub fn run(root: &Path) -> Result<()> {
    super::build::book(root)?;
    crate::web::serve(root)
}
