//! The book's layout, read once for everyone: its pages from `src/SUMMARY.md`, the
//! `{{#include path:anchor}}` directives of its chapters, and the anchored regions those
//! directives include from listings files.
//!
//! `SUMMARY.md` is the one list of pages: the notebooks, their README's table, the tests
//! and the browser check all take the chapters from here, so no second list can drift.
//! `listings/build.rs` compiles this file too: it wires each chapter's listings file and
//! registry file in by the same reading order (see [`listing_names`], [`module_name`]).
//!
//! This file uses nothing but `std` and `thiserror`, so that the build script can compile
//! it as it stands.
//!
//! Why this file is long: the build script compiles it as one file, so the book's readers
//! of its own layout (the SUMMARY, the include directives, the anchors) live together
//! here rather than in submodule files the script would have to find too.

use std::path::{Path, PathBuf};

/// One page of the book, as `SUMMARY.md` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The file name without `.md`: `ch01-coin`, `rust-primer`.
    pub stem: String,
    /// The title the table of contents shows.
    pub title: String,
    /// Numbered chapters are `chNN-…`: they have a notebook and a figure.
    pub numbered: bool,
    /// The Markdown file.
    pub path: PathBuf,
}

impl Page {
    /// The Markdown text of the page.
    pub fn markdown(&self) -> Result<String, LayoutError> {
        read(&self.path)
    }
}

/// A book whose `src/SUMMARY.md` could not be read or makes no sense.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("src/SUMMARY.md line {line}: `{text}` is not a `[title](file.md)` link")]
    Link { line: usize, text: String },
}

fn read(path: &Path) -> Result<String, LayoutError> {
    std::fs::read_to_string(path).map_err(|source| LayoutError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Every page of the book under `root` (the folder with `book.toml`), in reading order.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
/// let pages = listings::machinery::layout::pages(&root).unwrap();
/// assert_eq!(pages[0].stem, "intro");
/// let ch01 = pages.iter().find(|p| p.stem == "ch01-coin").unwrap();
/// assert!(ch01.numbered && ch01.title == "硬币的惊讶度");
/// ```
pub fn pages(root: &Path) -> Result<Vec<Page>, LayoutError> {
    let summary = read(&root.join("src/SUMMARY.md"))?;
    parse_summary(&summary, &root.join("src"))
}

/// The numbered chapters (`chNN-…`) in order: one notebook each.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
/// let chapters = listings::machinery::layout::chapters(&root).unwrap();
/// assert!(chapters.len() >= 6 && chapters.iter().all(|c| c.numbered));
/// assert_eq!(chapters[1].stem, "ch02-one-hot");
/// ```
pub fn chapters(root: &Path) -> Result<Vec<Page>, LayoutError> {
    Ok(pages(root)?.into_iter().filter(|p| p.numbered).collect())
}

/// The pages a `SUMMARY.md` text lists, in its order; `src` is the folder it sits in.
///
/// ```
/// use std::path::Path;
/// use listings::machinery::layout::parse_summary;
/// let summary = "# Summary\n\n[前言](intro.md)\n\n- [甲](ch01-a.md)\n\n[术语表](glossary.md)\n";
/// let pages = parse_summary(summary, Path::new("src")).unwrap();
/// let numbered: Vec<_> = pages.iter().filter(|p| p.numbered).map(|p| p.stem.as_str()).collect();
/// assert_eq!(numbered, ["ch01-a"]);
/// assert_eq!(pages[2].path, Path::new("src/glossary.md"));
/// ```
pub fn parse_summary(summary: &str, src: &Path) -> Result<Vec<Page>, LayoutError> {
    let mut pages = Vec::new();
    for (i, line) in summary.lines().enumerate() {
        let text = line.trim().trim_start_matches("- ");
        if !text.starts_with('[') {
            continue;
        }
        let bad = || LayoutError::Link {
            line: i + 1,
            text: line.to_string(),
        };
        let (title, rest) = text[1..].split_once("](").ok_or_else(bad)?;
        let file = rest.strip_suffix(')').ok_or_else(bad)?;
        let stem = file.strip_suffix(".md").ok_or_else(bad)?;
        let numbered = stem.len() > 5
            && stem.starts_with("ch")
            && stem[2..4].bytes().all(|b| b.is_ascii_digit())
            && stem.as_bytes()[4] == b'-';
        pages.push(Page {
            stem: stem.to_string(),
            title: title.to_string(),
            numbered,
            path: src.join(file),
        });
    }
    Ok(pages)
}

/// The Rust module (and file) name of a page's code: `ch04-options` → `ch04_options`, as
/// in `listings/tests/chapters/ch04_options.rs` and `listings/src/machinery/quoted/ch04_options.rs`.
///
/// ```
/// use listings::machinery::layout::{module_name, page_stem};
/// assert_eq!(module_name("ch04-options"), "ch04_options");
/// assert_eq!(module_name("rust-primer"), "rust_primer");
/// assert_eq!(page_stem("ch02_one_hot"), "ch02-one-hot");
/// ```
pub fn module_name(stem: &str) -> String {
    stem.replace('-', "_")
}

/// The page a module's file belongs to: `ch04_options` → `ch04-options` (page stems use
/// `-`, Rust names `_`).
pub fn page_stem(module: &str) -> String {
    module.replace('_', "-")
}

/// Module names sorted into the book's reading order: by their page's place in `pages`;
/// a file whose page `SUMMARY.md` does not list yet goes last, by name.
///
/// ```
/// use std::path::Path;
/// use listings::machinery::layout::{in_reading_order, parse_summary};
/// let pages = parse_summary("[甲](rust-primer.md)\n- [乙](ch01-coin.md)\n", Path::new("src")).unwrap();
/// let modules = ["ch01_coin", "zz_draft", "rust_primer"].map(String::from).to_vec();
/// assert_eq!(in_reading_order(&pages, modules), ["rust_primer", "ch01_coin", "zz_draft"]);
/// ```
pub fn in_reading_order(pages: &[Page], mut modules: Vec<String>) -> Vec<String> {
    let place = |module: &String| {
        let stem = page_stem(module);
        pages
            .iter()
            .position(|p| p.stem == stem)
            .unwrap_or(pages.len())
    };
    modules.sort_by(|a, b| place(a).cmp(&place(b)).then_with(|| a.cmp(b)));
    modules
}

/// The listings of a chapter's listings file, in file order: each function written at the
/// start of a line as `pub fn name() -> Result<(), Box<dyn Error>>`. (Helpers the listings
/// share are private, or take arguments, and are not listings.)
///
/// ```
/// let text = "fn quoted(name: &str) -> f64 { 0.0 }\n\npub fn coin() -> Result<(), Box<dyn Error>> {\n    Ok(())\n}\n\nfn pitfalls() -> Result<(), Box<dyn Error>> {\n    Ok(())\n}\npub fn bits() -> Result<(), Box<dyn Error>> {\n    Ok(())\n}\n";
/// assert_eq!(listings::machinery::layout::listing_names(text), ["coin", "bits"]);
/// ```
pub fn listing_names(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("pub fn ")?.split_once('(')?;
            rest.starts_with(") -> Result<(), Box<dyn Error>>")
                .then_some(name)
        })
        .collect()
}

/// mdBook's include directives, `{{#include path:anchor}}` and `{{#rustdoc_include …}}`: the
/// one parser of them, for the tests that check every include resolves and for the
/// notebooks that inline what the chapters include.
///
/// The book includes whole files and anchored regions, never line ranges: a `path:10:20`
/// reads as the anchor `10:20`, which no file has, so a check reports it rather than let
/// it include something by accident.
pub mod include {
    /// One directive: the file, relative to the Markdown that includes it, and the anchor
    /// when it includes one region rather than the whole file.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Include<'a> {
        pub path: &'a str,
        pub anchor: Option<&'a str>,
    }

    /// Every include directive in a page's Markdown, in order, wherever it stands on its
    /// line.
    ///
    /// ```
    /// use listings::machinery::layout::include::{directives, Include};
    /// let md = "x {{#include ../listings/src/fused.rs:grad}} y {{#rustdoc_include ../a.rs}}\n{{#title 标题}}";
    /// assert_eq!(
    ///     directives(md),
    ///     [
    ///         Include { path: "../listings/src/fused.rs", anchor: Some("grad") },
    ///         Include { path: "../a.rs", anchor: None },
    ///     ]
    /// );
    /// ```
    pub fn directives(markdown: &str) -> Vec<Include<'_>> {
        let mut found = Vec::new();
        let mut rest = markdown;
        while let Some(start) = rest.find("{{#") {
            let from = &rest[start..];
            let Some(end) = from.find("}}") else { break };
            let (directive, after) = from.split_at(end + 2);
            found.extend(parse(directive));
            rest = after;
        }
        found
    }

    /// The directive a line holds when the line is nothing else (as inside a code block).
    ///
    /// ```
    /// use listings::machinery::layout::include::{parse_line, Include};
    /// assert_eq!(
    ///     parse_line("    {{#include ../listings/tests/chapters/ch01_coin.rs:coin}}"),
    ///     Some(Include { path: "../listings/tests/chapters/ch01_coin.rs", anchor: Some("coin") })
    /// );
    /// assert_eq!(parse_line("{{#include ../listings/output/ch01-coin/coin.txt}}").unwrap().anchor, None);
    /// assert_eq!(parse_line("see {{#include a.rs}}"), None);
    /// assert_eq!(parse_line("let x = 1;"), None);
    /// ```
    pub fn parse_line(line: &str) -> Option<Include<'_>> {
        parse(line.trim())
    }

    /// `{{#include path}}` or `{{#include path:anchor}}`, exactly (either directive name).
    fn parse(directive: &str) -> Option<Include<'_>> {
        let inner = directive.strip_prefix("{{#")?.strip_suffix("}}")?;
        let target = inner
            .strip_prefix("include ")
            .or_else(|| inner.strip_prefix("rustdoc_include "))?
            .trim();
        if target.is_empty() || target.contains(char::is_whitespace) || target.contains('}') {
            return None;
        }
        Some(match target.split_once(':') {
            Some((path, anchor)) => Include {
                path,
                anchor: Some(anchor),
            },
            None => Include {
                path: target,
                anchor: None,
            },
        })
    }
}

/// Anchored regions: `// ANCHOR: name` … `// ANCHOR_END: name`, mdBook's include syntax.
pub mod anchor {
    /// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without the anchor lines of
    /// nested regions, dedented — what mdBook shows for `{{#include file:name}}`.
    ///
    /// ```
    /// use listings::machinery::layout::anchor::region;
    /// let text = "fn f() {\n    // ANCHOR: a\n    let x = 1;\n    // ANCHOR: b\n        x + 1;\n    // ANCHOR_END: b\n    // ANCHOR_END: a\n}\n";
    /// assert_eq!(region(text, "a").unwrap(), "let x = 1;\n    x + 1;");
    /// assert_eq!(region(text, "b").unwrap(), "x + 1;");
    /// assert_eq!(region(text, "c"), None);
    /// ```
    pub fn region(text: &str, name: &str) -> Option<String> {
        let mut lines = text
            .lines()
            .skip_while(|l| marker(l) != Some(("ANCHOR", name)));
        lines.next()?;
        let mut body = Vec::new();
        for line in lines {
            match marker(line) {
                Some(("ANCHOR_END", n)) if n == name => return Some(dedent(&body)),
                Some(_) => {}
                None => body.push(line),
            }
        }
        None
    }

    /// The names of every region a file opens, in order.
    ///
    /// ```
    /// let text = "// ANCHOR: a\n1\n// ANCHOR_END: a\n// ANCHOR: b\n// ANCHOR_END: b\n";
    /// assert_eq!(listings::machinery::layout::anchor::names(text), ["a", "b"]);
    /// ```
    pub fn names(text: &str) -> Vec<&str> {
        text.lines()
            .filter_map(marker)
            .filter(|(kind, _)| *kind == "ANCHOR")
            .map(|(_, name)| name)
            .collect()
    }

    /// `// ANCHOR: name` → `("ANCHOR", "name")`; `// ANCHOR_END: name` → `("ANCHOR_END", …)`.
    fn marker(line: &str) -> Option<(&str, &str)> {
        let comment = line.trim().strip_prefix("//")?.trim_start();
        let (kind, name) = comment.split_once(": ")?;
        matches!(kind, "ANCHOR" | "ANCHOR_END").then_some((kind, name.trim_end()))
    }

    fn dedent(lines: &[&str]) -> String {
        let cut = lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        lines
            .iter()
            .map(|l| if l.trim().is_empty() { "" } else { &l[cut..] })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_gives_pages_in_order() {
        let summary = "# Summary\n\n[前言](intro.md)\n\n- [硬币](ch01-coin.md)\n- [选项](ch04-options.md)\n\n[术语表](glossary.md)\n";
        let pages = parse_summary(summary, Path::new("src")).unwrap();
        let stems: Vec<_> = pages
            .iter()
            .map(|p| (p.stem.as_str(), p.numbered))
            .collect();
        assert_eq!(
            stems,
            [
                ("intro", false),
                ("ch01-coin", true),
                ("ch04-options", true),
                ("glossary", false)
            ]
        );
        assert_eq!(pages[1].path, Path::new("src/ch01-coin.md"));
        assert_eq!(pages[1].title, "硬币");
    }

    #[test]
    fn an_include_without_a_path_is_no_include() {
        use include::{Include, directives, parse_line};
        assert_eq!(parse_line("{{#include }}"), None);
        assert_eq!(parse_line("{{#include a.rs b.rs}}"), None);
        assert_eq!(parse_line("{{#includes a.rs}}"), None);
        assert_eq!(
            directives("{{#include a.rs:x}} {{#include"),
            [Include {
                path: "a.rs",
                anchor: Some("x")
            }]
        );
    }

    #[test]
    fn a_broken_link_names_its_line() {
        let err = parse_summary("# S\n\n- [硬币](ch01-coin.md\n", Path::new("src")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "src/SUMMARY.md line 3: `- [硬币](ch01-coin.md` is not a `[title](file.md)` link"
        );
    }
}
