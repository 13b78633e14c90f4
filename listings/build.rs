//! Wires each chapter's code in from its files, so that adding a chapter edits no list.
//!
//! A chapter's listings file `tests/chapters/<chapter>.rs` and its registry file
//! `src/machinery/quoted/<chapter>.rs` are all it takes; this script writes the rest:
//!
//! - `$OUT_DIR/chapters.rs`, which the listings harness (`tests/chapters/main.rs`) includes:
//!   a `mod` for each listings file and `LISTINGS`, every `pub fn name() -> Result<(), Box<dyn
//!   Error>>` of each file, in the book's reading order and then the file's (any other `pub
//!   fn` in such a file stops the build, so that a listing is never silently dropped);
//! - `$OUT_DIR/quoted_chapters.rs`, which `src/machinery/quoted/mod.rs` includes: a `mod`
//!   for each registry file and `CHAPTERS`, their `entries` functions in reading order.
//!
//! The reading order is `src/SUMMARY.md`'s, read by the book's one reader of it,
//! `src/machinery/layout.rs`, which this script compiles as it stands.
//!
//! Cargo reruns this script on any edit under `tests/chapters/` (a new listing is a new
//! `pub fn` there, and cargo can only watch files, not the lines it reads), and a rerun
//! recompiles the `listings` library too, though the files it writes seldom change. That is
//! accepted: the rebuild is incremental and takes seconds (about ten on two cores, every
//! test target included), and the listings harness must be rebuilt after such an edit
//! anyway.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// The build script uses only the SUMMARY reader and the names, not the anchor or include
// parsers.
#[allow(dead_code)]
#[path = "src/machinery/layout.rs"]
mod layout;

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let book = here.join("..");
    for watched in [
        "tests/chapters",
        "src/machinery/quoted",
        "../src/SUMMARY.md",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }
    let pages = layout::pages(&book).unwrap_or_else(|e| panic!("{e}"));

    let listings = here.join("tests/chapters");
    let mut harness = String::from(
        "// Written by listings/build.rs from the files in listings/tests/chapters/.\n",
    );
    let modules = layout::in_reading_order(&pages, modules_in(&listings, "main"));
    for module in &modules {
        declare(&mut harness, &listings, module);
    }
    harness.push_str(
        "\n/// Every listing, in reading order: the chapter's page, the listing's name, the code.\n\
         const LISTINGS: &[(&str, &str, Listing)] = &[\n",
    );
    for module in &modules {
        let text = read(&listings.join(format!("{module}.rs")));
        let stem = layout::page_stem(module);
        let names = layout::listing_names(&text);
        refuse_other_pub_fns(&listings.join(format!("{module}.rs")), &text, &names);
        for name in names {
            writeln!(harness, "    ({stem:?}, {name:?}, {module}::{name}),").expect("a String");
        }
    }
    harness.push_str("];\n");
    write(&out.join("chapters.rs"), &harness);

    let quoted = here.join("src/machinery/quoted");
    let mut registry = String::from(
        "// Written by listings/build.rs from the files in listings/src/machinery/quoted/.\n",
    );
    let modules = layout::in_reading_order(&pages, modules_in(&quoted, "mod"));
    for module in &modules {
        declare(&mut registry, &quoted, module);
    }
    registry.push_str(
        "\n/// Each chapter's `entries`, in reading order.\n\
         const CHAPTERS: &[Entries] = &[\n",
    );
    for module in &modules {
        writeln!(registry, "    {module}::entries,").expect("a String");
    }
    registry.push_str("];\n");
    write(&out.join("quoted_chapters.rs"), &registry);
}

/// A `pub fn` of a listings file is a listing, so one whose signature is not a listing's
/// would silently never run: the build stops and names it instead.
fn refuse_other_pub_fns(path: &Path, text: &str, listings: &[&str]) {
    for (number, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("pub fn ") else {
            continue;
        };
        let name = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or(rest);
        if !listings.contains(&name) {
            panic!(
                "{}:{}: `pub fn {name}` is not a listing: a listing's signature is exactly \
                 `pub fn {name}() -> Result<(), Box<dyn Error>>` (make it private if it is a helper)",
                path.display(),
                number + 1
            );
        }
    }
}

/// The Rust files of `dir` other than `skip.rs`, as module names.
fn modules_in(dir: &Path, skip: &str) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.extension().is_some_and(|x| x == "rs"))
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_string()))
        .filter(|module| module != skip)
        .collect()
}

/// `#[path = "…"] mod name;`: a module declared in an included file needs its full path.
fn declare(code: &mut String, dir: &Path, module: &str) {
    let path = dir.join(format!("{module}.rs"));
    let path = path
        .to_str()
        .unwrap_or_else(|| panic!("{path:?} is not UTF-8"));
    writeln!(code, "#[path = {path:?}]\nmod {module};").expect("a String");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rewrites `path` only when its text changes.
fn write(path: &Path, text: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
