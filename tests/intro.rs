//! The intro's list of chapters is the book's own: every numbered chapter of
//! `src/SUMMARY.md`, in order, numbered 1, 2, 3…, so that the list cannot go stale.

mod common;

use listings::machinery::layout::{Page, parse_summary};
use regex::Regex;

/// The numbered chapters among `pages`, as files (`ch01-coin.md`).
fn numbered(pages: &[Page]) -> Vec<String> {
    pages
        .iter()
        .filter(|p| p.numbered)
        .map(|p| format!("{}.md", p.stem))
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
    let intro = std::fs::read_to_string(common::path("src/intro.md")).expect("intro.md");
    let chapters = numbered(&common::pages());
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
    let pages = parse_summary(summary, std::path::Path::new("src")).expect("a summary");
    assert_eq!(numbered(&pages), ["ch01-a.md", "ch02-b.md"]);
    let intro =
        "1. **[甲](ch01-a.md)**：一。\n2. **[乙](ch02-b.md)**（选读）：二。\n见[甲](ch01-a.md)。\n";
    assert_eq!(
        listed(intro),
        [(1, "ch01-a.md".to_string()), (2, "ch02-b.md".to_string())]
    );
}
