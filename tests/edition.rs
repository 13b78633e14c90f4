//! The translated editions keep what the Chinese one guarantees: the same pages, the same
//! listings and outputs in the same places, the code as tested (only its comments
//! translated), and the TeX untouched by the translation's round trip.

mod common;

use xtask::edition::{self, Translation};

fn translations() -> Vec<Translation> {
    let languages = edition::languages(common::root()).expect("book.toml lists editions");
    assert!(
        !languages.is_empty(),
        "book.toml lists no translated edition"
    );
    languages
        .iter()
        .map(|l| Translation::load(common::root(), l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The fences and `{{#include}}` lines of a page, in order: what the reader sees as code
/// and output, and what the notebooks turn into cells.
fn skeleton(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("```") || l.starts_with("{{#include"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_translated_page_has_the_chinese_listings_in_the_same_places() {
    for translation in translations() {
        for (chapter, markdown) in common::chapters() {
            let page = translation.markdown(&markdown).unwrap();
            assert_eq!(
                skeleton(&page),
                skeleton(&markdown),
                "{}/{chapter}: the code blocks or includes differ from the Chinese",
                translation.language
            );
        }
    }
}

/// A listing without its comments: what the compiler sees.
fn code_only(code: &str) -> Vec<String> {
    code.lines()
        .map(|l| match l.find("//") {
            Some(at) if !l[..at].contains('"') => l[..at].trim_end().to_string(),
            _ => l.trim_end().to_string(),
        })
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn translated_listings_differ_from_the_tested_code_in_comments_only() {
    let include = regex::Regex::new(r"\{\{#include ([^}:]+)(?::(\w+))?\}\}").unwrap();
    for translation in translations() {
        let mut listings = 0;
        for (chapter, markdown) in common::chapters() {
            for cap in include.captures_iter(&markdown) {
                let path = common::path("src").join(&cap[1]);
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = match cap.get(2) {
                    Some(a) => listings::machinery::layout::anchor::region(&text, a.as_str())
                        .unwrap_or_else(|| panic!("{chapter}: no anchor {}", a.as_str())),
                    None => text,
                };
                let translated = translation.code("rust", &code).unwrap();
                assert_eq!(
                    code_only(&translated),
                    code_only(&code),
                    "{}/{chapter}: {} reads differently in translation",
                    translation.language,
                    &cap[0]
                );
                listings += 1;
            }
        }
        assert!(listings > 50, "only {listings} listings found");
    }
}

#[test]
fn the_guard_round_trips_every_page() {
    for (chapter, markdown) in common::chapters() {
        let guarded = edition::math(common::root(), "guard", &markdown).unwrap();
        assert_eq!(
            edition::math(common::root(), "unguard", &guarded).unwrap(),
            markdown,
            "{chapter}: no round trip"
        );
        assert!(
            !guarded.contains("\n$$\n"),
            "{chapter}: a display formula left unguarded"
        );
    }
}

#[test]
fn translated_pages_show_their_editions_figures() {
    let image = regex::Regex::new(r"\]\(figures/([^)]+)\)").unwrap();
    for translation in translations() {
        let folder = format!("{}/", translation.language);
        let mut figures = 0;
        for (chapter, markdown) in common::chapters() {
            let page = translation.markdown(&markdown).unwrap();
            for cap in image.captures_iter(&page) {
                assert!(
                    cap[1].starts_with(&folder),
                    "{folder}{chapter}: shows figures/{} instead of figures/{folder}…",
                    &cap[1]
                );
                assert!(
                    common::path("src/figures").join(&cap[1]).exists(),
                    "{folder}{chapter}: figures/{} does not exist",
                    &cap[1]
                );
                figures += 1;
            }
        }
        assert!(figures >= 8, "only {figures} figures in {folder}");
    }
}

#[test]
fn a_page_translated_by_an_empty_catalogue_keeps_its_tex() {
    // The translation's round trip through CommonMark rewrites TeX it can see (`\,` loses
    // its backslash); guarded, every formula of every page comes back as it was.
    let formula = regex::Regex::new(r"\$[^$\n]+\$").unwrap();
    let empty = Translation::empty(common::root(), "zh-CN");
    for (chapter, markdown) in common::chapters() {
        let page = empty.markdown(&markdown).unwrap();
        let before: Vec<&str> = formula.find_iter(&markdown).map(|m| m.as_str()).collect();
        let after: Vec<&str> = formula.find_iter(&page).map(|m| m.as_str()).collect();
        assert_eq!(after, before, "{chapter}: formulas changed");
    }
}

/// The first column of a page's tables, row by row.
fn first_column(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter(|l| l.starts_with('|') && !l.contains("---"))
        .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().to_string()))
        .collect()
}

#[test]
fn the_glossary_keeps_its_chinese_terms_in_every_edition() {
    // In a translation the glossary's first column stays Chinese on purpose: the programs
    // print their labels with these terms, so the table is the reader's key to them.
    let (_, glossary) = common::chapters()
        .into_iter()
        .find(|(c, _)| c == "glossary")
        .expect("a glossary page");
    let terms = first_column(&glossary);
    assert!(terms.len() > 40, "only {} glossary rows", terms.len());
    for translation in translations() {
        let page = translation.markdown(&glossary).unwrap();
        let translated = first_column(&page);
        assert_eq!(translated.len(), terms.len(), "{}", translation.language);
        // The header row is translated; every term after it is the Chinese one.
        for (term, kept) in terms.iter().zip(&translated).skip(1) {
            assert_eq!(
                kept, term,
                "{}/glossary: a term is translated",
                translation.language
            );
        }
    }
}
