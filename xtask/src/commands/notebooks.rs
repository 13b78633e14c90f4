//! `cargo xtask notebooks`: `notebooks/*.ipynb` (and each translated edition's in
//! `notebooks/<language>/`) and their READMEs, generated now from
//! the chapters and `listings` (see `xtask::notebooks`) and written where they changed.

use std::path::Path;

use anyhow::{Context, Result};
use listings::machinery::fresh::write_if_changed;

/// Generates every notebook and the README, and writes the ones that changed.
pub fn run(root: &Path) -> Result<()> {
    let mut generated = xtask::notebooks::generate(root)?;
    generated.extend(xtask::notebooks::companions(root)?);
    for notebook in generated {
        let path = &notebook.path;
        if write_if_changed(path, &notebook.json)
            .with_context(|| format!("writing {}", path.display()))?
        {
            eprintln!("xtask: wrote {}", path.display());
        }
    }
    Ok(())
}
