//! What the book tests share: where the book is and how to read its chapters.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use listings::machinery::layout::{self, Page};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every page of the book in reading order, from `src/SUMMARY.md` (through
/// `listings::machinery::layout`, the one reader of it).
pub fn pages() -> Vec<Page> {
    layout::pages(root()).unwrap_or_else(|e| panic!("{e}"))
}

/// Every page in reading order: (file stem, Markdown text).
pub fn chapters() -> Vec<(String, String)> {
    texts(pages())
}

/// The numbered chapters (`chNN-…`) in reading order: (file stem, Markdown text).
pub fn numbered() -> Vec<(String, String)> {
    texts(pages().into_iter().filter(|p| p.numbered).collect())
}

fn texts(pages: Vec<Page>) -> Vec<(String, String)> {
    pages
        .into_iter()
        .map(|page| {
            let text = page.markdown().unwrap_or_else(|e| panic!("{e}"));
            (page.stem, text)
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

/// Every translated edition `book.toml` lists, with its catalogue.
pub fn translations() -> Vec<xtask::edition::Translation> {
    let languages = xtask::edition::languages(root()).expect("book.toml lists editions");
    assert!(
        !languages.is_empty(),
        "book.toml lists no translated edition"
    );
    languages
        .iter()
        .map(|l| xtask::edition::Translation::load(root(), l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}
