//! The chapters' listings, run as the book shows them.
//!
//! Each listing is a function in `chNN_*.rs` whose anchored regions the chapter includes.
//! The assertions after each `ANCHOR_END` check the numbers the prose quotes. What each
//! region prints is compared with `listings/output/<chapter>/<anchor>.txt`, the file the
//! chapter includes right after the code: so the output a reader sees is never typed by
//! hand and never stale. `UPDATE_EXPECT=1 cargo test` rewrites the output files.
//!
//! How: this harness runs itself once per listing as a child process (`--run NAME`) and
//! captures the child's stdout. Before each region the listing calls [`section`], which
//! prints a marker line; the parent splits the output at those markers.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

use listings::machinery::fresh::{Fresh, ensure_fresh};
use listings::machinery::layout;

type Listing = fn() -> Result<(), Box<dyn Error>>;

// A `mod` for each `chNN_name.rs` beside this file and `LISTINGS`, each one's `pub fn
// name() -> Result<(), Box<dyn Error>>` in the book's reading order (`src/SUMMARY.md`, then
// the file's): written by `listings/build.rs`, so a new listings file needs no line here.
include!(concat!(env!("OUT_DIR"), "/chapters.rs"));

/// The command that rewrites the output files.
const REGENERATE: &str = "UPDATE_EXPECT=1 cargo test -p listings --test chapters";

const MARKER: &str = "\u{1e}anchor ";

/// Marks the start of the anchored region `anchor`: what follows is its output.
pub fn section(anchor: &str) {
    println!("{MARKER}{anchor}");
}

/// Marks the start of output the chapter shows without code: a table the book's machinery
/// prints (chapter 6's measurements), whose code is not part of the lesson.
pub fn table(name: &str) {
    println!("{MARKER}{name}");
}

/// The values the registry holds for `chapter`/`name`.
pub fn quoted(chapter: &str, name: &str) -> Vec<f64> {
    match listings::machinery::quoted::lookup(chapter, name) {
        Ok(Some(q)) => q.values.clone(),
        Ok(None) => panic!("{chapter}/{name} is not in listings::machinery::quoted"),
        Err(e) => panic!(
            "looking up {chapter}/{name}: the listings::machinery::quoted registry could not be computed: {e}"
        ),
    }
}

fn output_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("output")
}

/// A chapter's listings file, `listings/tests/chapters/<module>.rs`.
fn source_file(chapter: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/chapters")
        .join(format!("{}.rs", layout::module_name(chapter)))
}

/// The names a listings file passes to `section("…")` or `table("…")`, in file order.
fn marked(source: &str) -> Vec<&str> {
    ["section(\"", "table(\""]
        .iter()
        .flat_map(|call| source.split(call).skip(1))
        .filter_map(|rest| rest.split_once("\")").map(|(name, _)| name))
        .collect()
}

/// Splits a listing's stdout into (anchor, output) at the markers.
fn split(stdout: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in stdout.split_inclusive('\n') {
        if let Some(anchor) = line.strip_prefix(MARKER) {
            sections.push((anchor.trim_end().to_string(), String::new()));
        } else if let Some((_, text)) = sections.last_mut() {
            text.push_str(line);
        } else {
            sections.push((String::new(), line.to_string()));
        }
    }
    sections
}

/// Runs one listing in a child process and checks what it printed, region by region.
/// Says how many output files it checked, and how many of them `UPDATE_EXPECT` rewrote.
fn check(chapter: &str, name: &str) -> Result<(usize, usize), String> {
    let child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .args(["--run", chapter, name])
        .output()
        .map_err(|e| format!("could not start the listing: {e}"))?;
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    if !child.status.success() || !stderr.is_empty() {
        return Err(format!("the listing failed ({}):\n{stderr}", child.status));
    }
    let sections = split(&stdout);
    // Each section names an anchor of its chapter's file: the book and the notebooks find
    // a region's output by its anchor's name.
    let path = source_file(chapter);
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let anchors = layout::anchor::names(&source);
    let tables = marked(&source);
    let (mut checked, mut rewritten) = (0, 0);
    for (anchor, text) in &sections {
        if anchor.is_empty() {
            return Err(format!("printed before any section(): {text:?}"));
        }
        let shown = anchors.contains(&anchor.as_str()) || tables.contains(&anchor.as_str());
        if !shown {
            return Err(format!(
                "{}: section(\"{anchor}\") names no anchor of the file (output shown without code uses table(\"{anchor}\"))",
                path.display()
            ));
        }
        let output = output_dir().join(chapter).join(format!("{anchor}.txt"));
        match ensure_fresh(&output, text, REGENERATE).map_err(|stale| stale.to_string())? {
            Fresh::Unchanged => {}
            Fresh::Updated => rewritten += 1,
        }
        checked += 1;
    }
    Ok((checked, rewritten))
}

/// Problems with the files as a whole: an output file that no `section`/`table` call writes
/// any more, a listings file whose page `src/SUMMARY.md` does not list.
fn layout_problems() -> Vec<String> {
    let mut problems = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pages = match layout::pages(&root) {
        Ok(pages) => pages,
        Err(e) => return vec![e.to_string()],
    };
    let mut chapters: Vec<&str> = LISTINGS.iter().map(|(c, _, _)| *c).collect();
    chapters.dedup();
    for chapter in chapters {
        if !pages.iter().any(|p| p.stem == chapter) {
            problems.push(format!(
                "{} has listings, but src/SUMMARY.md lists no page {chapter}.md: add its line",
                source_file(chapter).display()
            ));
        }
        let source = std::fs::read_to_string(source_file(chapter)).unwrap_or_default();
        let names = marked(&source);
        let dir = output_dir().join(chapter);
        for file in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = file.path();
            let anchor = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if !names.contains(&anchor) {
                problems.push(format!(
                    "stale output file {} (no section writes it): delete it",
                    path.display()
                ));
            }
        }
    }
    problems
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, chapter, name] = args.as_slice()
        && flag == "--run"
    {
        let (_, _, listing) = LISTINGS
            .iter()
            .find(|(c, n, _)| c == chapter && n == name)
            .expect("a listing of this harness");
        if let Err(e) = listing() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    // Like libtest: a free argument filters by name; flags such as --quiet are accepted.
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let (mut passed, mut failed, mut outputs) = (0, 0, 0);
    println!();
    for (chapter, name, _) in LISTINGS {
        let id = format!("{chapter}::{name}");
        if filter.is_some_and(|f| !id.contains(f.as_str())) {
            continue;
        }
        match check(chapter, name) {
            Ok((n, rewritten)) => {
                let note = match rewritten {
                    0 => String::new(),
                    r => format!(", {r} rewritten"),
                };
                println!("test {id} ... ok ({n} output file(s) checked{note})");
                passed += 1;
                outputs += n;
            }
            Err(e) => {
                println!("test {id} ... FAILED\n{e}");
                failed += 1;
            }
        }
    }
    if filter.is_none() {
        for problem in layout_problems() {
            println!("{problem}");
            failed += 1;
        }
    }
    println!("\nchapter listings: {outputs} output files checked");
    println!(
        "test result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out\n",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    if failed > 0 {
        std::process::exit(101);
    }
}
