//! The intro's list of chapters is the book's own: every numbered chapter of
//! `src/SUMMARY.md`, in order, numbered 1, 2, 3…, so that the list cannot go stale.

mod common;

use regex::Regex;

/// The numbered chapters of SUMMARY.md (`- [title](file.md)`), as files.
fn numbered(summary: &str) -> Vec<String> {
    let item = Regex::new(r"(?m)^- \[[^\]]+\]\(([^)]+\.md)\)").expect("valid regex");
    item.captures_iter(summary)
        .map(|c| c[1].to_string())
        .collect()
}

/// The intro's numbered list (`1. **[title](file.md)**：…`), as (number, file).
fn listed(intro: &str) -> Vec<(usize, String)> {
    let item = Regex::new(r"(?m)^(\d+)\. \*\*\[[^\]]+\]\(([^)#]+\.md)\)\*\*").expect("valid regex");
    item.captures_iter(intro)
        .map(|c| (c[1].parse().expect("digits"), c[2].to_string()))
        .collect()
}

#[test]
fn the_intro_lists_every_numbered_chapter_in_order() {
    let summary = std::fs::read_to_string(common::path("src/SUMMARY.md")).expect("SUMMARY.md");
    let intro = std::fs::read_to_string(common::path("src/intro.md")).expect("intro.md");
    let chapters = numbered(&summary);
    assert!(
        chapters.len() >= 6,
        "SUMMARY.md has only {chapters:?}: is the parser broken?"
    );
    let list = listed(&intro);
    let files: Vec<&str> = list.iter().map(|(_, f)| f.as_str()).collect();
    assert_eq!(
        files, chapters,
        "src/intro.md must list every numbered chapter of SUMMARY.md, in its order"
    );
    for (i, (number, file)) in list.iter().enumerate() {
        assert_eq!(*number, i + 1, "src/intro.md numbers {file} as {number}");
    }
}

#[test]
fn the_parsers_see_the_lists() {
    let summary =
        "[前言](intro.md)\n\n- [甲](ch01-a.md)\n- [乙](ch02-b.md)\n\n[术语表](glossary.md)\n";
    assert_eq!(numbered(summary), ["ch01-a.md", "ch02-b.md"]);
    let intro =
        "1. **[甲](ch01-a.md)**：一。\n2. **[乙](ch02-b.md)**（选读）：二。\n见[甲](ch01-a.md)。\n";
    assert_eq!(
        listed(intro),
        [(1, "ch01-a.md".to_string()), (2, "ch02-b.md".to_string())]
    );
}
