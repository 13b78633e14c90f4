//! The committed figures are exactly what `listings::machinery::figures` draws now.
//!
//! Like rust-analyzer's `ensure_file_contents`, through `listings::machinery::fresh`: on a
//! difference the test fails, names the file and says how to refresh; with
//! `UPDATE_EXPECT=1` it rewrites the file instead.

mod common;

use listings::machinery::fresh::ensure_fresh;

#[test]
fn committed_figures_are_fresh() {
    let mut stale = Vec::new();
    for figure in listings::machinery::figures::all() {
        let svg = (figure.draw)().unwrap_or_else(|e| panic!("{}: {e}", figure.file));
        let path = common::path("src/figures").join(figure.file);
        if let Err(e) = ensure_fresh(&path, &svg, "cargo xtask figures") {
            stale.push(e.to_string());
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n\n"));
}

#[test]
fn figures_are_deterministic() {
    for figure in listings::machinery::figures::all() {
        assert_eq!(
            (figure.draw)().unwrap(),
            (figure.draw)().unwrap(),
            "{}",
            figure.file
        );
    }
}
