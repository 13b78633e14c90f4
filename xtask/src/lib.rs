//! What `cargo xtask` does that tests need too: generating the notebooks.

pub mod notebooks;
