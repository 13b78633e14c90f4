//! The book as a website: the Pagefind search index, the link and anchor check, and the
//! test in a real browser. Node packages are pinned in `web/package-lock.json`; Chromium
//! is Debian's (`/usr/bin/chromium`), never a downloaded browser.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use listings::machinery::layout;

use crate::process::run_command;
use crate::tools;

const CHROMIUM: &str = "/usr/bin/chromium";

/// `npm ci` in `web/` unless this exact lockfile is installed already.
fn node_modules(root: &Path) -> Result<PathBuf> {
    let web = root.join("web");
    let lock = std::fs::read_to_string(web.join("package-lock.json"))
        .context("reading web/package-lock.json, the pins of the Node packages")?;
    let stamp = web.join("node_modules/.book-installed-lock");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
        run_command(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&web),
        )
        .context("installing the Node packages of web/ (pagefind, playwright-core)")?;
        std::fs::write(&stamp, lock)
            .with_context(|| format!("writing the install stamp {}", stamp.display()))?;
    }
    Ok(web.join("node_modules"))
}

/// Indexes the built book with pagefind_extended (which segments Chinese; see
/// `pagefind.yml`) into `src/pagefind/`, and copies the index into the built book.
///
/// The index lives in `src/` so that every later mdBook build — `mdbook serve`'s rebuilds
/// included — copies it along with the figures; `.gitignore` names it, and mdBook's
/// watcher skips ignored files, so writing it starts no rebuild of its own.
pub fn index(root: &Path) -> Result<()> {
    index_book(root, &root.join("book"), &root.join("src"))
}

/// [`index`] for a book built into `book` from the sources in `src`.
fn index_book(root: &Path, book: &Path, src: &Path) -> Result<()> {
    let modules = node_modules(root)?;
    let output = src.join("pagefind");
    run_command(
        Command::new(modules.join("@pagefind/linux-x64/bin/pagefind_extended"))
            .arg("--site")
            .arg(book)
            .arg("--glob")
            .arg(page_glob(root)?)
            .arg("--output-path")
            .arg(&output),
    )
    .with_context(|| format!("indexing {} for search", book.display()))?;
    let copy = book.join("pagefind");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&output, &copy)
}

/// The pages the search indexes, from `src/SUMMARY.md`, in every edition:
/// `{intro,rust-primer,…,en/intro,…}.html`. Not `*.html`: `index.html` repeats the first
/// page and `print.html` holds them all, so every hit would come three times. Pagefind
/// keeps one index per `<html lang>`, and a page searches its own language's.
fn page_glob(root: &Path) -> Result<String> {
    let pages = layout::pages(root).context("reading the pages from src/SUMMARY.md")?;
    let mut stems: Vec<String> = pages.iter().map(|p| p.stem.clone()).collect();
    for language in xtask::edition::languages(root)? {
        stems.extend(pages.iter().map(|p| format!("{language}/{}", p.stem)));
    }
    Ok(format!("{{{}}}.html", stems.join(",")))
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let entries = std::fs::read_dir(from).with_context(|| format!("listing {}", from.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("listing {}", from.display()))?
            .path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .with_context(|| format!("copying {} to {}", path.display(), target.display()))?;
        }
    }
    Ok(())
}

/// When the built book last changed: the newest modification time of its pages.
fn built_at(book: &Path) -> Option<SystemTime> {
    std::fs::read_dir(book)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// `mdbook serve` of the book in `dir` on `port` (live reload on every edit of a chapter,
/// a listing or its output), with the search index rebuilt after each rebuild. Runs until
/// mdBook exits, or until `stop` is set.
pub fn serve_live(
    root: &Path,
    dir: &Path,
    port: u16,
    log: Option<&Path>,
    stop: &AtomicBool,
) -> Result<()> {
    let tools = tools::ensure(root)?;
    let book = dir.join("book");
    let mut command = tools.command("mdbook");
    command
        .args(["serve", "--hostname", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .current_dir(dir);
    if let Some(log) = log {
        let file = std::fs::File::create(log)
            .with_context(|| format!("creating the server log {}", log.display()))?;
        let err = file
            .try_clone()
            .with_context(|| format!("opening {} for errors too", log.display()))?;
        command.stdout(file).stderr(err);
    }
    let mut mdbook = command.spawn().context("could not start mdbook serve")?;
    let mut indexed = None;
    let outcome = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        match mdbook.try_wait() {
            Ok(Some(status)) => break Err(anyhow::anyhow!("mdbook serve exited ({status})")),
            Ok(None) => {}
            Err(e) => break Err(e).context("waiting for mdbook serve"),
        }
        std::thread::sleep(Duration::from_millis(500));
        let now = built_at(&book);
        // A build writes its pages over a moment: index once they have settled.
        if now.is_some() && now != indexed {
            std::thread::sleep(Duration::from_millis(700));
            if now == built_at(&book) && book.join("index.html").exists() {
                if let Err(e) = index_book(root, &book, &dir.join("src")) {
                    break Err(e.context("rebuilding the search index after a rebuild"));
                }
                eprintln!("xtask: search index rebuilt");
                indexed = now;
            }
        }
    };
    let _ = mdbook.kill();
    let _ = mdbook.wait();
    outcome
}

/// Serves the book on localhost:3000 with live reload and search (Ctrl-C stops).
pub fn serve(root: &Path) -> Result<()> {
    eprintln!(
        "xtask: serving the book on http://localhost:3000 (English: http://localhost:3000/en/; Ctrl-C stops); every edit rebuilds it"
    );
    serve_live(root, root, 3000, None, &AtomicBool::new(false))
}

fn lychee(bin: &Path, dir: &Path) -> Command {
    let mut command = Command::new(bin);
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
pub fn links(root: &Path, book: &Path) -> Result<()> {
    let bin = tools::lychee(root)?;
    let broken = root.join("target/web/broken-links");
    let _ = std::fs::remove_dir_all(&broken);
    let planted = [
        (
            "a.html",
            "<a href=\"b.html#no-such-anchor\">x</a> <a href=\"missing.html\">y</a>",
        ),
        ("b.html", "<h1 id=\"here\">b</h1>"),
    ];
    for (name, html) in planted {
        let path = broken.join(name);
        listings::machinery::fresh::write_if_changed(&path, html)
            .with_context(|| format!("planting the broken page {}", path.display()))?;
    }
    let output = lychee(&bin, &broken)
        .output()
        .context("could not start lychee")?;
    let report = String::from_utf8_lossy(&output.stdout);
    if output.status.success()
        || !report.contains("no-such-anchor")
        || !report.contains("missing.html")
    {
        bail!("the link check missed a broken anchor or file:\n{report}");
    }
    eprintln!("xtask: link check self-test: a missing #anchor and a missing file are caught");
    run_command(&mut lychee(&bin, book))
}

/// Debian's Chromium (and CJK fonts for legible screenshots), installed if missing.
fn chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    run_command(Command::new("apt-get").args(["update", "-q"]))?;
    run_command(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "chromium", "fonts-noto-cjk"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .context("installing Debian's chromium for the browser test")
}

/// playwright-core and Debian's Chromium, installed if missing.
pub fn browser_ready(root: &Path) -> Result<()> {
    node_modules(root)?;
    chromium()
}

/// The browser test of the built book, after its self-test; screenshots in target/browser.
pub fn browser(root: &Path, book: &Path) -> Result<()> {
    browser_ready(root)?;
    let script = root.join("web/check.mjs");
    run_command(
        Command::new("node")
            .arg(&script)
            .arg("--self-test")
            .arg(book)
            .arg(root.join("target/web/broken-pages")),
    )?;
    run_command(
        Command::new("node")
            .arg(&script)
            .arg(book)
            .arg(root.join("target/browser")),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_search_indexes_every_page_of_the_summary_once() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let glob = super::page_glob(&root).unwrap();
        assert!(glob.starts_with("{intro,rust-primer,ch01-coin,"), "{glob}");
        assert!(
            glob.contains(",glossary,en/intro,en/rust-primer,"),
            "{glob}"
        );
        assert!(glob.ends_with(",en/glossary}.html"), "{glob}");
        assert!(!glob.contains("print") && !glob.contains("index"), "{glob}");
    }
}
