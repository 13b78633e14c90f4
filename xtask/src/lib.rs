//! What `cargo xtask` does that tests need too: generating the notebooks, and reading
//! the translated editions.

pub mod edition;
pub mod notebooks;
