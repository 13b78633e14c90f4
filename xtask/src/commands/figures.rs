//! `cargo xtask figures`: every figure of `listings::machinery::figures`, drawn now in both
//! languages and written where it changed: `src/figures/` (Chinese), `src/figures/en/`
//! (English).

use std::path::Path;

use anyhow::{Context, Result};
use listings::machinery::figures::{self, Language};
use listings::machinery::fresh::write_if_changed;

/// Draws every figure in both languages and writes the ones that changed.
pub fn run(root: &Path) -> Result<()> {
    let dir = root.join("src/figures");
    for figure in figures::all() {
        for language in Language::ALL {
            let file = figure.path(language);
            let svg = (figure.draw)(language).with_context(|| format!("drawing {file}"))?;
            let path = dir.join(&file);
            if write_if_changed(&path, &svg)
                .with_context(|| format!("writing {}", path.display()))?
            {
                eprintln!("xtask: wrote {}", path.display());
            }
        }
    }
    Ok(())
}
