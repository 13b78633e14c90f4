//! House rules that no compiler checks (rust-analyzer's `tidy` idea): stale words, a module
//! table that matches the modules, lists of chapters that miss one, build output in git,
//! tool pins scattered over files. Each rule is a function over text, so each is also seen
//! to fail on a planted violation below.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use regex::Regex;

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

/// Whether a file pins a tool version that belongs in the one place for its kind.
fn stray_pin(path: &str, text: &str) -> Option<&'static str> {
    let cargo_tool = text.contains(concat!("krate", ": \""));
    if cargo_tool && path != "xtask/src/tools.rs" {
        return Some("a crates.io tool is pinned outside xtask/src/tools.rs");
    }
    let pip_pin = Regex::new(r"pip3? install[^\n]*==").expect("valid regex");
    let requirements = path.starts_with("xtask/py/requirements-") && path.ends_with(".txt");
    if pip_pin.is_match(text) && !requirements {
        return Some("a Python package is pinned outside xtask/py/requirements-*.txt");
    }
    None
}

fn numbered_chapters() -> Vec<String> {
    common::chapters()
        .into_iter()
        .map(|(stem, _)| stem)
        .filter(|stem| Regex::new(r"^ch\d\d-").unwrap().is_match(stem))
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
fn the_module_table_matches_the_modules() {
    let lib = std::fs::read_to_string(common::path("listings/src/lib.rs")).unwrap();
    if let Some(mismatch) = module_table_mismatch(&lib) {
        panic!("listings/src/lib.rs: {mismatch}");
    }
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
        if path == "src/SUMMARY.md" || !list_like {
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
        .filter(|path| path.split('/').any(|part| part == "target"))
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
fn a_stray_pin_is_seen() {
    let planted = format!("pub const X: Tool = Tool {{ {}: \"lychee\" }};", "krate");
    assert!(stray_pin("xtask/src/web.rs", &planted).is_some());
    assert!(stray_pin("xtask/src/tools.rs", &planted).is_none());
    let pip = format!("pip {} torch=={}", "install", "2.15.0");
    assert!(stray_pin(".ci/run", &pip).is_some());
}
