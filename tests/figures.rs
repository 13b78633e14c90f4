//! The committed figures, in both languages, are exactly what `listings::machinery::figures`
//! draws now: `src/figures/<file>` in Chinese, `src/figures/en/<file>` in English.
//!
//! Like rust-analyzer's `ensure_file_contents`, through `listings::machinery::fresh`: on a
//! difference the test fails, names the file and says how to refresh; with
//! `UPDATE_EXPECT=1` it rewrites the file instead.

mod common;

use listings::machinery::figures::{Language, all};
use listings::machinery::fresh::ensure_fresh;

#[test]
fn committed_figures_are_fresh() {
    let mut stale = Vec::new();
    for figure in all() {
        for language in Language::ALL {
            let file = figure.path(language);
            let svg = (figure.draw)(language).unwrap_or_else(|e| panic!("{file}: {e}"));
            let path = common::path("src/figures").join(&file);
            if let Err(e) = ensure_fresh(&path, &svg, "cargo xtask figures") {
                stale.push(e.to_string());
            }
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n\n"));
}

#[test]
fn figures_are_deterministic() {
    for figure in all() {
        for language in Language::ALL {
            let file = figure.path(language);
            assert_eq!(
                (figure.draw)(language).unwrap(),
                (figure.draw)(language).unwrap(),
                "src/figures/{file}"
            );
        }
    }
}

#[test]
fn the_two_languages_differ() {
    for figure in all() {
        assert_ne!(
            (figure.draw)(Language::Chinese).unwrap(),
            (figure.draw)(Language::English).unwrap(),
            "src/figures/{} and src/figures/{} are the same",
            figure.path(Language::Chinese),
            figure.path(Language::English)
        );
    }
}
