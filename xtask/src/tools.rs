//! The pinned tools the book is built with, installed on demand into one tools folder.
//!
//! The folder is `.tools/` in the repository (git-ignored) unless `BOOK_TOOLS_DIR` names
//! another, e.g. a cache shared by CI runs.
//!
//! Where each pin lives (one place per kind of package; `tests/tidy.rs` keeps it so):
//! - tools built from crates.io: the constants below, and nowhere else;
//! - Python packages: `xtask/py/requirements-*.txt` (`==` pins), installed into venvs;
//! - Node packages: `web/package-lock.json` (`npm ci`);
//! - crates the book's code uses: `Cargo.lock`, which the notebooks' `:dep` lines follow.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A tool from crates.io, installed with `cargo install --locked`.
pub struct Tool {
    pub krate: &'static str,
    pub version: &'static str,
}

/// mdBook 0.5 and the KaTeX preprocessor that pre-renders math at build time.
pub const TOOLS: &[Tool] = &[
    Tool {
        krate: "mdbook",
        version: "0.5.3",
    },
    Tool {
        krate: "mdbook-katex",
        version: "0.10.0",
    },
];

/// The link checker: `--offline --include-fragments` checks every local link and `#anchor`.
pub const LYCHEE: Tool = Tool {
    krate: "lychee",
    version: "0.24.2",
};

/// The Rust kernel for Jupyter.
pub const EVCXR: Tool = Tool {
    krate: "evcxr_jupyter",
    version: "0.22.0",
};

/// Where the tools live, and how to run them.
pub struct Tools {
    pub dir: PathBuf,
}

impl Tools {
    /// A command for `bin`, with the tools folder first on `PATH` so that mdbook finds
    /// its preprocessors.
    pub fn command(&self, bin: &str) -> Command {
        let bin_dir = self.dir.join("bin");
        let mut command = Command::new(bin_dir.join(bin));
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(bin_dir).chain(std::env::split_paths(&path));
        command.env(
            "PATH",
            std::env::join_paths(paths).expect("PATH entries are valid"),
        );
        command
    }
}

/// Whether `cargo install` has recorded `tool` at its pinned version in `dir`.
fn installed(dir: &Path, tool: &Tool) -> bool {
    let record = std::fs::read_to_string(dir.join(".crates.toml")).unwrap_or_default();
    let bin = dir.join("bin").join(tool.krate);
    record.contains(&format!("\"{} {} ", tool.krate, tool.version)) && bin.exists()
}

fn tools_dir(root: &Path) -> PathBuf {
    std::env::var_os("BOOK_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools"))
}

/// Installs every pinned tool of the book that is missing (or at another version).
pub fn ensure(root: &Path) -> Result<Tools> {
    for tool in TOOLS {
        ensure_tool(root, tool)?;
    }
    Ok(Tools {
        dir: tools_dir(root),
    })
}

/// Installs one pinned tool if it is missing (or at another version).
pub fn ensure_tool(root: &Path, tool: &Tool) -> Result<Tools> {
    let dir = tools_dir(root);
    if installed(&dir, tool) {
        return Ok(Tools { dir });
    }
    // Cargo's compile lines go to a log: a person sees one line per tool, and the log's
    // tail if the build fails. `-v` on `cargo xtask` is not needed to find them.
    let logs = root.join("target/xtask-logs");
    std::fs::create_dir_all(&logs)
        .with_context(|| format!("creating the log folder {}", logs.display()))?;
    let log = logs.join(format!("install-{}.log", tool.krate));
    eprintln!(
        "xtask: installing {} {} into {} (once; log: {})",
        tool.krate,
        tool.version,
        dir.display(),
        log.display()
    );
    let file = std::fs::File::create(&log)
        .with_context(|| format!("creating the install log {}", log.display()))?;
    let err = file
        .try_clone()
        .with_context(|| format!("opening {} for cargo's errors too", log.display()))?;
    let started = std::time::Instant::now();
    let status = crate::process::cargo()
        .args(["install", "--locked", "--root"])
        .arg(&dir)
        .arg(format!("{}@{}", tool.krate, tool.version))
        .stdout(file)
        .stderr(err)
        .status()
        .with_context(|| format!("could not start cargo install for {}", tool.krate))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "installing {} {} failed ({status}); the end of {}:\n{}",
            tool.krate,
            tool.version,
            log.display(),
            tail.join("\n")
        );
    }
    eprintln!(
        "xtask: installed {} {} in {:.0} s",
        tool.krate,
        tool.version,
        started.elapsed().as_secs_f64()
    );
    Ok(Tools { dir })
}
