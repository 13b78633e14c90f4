//! The book as a website: the Pagefind search index, the link and anchor check, and the
//! test in a real browser. Node packages are pinned in `web/package-lock.json`; Chromium
//! is Debian's (`/usr/bin/chromium`), never a downloaded browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::{self, LYCHEE};
use crate::{Result, run};

const CHROMIUM: &str = "/usr/bin/chromium";

/// `npm ci` in `web/` unless this exact lockfile is installed already.
fn node_modules(root: &Path) -> Result<PathBuf> {
    let web = root.join("web");
    let lock = std::fs::read_to_string(web.join("package-lock.json"))
        .map_err(|e| format!("web/package-lock.json: {e}"))?;
    let stamp = web.join("node_modules/.book-installed-lock");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&web))?;
        std::fs::write(&stamp, lock).map_err(|e| e.to_string())?;
    }
    Ok(web.join("node_modules"))
}

/// Indexes `book/` with pagefind_extended (which segments Chinese); see `pagefind.yml`.
pub fn index(root: &Path) -> Result {
    let modules = node_modules(root)?;
    run(&mut Command::new(
        modules.join("@pagefind/linux-x64/bin/pagefind_extended"),
    ))
}

/// Serves the built book on localhost:3000 (a static server: the index is part of the
/// build, and `mdbook serve` would wipe it on every rebuild).
pub fn serve(book: &Path) -> Result {
    eprintln!("xtask: serving the book on http://localhost:3000 (Ctrl-C stops)");
    run(Command::new("python3")
        .args([
            "-m",
            "http.server",
            "3000",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(book))
}

fn lychee(tools: &tools::Tools, dir: &Path) -> Command {
    let mut command = tools.command("lychee");
    command
        .args([
            "--offline",
            "--include-fragments",
            "--no-progress",
            "--root-dir",
        ])
        .arg(dir)
        .arg(dir.join("**/*.html").to_string_lossy().as_ref());
    command
}

/// Checks every link and anchor of the built book, after proving the check catches a
/// missing anchor and a missing file.
pub fn links(root: &Path, book: &Path) -> Result {
    let tools = tools::ensure_tool(root, &LYCHEE)?;
    let broken = root.join("target/web/broken-links");
    let _ = std::fs::remove_dir_all(&broken);
    std::fs::create_dir_all(&broken).map_err(|e| e.to_string())?;
    std::fs::write(
        broken.join("a.html"),
        "<a href=\"b.html#no-such-anchor\">x</a> <a href=\"missing.html\">y</a>",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(broken.join("b.html"), "<h1 id=\"here\">b</h1>").map_err(|e| e.to_string())?;
    let output = lychee(&tools, &broken)
        .output()
        .map_err(|e| format!("lychee: {e}"))?;
    let report = String::from_utf8_lossy(&output.stdout);
    if output.status.success()
        || !report.contains("no-such-anchor")
        || !report.contains("missing.html")
    {
        return Err(format!(
            "the link check missed a broken anchor or file:\n{report}"
        ));
    }
    eprintln!("xtask: link check self-test: a missing #anchor and a missing file are caught");
    run(&mut lychee(&tools, book))
}

/// Debian's Chromium (and CJK fonts for legible screenshots), installed if missing.
fn chromium() -> Result {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    run(Command::new("apt-get").args(["update", "-q"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "chromium", "fonts-noto-cjk"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The browser test of the built book, after its self-test; screenshots in target/browser.
pub fn browser(root: &Path, book: &Path) -> Result {
    node_modules(root)?;
    chromium()?;
    let script = root.join("web/check.mjs");
    run(Command::new("node")
        .arg(&script)
        .arg("--self-test")
        .arg(book)
        .arg(root.join("target/web/broken-pages")))?;
    run(Command::new("node")
        .arg(&script)
        .arg(book)
        .arg(root.join("target/browser")))
}
