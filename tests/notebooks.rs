//! The committed notebooks are exactly what `cargo xtask notebooks` generates now.

mod common;

use listings::machinery::fresh::ensure_fresh;

#[test]
fn committed_notebooks_are_fresh() {
    let notebooks = xtask::notebooks::generate(common::root()).expect("notebooks generate");
    // The README's table of notebooks is generated from SUMMARY.md too, and kept fresh alike,
    // as are each translated edition's README and kernel settings.
    let companions = xtask::notebooks::companions(common::root()).expect("notebooks/README.md");
    let stale: Vec<String> = notebooks
        .iter()
        .chain(&companions)
        .filter_map(|notebook| {
            ensure_fresh(&notebook.path, &notebook.json, "cargo xtask notebooks").err()
        })
        .map(|e| e.to_string())
        .collect();
    assert!(stale.is_empty(), "{}", stale.join("\n\n"));
    // One notebook per numbered chapter of SUMMARY.md, in every edition.
    let editions = 1 + xtask::edition::languages(common::root()).unwrap().len();
    assert_eq!(notebooks.len(), editions * common::numbered().len());
}

#[test]
fn every_code_cell_ends_with_a_statement() {
    // evcxr displays the value of a cell's last expression: a block such as `for … {}`
    // or `match … {}` shows a stray `()`. So every cell ends with `;`.
    for notebook in xtask::notebooks::generate(common::root()).expect("notebooks generate") {
        let value: serde_json::Value = serde_json::from_str(&notebook.json).unwrap();
        for cell in value["cells"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["cell_type"] == "code")
        {
            let source: String = cell["source"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            let last = source
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            assert!(
                last.trim_end().ends_with(';') || last.starts_with(':'),
                "{}: a cell ends with `{last}`, not a statement:\n{source}",
                notebook.path.display()
            );
        }
    }
}

#[test]
fn every_listing_becomes_a_checked_cell() {
    // Each chapter's included listings appear as code cells expecting their output file.
    for notebook in xtask::notebooks::generate(common::root()).expect("notebooks generate") {
        let expectations = xtask::notebooks::expectations(&notebook.json).unwrap();
        let listings = expectations
            .iter()
            .filter(|e| e.origin.contains("listings/tests/chapters/"))
            .count();
        let figures = expectations.iter().filter(|e| e.display.is_some()).count();
        assert!(
            listings >= 3,
            "{}: only {listings} listing cells",
            notebook.path.display()
        );
        assert!(
            !notebook.json.contains("<details>"),
            "{}: HTML that Jupyter cannot split across cells",
            notebook.path.display()
        );
        assert!(figures >= 1, "{}: no live figure", notebook.path.display());
        assert!(
            expectations.last().unwrap().stdout.lines().count() >= 3,
            "{}: the numbers cell prints too little",
            notebook.path.display()
        );
    }
}
