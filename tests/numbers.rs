//! Every decimal number in the prose is backed by a listings computation.
//!
//! For each chapter, every decimal in its text and formulas (`0.51`, `-2.996`, `1.65`) must
//! equal, as written, some value of `listings::machinery::quoted::cached()` rounded to the same
//! number of decimals. A chapter may quote its own values and those of earlier chapters.
//! Code blocks are not read here: their code and output are run and checked by the
//! listings' own tests.

mod common;

use listings::machinery::quoted::{Quoted, cached};
use regex::Regex;

/// A decimal number as written, with its sign if a minus sign (ASCII or U+2212) touches it.
struct Number {
    line: usize,
    text: String,
}

fn decimals(lines: &[(usize, String)]) -> Vec<Number> {
    // A version such as 0.5.4 or a name such as f32 is not a quoted value.
    let number = Regex::new(r"([-−]?)(\d+(?:\.\d+)+)").expect("valid regex");
    let mut found = Vec::new();
    for (line, text) in lines {
        for cap in number.captures_iter(text) {
            let whole = cap.get(0).expect("match");
            let before = text[..whole.start()].chars().last();
            let digits = &cap[2];
            // Only ASCII glues: a Chinese character right before a number (约1.65) is
            // text, and `char::is_alphanumeric` would count it as a letter.
            let glued = before.is_some_and(|c| {
                c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ')' || c == '}'
            });
            if digits.matches('.').count() != 1 || (glued && cap[1].is_empty()) {
                continue;
            }
            // After a letter or a bracket the minus is a subtraction, not a sign.
            let sign = if cap[1].is_empty() || glued { "" } else { "-" };
            found.push(Number {
                line: *line,
                text: format!("{sign}{digits}"),
            });
        }
    }
    found
}

/// The unbacked numbers of one chapter, as messages.
fn unbacked(chapter: &str, markdown: &str, backing: &[&Quoted]) -> (usize, Vec<String>) {
    unbacked_in("src", chapter, markdown, backing)
}

/// [`unbacked`] for the edition whose pages are named `{edition}/{chapter}.md` in messages.
fn unbacked_in(
    edition: &str,
    chapter: &str,
    markdown: &str,
    backing: &[&Quoted],
) -> (usize, Vec<String>) {
    let numbers = decimals(&common::prose(markdown));
    let missing = numbers
        .iter()
        .filter(|n| !backing.iter().any(|q| q.matches(&n.text)))
        .map(|n| format!("{edition}/{chapter}.md:{}: {} is not a rounded value of any listings::machinery::quoted entry of this or an earlier chapter", n.line, n.text))
        .collect();
    (numbers.len(), missing)
}

fn backing_for<'a>(registry: &'a [Quoted], order: &[String], chapter: &str) -> Vec<&'a Quoted> {
    let upto = order
        .iter()
        .position(|c| c == chapter)
        .expect("chapter in SUMMARY");
    registry
        .iter()
        .filter(|q| order[..=upto].iter().any(|c| c == q.chapter))
        .collect()
}

#[test]
fn every_quoted_number_is_computed() {
    let registry = cached().expect("the registry computes");
    let chapters = common::chapters();
    let order: Vec<String> = chapters.iter().map(|(c, _)| c.clone()).collect();
    let mut total = 0;
    let mut problems = Vec::new();
    for (chapter, markdown) in &chapters {
        let (count, missing) = unbacked(chapter, markdown, &backing_for(registry, &order, chapter));
        println!("{chapter}: {count} decimal numbers checked");
        total += count;
        problems.extend(missing);
    }
    println!(
        "total: {total} decimal numbers checked against {} registry entries",
        registry.len()
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    // A broken extractor would find nothing and pass; the book quotes far more than this.
    assert!(
        total >= 60,
        "only {total} numbers found: is the extractor broken?"
    );
}

/// The same check on every translated edition: each page translated by its catalogue
/// (`xtask::edition`, the library mdbook-gettext uses), then every decimal of its prose
/// and formulas backed as in the Chinese. Line numbers are those of the translated page.
#[test]
fn every_number_of_every_translation_is_computed() {
    let registry = cached().expect("the registry computes");
    let chapters = common::chapters();
    let order: Vec<String> = chapters.iter().map(|(c, _)| c.clone()).collect();
    for translation in common::translations() {
        let language = translation.language.clone();
        let (mut total, mut problems) = (0, Vec::new());
        for (chapter, markdown) in &chapters {
            let page = translation
                .markdown(markdown)
                .unwrap_or_else(|e| panic!("{language}/{chapter}: {e}"));
            let backing = backing_for(registry, &order, chapter);
            let (count, missing) = unbacked_in(&language, chapter, &page, &backing);
            println!("{language}/{chapter}: {count} decimal numbers checked");
            total += count;
            problems.extend(missing);
        }
        println!("{language}: {total} decimal numbers checked");
        assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
        assert!(
            total >= 60,
            "only {total} numbers found in {language}: is the translation missing?"
        );
    }
}

#[test]
fn every_registry_entry_is_quoted_in_its_chapter() {
    let registry = cached().expect("the registry computes");
    let chapters = common::chapters();
    for q in registry {
        let (_, markdown) = chapters
            .iter()
            .find(|(c, _)| c == q.chapter)
            .unwrap_or_else(|| panic!("{} names no chapter of SUMMARY.md", q.chapter));
        let numbers = decimals(&common::prose(markdown));
        assert!(
            numbers.iter().any(|n| q.matches(&n.text)),
            "{}/{} (`{}`) is registered but its chapter never quotes it: remove it or quote it",
            q.chapter,
            q.name,
            q.code
        );
    }
}

#[test]
fn a_changed_number_is_caught() {
    // The test above must go red when a quoted number drifts from the code.
    let registry = cached().expect("the registry computes");
    let chapters = common::chapters();
    let order: Vec<String> = chapters.iter().map(|(c, _)| c.clone()).collect();
    let (_, ch2) = chapters
        .iter()
        .find(|(c, _)| c == "ch02-one-hot")
        .expect("chapter 2");
    let backing = backing_for(registry, &order, "ch02-one-hot");
    assert!(unbacked("ch02-one-hot", ch2, &backing).1.is_empty());
    let drifted = ch2
        .replacen("约 0.51", "约 0.52", 1)
        .replacen("2.996", "2.995", 1);
    let (_, missing) = unbacked("ch02-one-hot", &drifted, &backing);
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(missing.iter().any(|m| m.contains(": 0.52 ")), "{missing:?}");
    assert!(
        missing.iter().any(|m| m.contains(": -2.995 ")),
        "{missing:?}"
    );
}

#[test]
fn extractor_reads_signs_and_skips_versions() {
    let lines = vec![(
        1,
        "ln 0.05 ≈ −2.996，x-0.5，mdBook 0.5.4，f32 与 1.65 GB，[−0.398, 0.049]，约0.51"
            .to_string(),
    )];
    let found: Vec<String> = decimals(&lines).into_iter().map(|n| n.text).collect();
    assert_eq!(
        found,
        ["0.05", "-2.996", "0.5", "1.65", "-0.398", "0.049", "0.51"]
    );
}
