//! Chapter 2, 独热求和: one prediction over five words.

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::one_hot::{BAD_PREDICTION, GOOD_PREDICTION, surprise_at};
use crate::surprise::surprise;

const CHAPTER: &str = "ch02-one-hot";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    Ok(vec![
        // Chapter 2: the one-hot sum.
        quote!(CHAPTER, "good", Input, GOOD_PREDICTION),
        quote!(CHAPTER, "bad", Input, BAD_PREDICTION),
        quote!(CHAPTER, "with_zero", Input, [0.0, 0.10, 0.25, 0.60, 0.05]),
        quote!(CHAPTER, "ln_good", Computed, GOOD_PREDICTION.map(f64::ln)),
        quote!(
            CHAPTER,
            "loss_good",
            Computed,
            surprise_at(&GOOD_PREDICTION, 3)?
        ),
        quote!(
            CHAPTER,
            "loss_bad",
            Computed,
            surprise_at(&BAD_PREDICTION, 3)?
        ),
        quote!(
            CHAPTER,
            "ratio",
            Computed,
            surprise_at(&BAD_PREDICTION, 3)? / surprise_at(&GOOD_PREDICTION, 3)?
        ),
        quote!(CHAPTER, "exercise_ps", Input, [0.9, 0.99]),
        quote!(
            CHAPTER,
            "ex_confident",
            Computed,
            [surprise(0.9)?, surprise(0.99)?]
        ),
    ])
}
