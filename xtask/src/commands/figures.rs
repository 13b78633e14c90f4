//! `cargo xtask figures`: every figure of `listings::machinery::figures`, drawn now and
//! written to `src/figures/` where it changed.

use std::path::Path;

use anyhow::{Context, Result};
use listings::machinery::{figures, fresh::write_if_changed};

/// Draws every figure and writes the ones that changed.
pub fn run(root: &Path) -> Result<()> {
    let dir = root.join("src/figures");
    for figure in figures::all() {
        let svg = (figure.draw)().with_context(|| format!("drawing {}", figure.file))?;
        let path = dir.join(figure.file);
        if write_if_changed(&path, &svg).with_context(|| format!("writing {}", path.display()))? {
            eprintln!("xtask: wrote {}", path.display());
        }
    }
    Ok(())
}
