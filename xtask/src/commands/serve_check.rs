//! `cargo xtask serve-check`: `cargo xtask serve` as an author uses it, on a copy of the
//! book under `target/web/live`: after a chapter is edited, the served page shows the edit
//! and the search finds the new word; the English edition, served at `/en/`, is rebuilt
//! too (the new paragraph, not yet translated, shows there in Chinese).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use listings::machinery::layout;

use crate::process::run_command;
use crate::web::{copy_dir, serve_live};

/// The book's sources, copied into `dir` so that a test may edit a chapter.
fn copy_sources(root: &Path, dir: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    for part in [
        "src",
        "theme",
        "preprocessors",
        "listings/src",
        "listings/tests",
        "listings/output",
        "po",
    ] {
        copy_dir(&root.join(part), &dir.join(part))?;
    }
    for file in ["book.toml", ".gitignore"] {
        std::fs::copy(root.join(file), dir.join(file))
            .with_context(|| format!("copying {file} into {}", dir.display()))?;
    }
    Ok(())
}

/// The body of `http://127.0.0.1:port/path`, if the server answers 200.
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?;
    (status == "200").then(|| body.to_string())
}

/// Waits up to `seconds` for `ready`, checking twice a second.
fn wait_for(seconds: u64, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    while std::time::Instant::now() < deadline {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    false
}

/// Serves a copy of the book, edits its first chapter, and checks the page and the search.
pub fn run(root: &Path) -> Result<()> {
    let dir = root.join("target/web/live");
    copy_sources(root, &dir)?;
    let chapter = layout::chapters(&dir)?
        .into_iter()
        .next()
        .map(|page| page.stem)
        .context("src/SUMMARY.md lists no numbered chapter")?;
    let port = 3917;
    let stop = AtomicBool::new(false);
    let log = dir.join("mdbook-serve.log");
    let index = dir.join("book/pagefind/pagefind-entry.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    std::thread::scope(|scope| {
        let server = scope.spawn(|| serve_live(root, &dir, port, Some(&log), &stop));
        let page = format!("{chapter}.html");
        let english = format!("en/{chapter}.html");
        let outcome = (|| {
            if !wait_for(180, || {
                get(port, &page).is_some() && get(port, &english).is_some() && index.exists()
            }) {
                bail!(
                    "mdbook serve showed no {page} and {english} with a search index (log: {})",
                    log.display()
                );
            }
            let before = modified(&index);
            let word = "livereloadzebra";
            let path = dir.join("src").join(format!("{chapter}.md"));
            let mut text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the copied chapter {}", path.display()))?;
            text.push_str(&format!("\n这一段是实时重载测试加上的：{word}。\n"));
            std::fs::write(&path, text)
                .with_context(|| format!("editing the copied chapter {}", path.display()))?;
            if !wait_for(120, || get(port, &page).is_some_and(|b| b.contains(word))) {
                bail!(
                    "the served {page} did not change after an edit (log: {})",
                    log.display()
                );
            }
            if !wait_for(60, || get(port, &english).is_some_and(|b| b.contains(word))) {
                bail!(
                    "the served {english} was not rebuilt after the edit (log: {})",
                    log.display()
                );
            }
            // The index must be newer than the page that shows the word: an edit can start
            // two rebuilds (the write truncates the file first), and an index of the first,
            // which may not have the word yet, also differs from `before`.
            let written = modified(&dir.join("book").join(&page));
            if !wait_for(120, || {
                let now = modified(&index);
                now != before && now > written
            }) {
                bail!("the search index was not rebuilt after the edit");
            }
            eprintln!(
                "xtask: live reload: the edited {page} (and {english}) is served and the index rebuilt"
            );
            run_command(
                Command::new("node")
                    .arg(root.join("web/check.mjs"))
                    .arg("--live")
                    .arg(format!("http://127.0.0.1:{port}"))
                    .arg(&chapter)
                    .arg(word),
            )
            .context("searching the served book in Chromium")
        })();
        stop.store(true, Ordering::Relaxed);
        let served = server
            .join()
            .map_err(|_| anyhow!("the server thread panicked"))?;
        outcome.and(served)
    })
}
