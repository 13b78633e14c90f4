//! `cargo xtask tools`: the pinned mdbook and mdbook-katex, installed into the tools folder
//! if missing (see `crate::tools` for where the pins live).

use std::path::Path;

use anyhow::Result;

/// Installs the book's pinned tools.
pub fn run(root: &Path) -> Result<()> {
    crate::tools::ensure(root).map(|_| ())
}
