//! Chapter 2, 独热向量与交叉熵: one prediction over five words.

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::one_hot::{BAD_PREDICTION, GOOD_PREDICTION, cross_entropy_sum, surprise_at};
use crate::surprise::surprise;

const CHAPTER: &str = "ch02-one-hot";

/// Exercise 3's soft target: after "我 爱 吃", "苹果" 90% of the time, the end 10%.
const SOFT_TARGET: [f64; 5] = [0.0, 0.0, 0.0, 0.9, 0.1];
/// Exercise 2's prediction: the 0.05 of "我" moved to "eos".
const MOVED_PREDICTION: [f64; 5] = [0.0, 0.10, 0.20, 0.60, 0.10];

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
        quote!(CHAPTER, "soft_target", Input, SOFT_TARGET),
        quote!(
            CHAPTER,
            "ex_soft",
            Computed,
            [
                cross_entropy_sum(&SOFT_TARGET, &GOOD_PREDICTION)?,
                cross_entropy_sum(&SOFT_TARGET, &MOVED_PREDICTION)?
            ]
        ),
        quote!(
            CHAPTER,
            "ex_confident",
            Computed,
            [surprise(0.9)?, surprise(0.99)?]
        ),
    ])
}
