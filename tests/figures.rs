//! The committed figures are exactly what `listings::machinery::figures` draws now.
//!
//! Like rust-analyzer's `ensure_file_contents`: on a difference the test fails and says
//! how to refresh; with `UPDATE_EXPECT=1` it rewrites the file instead.

mod common;

#[test]
fn committed_figures_are_fresh() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut stale = Vec::new();
    for figure in listings::machinery::figures::all() {
        let svg = (figure.draw)().unwrap_or_else(|e| panic!("{}: {e}", figure.file));
        let path = common::path("src/figures").join(figure.file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != svg {
            if update {
                std::fs::write(&path, &svg).expect("write figure");
            } else {
                stale.push(figure.file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale figures {stale:?} in src/figures/: run `cargo xtask figures` (or UPDATE_EXPECT=1 cargo test) and commit them"
    );
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
