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
        // The f64 the printing example formats (`{}` shows 5.0 as 5).
        quote!(CHAPTER, "printed", Input, [5.0]),
        // −ln 1: IEEE-754 negative zero, printed as -0 and -0.000.
        quote!(CHAPTER, "negative_zero", Computed, -(1.0_f64.ln())),
    ])
}
