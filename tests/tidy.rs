//! House rules that no compiler checks (rust-analyzer's `tidy` idea): stale words, module
//! tables that match the modules, lists of chapters that miss one, build output in git,
//! tool pins scattered over files, the two floors of `listings` kept apart (no lesson and
//! no region a reader sees mentions the book's machinery), and long files that say why.
//! Each rule is a function over text, so each is also seen to fail on a planted violation
//! below.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use listings::machinery::layout::anchor;
use regex::Regex;

/// A file in `listings/src` may be this long before its doc comment must say why.
const LONG: usize = 350;

/// The line a long file's doc comment gives its reason on.
const WHY_LONG: &str = "//! Why this file is long:";

/// Every file git tracks, with its text (binary files are skipped).
fn tracked() -> Vec<(String, String)> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(common::root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files failed");
    String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let text = std::fs::read_to_string(common::path(p)).ok()?;
            Some((p.to_string(), text))
        })
        .collect()
}

/// Words that go stale: a note about work not finished, or an issue number, which means
/// nothing to a reader of the code. (The patterns are written so that this file does not
/// match itself.)
fn stale_words(text: &str) -> Vec<String> {
    let stale = Regex::new(r"(?i)\bin[ ]progress\b|\bTO[D]O\b|\bFIX[M]E\b|\bissue[ ]#?\d+")
        .expect("valid regex");
    text.lines()
        .enumerate()
        .filter(|(_, line)| stale.is_match(line))
        .map(|(i, line)| format!("{}: {}", i + 1, line.trim()))
        .collect()
}

/// The modules a `lib.rs` declares and the ones its doc table lists, when they differ.
fn module_table_mismatch(lib_rs: &str) -> Option<String> {
    let declared: BTreeSet<&str> = Regex::new(r"(?m)^pub mod (\w+);")
        .expect("valid regex")
        .captures_iter(lib_rs)
        .map(|c| c.get(1).expect("group").as_str())
        .collect();
    let listed: BTreeSet<&str> = Regex::new(r"(?m)^//! \| \[`(\w+)`\]")
        .expect("valid regex")
        .captures_iter(lib_rs)
        .map(|c| c.get(1).expect("group").as_str())
        .collect();
    (declared != listed).then(|| {
        format!(
            "declared but not in the table: {:?}; in the table but not declared: {:?}",
            declared.difference(&listed).collect::<Vec<_>>(),
            listed.difference(&declared).collect::<Vec<_>>()
        )
    })
}

/// The chapters a text names when it names several but not all: a hand-written list of
/// chapters that has gone stale. (Naming one or two chapters is a reference, not a list.)
fn incomplete_chapter_list(text: &str, chapters: &[String]) -> Option<Vec<String>> {
    let named: Vec<&String> = chapters
        .iter()
        .filter(|c| text.contains(c.as_str()))
        .collect();
    (named.len() >= 3 && named.len() < chapters.len()).then(|| {
        chapters
            .iter()
            .filter(|c| !named.contains(c))
            .cloned()
            .collect()
    })
}

/// The kinds of file a tool pin could hide in: code and the scripts that install things
/// (`.ci/` holds scripts without an extension).
fn installs_things(path: &str) -> bool {
    path.starts_with(".ci/")
        || ["rs", "sh", "yml", "mjs", "py"]
            .iter()
            .any(|x| path.ends_with(&format!(".{x}")))
}

/// Whether a file pins a tool version that belongs in the one place for its kind: a
/// crates.io tool written as a `Tool` (its `krate` field set) anywhere but
/// `xtask/src/tools.rs`; and, in code and scripts, an install command that names a version
/// on its own line:
/// cargo's (`install`, `binstall`) with `--version 1.2` or `name@1.2.3`, outside
/// `xtask/src/tools.rs`; npm's (`npm install`/`i`/`add`, `yarn add`, `pnpm add`, `npx`)
/// with `name@1.2.3`, outside `web/package.json` and its lock; pip's with `name==1.2` or
/// `name~=1.2`, outside `xtask/py/requirements-*.txt`. An install command built from
/// separate arguments (`.args(["install", …])`) is not seen: xtask installs its tools that
/// way, from the pin files themselves. Prose (`.md`) may show a pinned command to a reader.
fn stray_pin(path: &str, text: &str) -> Option<&'static str> {
    let cargo_tool = text.contains(concat!("krate", ": \""));
    if cargo_tool && path != "xtask/src/tools.rs" {
        return Some("a crates.io tool is pinned outside xtask/src/tools.rs");
    }
    if !installs_things(path) {
        return None;
    }
    let requirements = path.starts_with("xtask/py/requirements-") && path.ends_with(".txt");
    let rules: [(&str, bool, &'static str); 3] = [
        (
            r"\bcargo (?:\+\S+ )?b?install\b[^\n]*(?:--version\b|\w@v?\d)",
            path == "xtask/src/tools.rs",
            "a crates.io tool is pinned outside xtask/src/tools.rs",
        ),
        (
            r"\b(?:npm (?:install|i|add)|yarn add|pnpm add|npx)\b[^\n]*\w@[\^~]?\d",
            path == "web/package.json" || path == "web/package-lock.json",
            "a Node package is pinned outside web/package.json",
        ),
        (
            r"\bpip3? install\b[^\n]*(?:==|~=)",
            requirements,
            "a Python package is pinned outside xtask/py/requirements-*.txt",
        ),
    ];
    rules.into_iter().find_map(|(pattern, allowed, why)| {
        let pin = Regex::new(pattern).expect("valid regex");
        (!allowed && pin.is_match(text)).then_some(why)
    })
}

/// Whether a path is build output: anything under a folder named `target`, at any depth
/// (the workspace's, or `listings/target/` from a bench run inside the crate).
fn built_output(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|folder| folder == "target")
}

/// The lines of a lesson module that mention the book's machinery: the lessons are the
/// floor readers call, and nothing in it may lean on the floor that checks the book.
fn machinery_mentions(text: &str) -> Vec<String> {
    let machinery = Regex::new(r"\bmachinery\b").expect("valid regex");
    text.lines()
        .enumerate()
        .filter(|(_, line)| machinery.is_match(line))
        .map(|(i, line)| format!("{}: {}", i + 1, line.trim()))
        .collect()
}

/// The anchored regions of a chapter's listings file (what readers see) that mention the
/// book's machinery. Code after `ANCHOR_END` (the assertions) may use it.
fn regions_showing_machinery(text: &str) -> Vec<String> {
    anchor::names(text)
        .into_iter()
        .filter(|name| anchor::region(text, name).is_some_and(|r| r.contains("machinery")))
        .map(str::to_string)
        .collect()
}

/// A file's line count when it is over [`LONG`] lines and its doc comment (the leading
/// `//!` lines) gives no reason on a line starting [`WHY_LONG`].
fn long_without_reason(text: &str) -> Option<usize> {
    let lines = text.lines().count();
    let says_why = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .any(|l| l.starts_with(WHY_LONG));
    (lines > LONG && !says_why).then_some(lines)
}

/// Every `.rs` file under `dir` (walked on disk, so new files count before git knows them),
/// as (path relative to the book, text), sorted.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|x| x == "rs") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&common::path(dir), &mut found);
    found.sort();
    found
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let relative = path
                .strip_prefix(common::root())
                .expect("under the book")
                .display()
                .to_string();
            (relative, text)
        })
        .collect()
}

/// Files that name many chapters without being a list of them, and why a new chapter need
/// not appear in them.
const NOT_CHAPTER_LISTS: &[(&str, &str)] = &[
    (
        "src/glossary.md",
        "links each term to the chapter where it first occurs (tests/glossary.rs checks that)",
    ),
    (
        "web/check.mjs",
        "search queries, each with the chapter it must find; its chapters come from SUMMARY.md",
    ),
];

fn numbered_chapters() -> Vec<String> {
    common::numbered()
        .into_iter()
        .map(|(stem, _)| stem)
        .collect()
}

#[test]
fn no_stale_words_in_tracked_files() {
    let mut found = Vec::new();
    for (path, text) in tracked() {
        let kind = path.rsplit('.').next().unwrap_or_default();
        if [
            "rs", "py", "mjs", "js", "toml", "md", "hbs", "css", "sh", "yml",
        ]
        .contains(&kind)
            || path.starts_with(".ci/")
        {
            found.extend(
                stale_words(&text)
                    .into_iter()
                    .map(|l| format!("{path}:{l}")),
            );
        }
    }
    assert!(found.is_empty(), "stale words:\n{}", found.join("\n"));
}

#[test]
fn the_module_tables_match_the_modules() {
    for file in ["listings/src/lib.rs", "listings/src/machinery/mod.rs"] {
        let text = std::fs::read_to_string(common::path(file)).unwrap();
        if let Some(mismatch) = module_table_mismatch(&text) {
            panic!("{file}: {mismatch}");
        }
    }
}

#[test]
fn no_lesson_mentions_the_machinery() {
    // Every module of `listings/src` but the crate root (which declares both floors) and
    // the machinery itself.
    let found: Vec<String> = rust_files("listings/src")
        .into_iter()
        .filter(|(path, _)| {
            path != "listings/src/lib.rs" && !path.starts_with("listings/src/machinery/")
        })
        .flat_map(|(path, text)| {
            machinery_mentions(&text)
                .into_iter()
                .map(move |line| format!("{path}:{line}"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "a lesson module mentions the book's machinery (listings::machinery may use the lessons, never the other way):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_region_a_reader_sees_shows_the_machinery() {
    let mut found = Vec::new();
    for (path, text) in rust_files("listings/tests/chapters") {
        for region in regions_showing_machinery(&text) {
            found.push(format!("{path}: region {region}"));
        }
    }
    assert!(
        found.is_empty(),
        "an anchored region mentions machinery: move that code after ANCHOR_END, or print its output with table(\"…\"):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_long_file_says_why() {
    let long: Vec<String> = rust_files("listings/src")
        .into_iter()
        .filter_map(|(path, text)| long_without_reason(&text).map(|n| format!("{path}: {n} lines")))
        .collect();
    assert!(
        long.is_empty(),
        "over {LONG} lines: split the file by idea, or say why in its doc comment on a line `{WHY_LONG} …`:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_list_of_chapters_misses_one() {
    let chapters = numbered_chapters();
    assert!(chapters.len() >= 6, "SUMMARY.md gives {chapters:?}");
    let mut stale = Vec::new();
    for (path, text) in tracked() {
        // Lists meant for people: pages, READMEs, the browser test. (Code that reads one
        // chapter's numbers from another names chapters without listing them.)
        let list_like = [".md", ".mjs", ".yml", ".hbs"]
            .iter()
            .any(|x| path.ends_with(x));
        let not_a_list = NOT_CHAPTER_LISTS.iter().any(|(file, _)| *file == path);
        if path == "src/SUMMARY.md" || !list_like || not_a_list {
            continue;
        }
        if let Some(missing) = incomplete_chapter_list(&text, &chapters) {
            stale.push(format!("{path} lists chapters but not {missing:?}"));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn nothing_under_a_target_folder_is_tracked() {
    let built: Vec<String> = tracked()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| built_output(path))
        .collect();
    assert!(built.is_empty(), "build output in git: {built:?}");
}

#[test]
fn every_tool_pin_is_in_its_one_place() {
    let stray: Vec<String> = tracked()
        .iter()
        .filter_map(|(path, text)| stray_pin(path, text).map(|why| format!("{path}: {why}")))
        .collect();
    assert!(stray.is_empty(), "{}", stray.join("\n"));
}

// Each rule fails on a planted violation.

#[test]
fn stale_words_are_seen() {
    let planted = format!("//! The fast path ({} 7, work in {}).", "issue", "progress");
    assert_eq!(stale_words(&planted).len(), 1);
    assert_eq!(stale_words(&format!("// {}{}: later", "TO", "DO")).len(), 1);
    assert!(stale_words("// the issues of a kernel; progress bars").is_empty());
}

#[test]
fn a_module_missing_from_the_table_is_seen() {
    let lib = "//! | [`surprise`] | 1 | … |\npub mod surprise;\npub mod fast;\n";
    let mismatch = module_table_mismatch(lib).expect("fast is not in the table");
    assert!(mismatch.contains("fast"), "{mismatch}");
    assert!(module_table_mismatch("//! | [`a`] | x |\npub mod a;\n").is_none());
}

#[test]
fn a_list_missing_a_chapter_is_seen() {
    let chapters: Vec<String> = ["ch01-a", "ch02-b", "ch03-c", "ch04-d"]
        .map(String::from)
        .to_vec();
    let planted = "[1](ch01-a.md) [2](ch02-b.md) [3](ch03-c.md)";
    assert_eq!(
        incomplete_chapter_list(planted, &chapters),
        Some(vec!["ch04-d".to_string()])
    );
    assert_eq!(incomplete_chapter_list("see ch02-b.md", &chapters), None);
}

#[test]
fn a_lesson_using_the_machinery_is_seen() {
    let planted = "//! Chapter 1.\nuse crate::machinery::quoted::lookup;\npub fn f() {}\n";
    assert_eq!(
        machinery_mentions(planted),
        ["2: use crate::machinery::quoted::lookup;"]
    );
    assert!(machinery_mentions("//! Chapter 1.\nuse crate::surprise;\n").is_empty());
}

#[test]
fn a_region_showing_the_machinery_is_seen() {
    let planted = "pub fn f() -> Result<(), Box<dyn Error>> {\n    // ANCHOR: table\n    let b = listings::machinery::speed::Bench::load()?;\n    // ANCHOR_END: table\n    Ok(())\n}\n";
    assert_eq!(regions_showing_machinery(planted), ["table"]);
    // After ANCHOR_END (the assertions) the machinery may be used.
    let good = "    // ANCHOR: loss\n    let l = 1.0;\n    // ANCHOR_END: loss\n    assert_eq!(vec![l], listings::machinery::quoted::lookup(\"c\", \"l\").unwrap().values);\n";
    assert!(regions_showing_machinery(good).is_empty());
}

#[test]
fn a_machinery_module_missing_from_its_table_is_seen() {
    let planted = "//! | [`quoted`] | numbers |\npub mod quoted;\npub mod layout;\n";
    let mismatch = module_table_mismatch(planted).expect("layout is not in the table");
    assert!(mismatch.contains("layout"), "{mismatch}");
    assert!(module_table_mismatch("//! | [`quoted`] | numbers |\npub mod quoted;\n").is_none());
}

#[test]
fn a_long_file_without_a_reason_is_seen() {
    let body = "fn f() {}\n".repeat(LONG);
    let planted = format!("//! A module.\n{body}");
    assert_eq!(long_without_reason(&planted), Some(LONG + 1));
    let reasoned = format!("//! A module.\n{WHY_LONG} one idea, told in one place.\n{body}");
    assert_eq!(long_without_reason(&reasoned), None);
    // The reason counts only in the doc comment, not buried further down.
    let buried = format!("//! A module.\n{body}{WHY_LONG} no.\n");
    assert!(long_without_reason(&buried).is_some());
    assert_eq!(long_without_reason(&"x\n".repeat(LONG)), None);
}

#[test]
fn a_stray_pin_is_seen() {
    let planted = format!("pub const X: Tool = Tool {{ {}: \"lychee\" }};", "krate");
    assert!(stray_pin("xtask/src/web.rs", &planted).is_some());
    assert!(stray_pin("xtask/src/tools.rs", &planted).is_none());
    let pip = format!("pip {} torch=={}", "install", "2.15.0");
    assert!(stray_pin(".ci/run", &pip).is_some());
    // Versions written into install commands, in code and scripts. (Built with `format!`
    // so that this file does not match itself.)
    let install = |rest: &str| format!("{} {rest}", "install");
    let planted = [
        (
            "bench/setup.sh",
            format!("cargo {}", install("mdbook --version 0.4.40")),
        ),
        (
            "xtask/src/web.rs",
            format!("cargo {}", install("--locked lychee@0.15.1")),
        ),
        (
            ".ci/run",
            format!("cargo +nightly {}", install("cargo-fuzz@0.12.0")),
        ),
        (
            "web/check.mjs",
            format!("// npm {}", install("puppeteer@22.6.0")),
        ),
        (
            ".github/ci.yml",
            format!("run: {} pagefind@{}", "npx", "1.1.0"),
        ),
        (
            "xtask/py/goldens.py",
            format!("# pip {}", install("numpy==1.26.4")),
        ),
        (
            "bench/peers/run.sh",
            format!("python -m pip {}", install("torch~=2.3")),
        ),
    ];
    for (path, line) in &planted {
        assert!(
            stray_pin(path, line).is_some(),
            "{path}: {line} is not seen"
        );
    }
    // Each pin in its one place, and install commands that pin nothing, pass.
    let cargo = format!("cargo {}", install("--locked mdbook@0.4.40"));
    assert!(stray_pin("xtask/src/tools.rs", &cargo).is_none());
    let npm = format!("npm {}", install("puppeteer@22.6.0"));
    assert!(stray_pin("web/package.json", &npm).is_none());
    let pip = format!("pip {}", install("numpy==1.26.4"));
    assert!(stray_pin("xtask/py/requirements-goldens.txt", &pip).is_none());
    for unpinned in [
        format!("cargo {}", install("--locked --root dir")),
        format!("npm {}", install("@types/node")),
        format!("pip {}", install("-r xtask/py/requirements-notebooks.txt")),
        "rustc --version".to_string(),
    ] {
        assert!(
            stray_pin("xtask/src/web.rs", &unpinned).is_none(),
            "{unpinned}"
        );
    }
    // Prose is not code: a page may show a pinned command to a reader.
    assert!(stray_pin("CONTRIBUTING.md", &cargo).is_none());
}

#[test]
fn build_output_is_seen() {
    assert!(built_output("listings/target/criterion/x.json"));
    assert!(built_output("target/debug/listings"));
    assert!(!built_output("src/targets.md"));
    assert!(!built_output("src/target"));
    assert!(!built_output("listings/src/target_logits.rs"));
}
