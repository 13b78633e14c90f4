//! Every Rust block a reader sees comes from `listings`, and every include resolves.
//!
//! mdBook reports a missing file, but not a missing anchor: `{{#include f.rs:nope}}`
//! silently includes nothing. These tests make both an error, and forbid Rust typed
//! into the Markdown.

mod common;

use listings::machinery::layout::anchor::region;
use listings::machinery::layout::include::{self, Include};
use regex::Regex;

#[test]
fn every_include_resolves_to_a_file_and_anchor() {
    let mut count = 0;
    for (chapter, markdown) in common::chapters() {
        for Include { path: file, anchor } in include::directives(&markdown) {
            let path = common::path("src").join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("src/{chapter}.md includes {file}: {e}"));
            if let Some(anchor) = anchor {
                let body = region(&text, anchor).unwrap_or_else(|| {
                    panic!("src/{chapter}.md includes {file}:{anchor}, but that anchor is missing")
                });
                assert!(
                    body.lines()
                        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//")),
                    "{file}:{anchor} is empty"
                );
            }
            count += 1;
        }
    }
    println!("{count} includes resolved");
    assert!(count >= 40, "only {count} includes found");
}

#[test]
fn no_rust_is_typed_into_the_chapters() {
    let fence = Regex::new(r"(?ms)^```rust[^\n]*\n(.*?)^```").expect("valid regex");
    for (chapter, markdown) in common::chapters() {
        for block in fence.captures_iter(&markdown) {
            let body = block[1].trim();
            assert!(
                body.lines().all(|l| include::parse_line(l).is_some()),
                "src/{chapter}.md has Rust typed by hand; put it in listings and include it:\n{body}"
            );
        }
    }
}

#[test]
fn every_output_block_is_generated() {
    // ```text blocks show what a listing printed: they must include listings/output/.
    let fence = Regex::new(r"(?ms)^```text\n(.*?)^```").expect("valid regex");
    for (chapter, markdown) in common::chapters() {
        for block in fence.captures_iter(&markdown) {
            let body = block[1].trim();
            assert!(
                body.starts_with("{{#include ../listings/output/") && !body.contains('\n'),
                "src/{chapter}.md types program output by hand:\n{body}"
            );
        }
    }
}

#[test]
fn every_chapter_has_a_figure_and_a_summary() {
    let image = Regex::new(r"!\[[^\]]+\]\((figures/[^)]+)\)").expect("valid regex");
    for (chapter, markdown) in common::numbered() {
        let figures: Vec<_> = image
            .captures_iter(&markdown)
            .map(|c| c[1].to_string())
            .collect();
        assert!(!figures.is_empty(), "src/{chapter}.md has no figure");
        for figure in figures {
            assert!(
                common::path("src").join(&figure).exists(),
                "src/{chapter}.md shows missing {figure}"
            );
        }
        assert!(
            markdown.contains("\n## 小结\n"),
            "src/{chapter}.md has no 小结 (summary)"
        );
    }
}

#[test]
fn the_include_parser_sees_anchors() {
    let found =
        include::directives("x {{#include ../listings/src/fused.rs:grad}} y {{#include ../a.txt}}");
    assert_eq!(
        found,
        [
            Include {
                path: "../listings/src/fused.rs",
                anchor: Some("grad")
            },
            Include {
                path: "../a.txt",
                anchor: None
            }
        ]
    );
}
