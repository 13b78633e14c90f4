//! 怎么读本书的 Rust: the inputs its small examples use.

use super::{Kind, Quoted, QuotedError, Values, quote};

const CHAPTER: &str = "rust-primer";

/// The page's quoted numbers: the inputs of its small examples.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    Ok(vec![
        // The coin of chapter 1 (0.9 also in f32 and f64).
        quote!(CHAPTER, "coin", Input, [0.9, 0.1]),
        // The entries of the small arrays built with `array!`.
        quote!(CHAPTER, "array", Input, [1.0, 2.0, 3.0, 4.0]),
    ])
}
