//! What the book tests share: where the book is and how to read its chapters.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The chapters in reading order, from `src/SUMMARY.md`: (file stem, Markdown text).
pub fn chapters() -> Vec<(String, String)> {
    let summary = std::fs::read_to_string(root().join("src/SUMMARY.md")).expect("src/SUMMARY.md");
    let link = regex::Regex::new(r"\]\(([^)]+\.md)\)").expect("valid regex");
    link.captures_iter(&summary)
        .map(|cap| {
            let file = cap[1].to_string();
            let text = std::fs::read_to_string(root().join("src").join(&file))
                .unwrap_or_else(|e| panic!("src/{file}: {e}"));
            (file.trim_end_matches(".md").to_string(), text)
        })
        .collect()
}

/// The text of a chapter that a reader reads as prose or math: fenced code blocks (whose
/// code and output come from `listings` and are tested there), mdBook directives, link
/// targets and HTML tags are blanked out; everything else keeps its line.
pub fn prose(markdown: &str) -> Vec<(usize, String)> {
    let hidden = regex::Regex::new(r"\{\{#[^}]*\}\}|\]\([^)]*\)|<[^>]*>").expect("valid regex");
    let mut in_fence = false;
    let mut lines = Vec::new();
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence {
            lines.push((i + 1, hidden.replace_all(line, " ").into_owned()));
        }
    }
    lines
}

pub fn path(relative: &str) -> PathBuf {
    root().join(relative)
}
