//! The book as a website: the Pagefind search index, the link and anchor check, and the
//! test in a real browser. Node packages are pinned in `web/package-lock.json`; Chromium
//! is Debian's (`/usr/bin/chromium`), never a downloaded browser.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

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

/// Indexes the built book with pagefind_extended (which segments Chinese; see
/// `pagefind.yml`) into `src/pagefind/`, and copies the index into the built book.
///
/// The index lives in `src/` so that every later mdBook build — `mdbook serve`'s rebuilds
/// included — copies it along with the figures; `.gitignore` names it, and mdBook's
/// watcher skips ignored files, so writing it starts no rebuild of its own.
pub fn index(root: &Path) -> Result {
    index_book(root, &root.join("book"), &root.join("src"))
}

/// [`index`] for a book built into `book` from the sources in `src`.
fn index_book(root: &Path, book: &Path, src: &Path) -> Result {
    let modules = node_modules(root)?;
    let output = src.join("pagefind");
    run(
        Command::new(modules.join("@pagefind/linux-x64/bin/pagefind_extended"))
            .arg("--site")
            .arg(book)
            .arg("--output-path")
            .arg(&output),
    )?;
    let copy = book.join("pagefind");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&output, &copy)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| format!("{}: {e}", target.display()))?;
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
) -> Result {
    let tools = tools::ensure(root)?;
    let book = dir.join("book");
    let mut command = tools.command("mdbook");
    command
        .args(["serve", "--hostname", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .current_dir(dir);
    if let Some(log) = log {
        let file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        command.stdout(file).stderr(err);
    }
    let mut mdbook = command
        .spawn()
        .map_err(|e| format!("could not start mdbook serve: {e}"))?;
    let mut indexed = None;
    let outcome = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        if let Some(status) = mdbook.try_wait().map_err(|e| e.to_string())? {
            break Err(format!("mdbook serve exited ({status})"));
        }
        std::thread::sleep(Duration::from_millis(500));
        let now = built_at(&book);
        // A build writes its pages over a moment: index once they have settled.
        if now.is_some() && now != indexed {
            std::thread::sleep(Duration::from_millis(700));
            if now == built_at(&book) && book.join("index.html").exists() {
                if let Err(e) = index_book(root, &book, &dir.join("src")) {
                    break Err(e);
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
pub fn serve(root: &Path) -> Result {
    eprintln!(
        "xtask: serving the book on http://localhost:3000 (Ctrl-C stops); every edit rebuilds it"
    );
    serve_live(root, root, 3000, None, &AtomicBool::new(false))
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

/// The book's sources, copied into `dir` so that a test may edit a chapter.
fn copy_sources(root: &Path, dir: &Path) -> Result {
    let _ = std::fs::remove_dir_all(dir);
    for part in [
        "src",
        "theme",
        "preprocessors",
        "listings/src",
        "listings/tests",
        "listings/output",
    ] {
        copy_dir(&root.join(part), &dir.join(part))?;
    }
    for file in ["book.toml", ".gitignore"] {
        std::fs::copy(root.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
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

/// `cargo xtask serve` as an author uses it, on a copy of the book: after a chapter is
/// edited, the served page shows the edit and the search finds the new word.
pub fn live(root: &Path) -> Result {
    let dir = root.join("target/web/live");
    copy_sources(root, &dir)?;
    let chapter = std::fs::read_to_string(dir.join("src/SUMMARY.md"))
        .map_err(|e| e.to_string())?
        .split("](")
        .filter_map(|s| s.split_once(".md)").map(|(stem, _)| stem.to_string()))
        .find(|stem| stem.starts_with("ch"))
        .ok_or("SUMMARY.md links no chapter")?;
    let port = 3917;
    let stop = AtomicBool::new(false);
    let log = dir.join("mdbook-serve.log");
    let index = dir.join("book/pagefind/pagefind-entry.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    std::thread::scope(|scope| {
        let server = scope.spawn(|| serve_live(root, &dir, port, Some(&log), &stop));
        let page = format!("{chapter}.html");
        let outcome = (|| {
            if !wait_for(180, || get(port, &page).is_some() && index.exists()) {
                return Err(format!(
                    "mdbook serve showed no {page} with a search index (log: {})",
                    log.display()
                ));
            }
            let before = modified(&index);
            let word = "livereloadzebra";
            let path = dir.join("src").join(format!("{chapter}.md"));
            let mut text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            text.push_str(&format!("\n这一段是实时重载测试加上的：{word}。\n"));
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
            if !wait_for(120, || get(port, &page).is_some_and(|b| b.contains(word))) {
                return Err(format!(
                    "the served {page} did not change after an edit (log: {})",
                    log.display()
                ));
            }
            if !wait_for(120, || modified(&index) != before) {
                return Err("the search index was not rebuilt after the edit".into());
            }
            eprintln!("xtask: live reload: the edited {page} is served and the index rebuilt");
            run(Command::new("node")
                .arg(root.join("web/check.mjs"))
                .arg("--live")
                .arg(format!("http://127.0.0.1:{port}"))
                .arg(&chapter)
                .arg(word))
        })();
        stop.store(true, Ordering::Relaxed);
        let served = server
            .join()
            .map_err(|_| "the server thread panicked".to_string())?;
        outcome.and(served)
    })
}
