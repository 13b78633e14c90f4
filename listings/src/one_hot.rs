//! Chapter 2, 独热向量与交叉熵: the cross-entropy of one prediction, and why the one-hot sum
//! collapses to a single term.
//!
//! For a true distribution `y_true` and a predicted one `y_pred` over the same `C`
//! classes, the cross-entropy is `-Σ_i y_true[i] · ln y_pred[i]`. When `y_true` is one-hot
//! at the answer `t`, every term but one is zero and the sum is `-ln y_pred[t]`: the
//! surprisal (惊讶度) of chapter 1 at the right answer.

use thiserror::Error;

use crate::surprise::{check_distribution, check_same_classes, surprise};
use crate::{LossError, Real};

/// The book's vocabulary of five tokens (here each token is a word); a token's id is its
/// position.
// ANCHOR: vocab
pub const VOCAB: [&str; 5] = ["我", "爱", "吃", "苹果", "eos"];
// ANCHOR_END: vocab

/// Chapter 2's prediction after "我 爱 吃", and the bad one.
pub const GOOD_PREDICTION: [f64; 5] = [0.05, 0.10, 0.20, 0.60, 0.05];
/// The prediction that gives "苹果" only 5%.
pub const BAD_PREDICTION: [f64; 5] = [0.3, 0.3, 0.3, 0.05, 0.05];

/// The id of `word` in `vocab`, or `None` if the word is not in it.
///
/// ```
/// use listings::one_hot::{token_id, VOCAB};
/// assert_eq!(token_id(&VOCAB, "苹果"), Some(3));
/// assert_eq!(token_id(&VOCAB, "香蕉"), None);
/// ```
pub fn token_id(vocab: &[&str], word: &str) -> Option<usize> {
    vocab.iter().position(|&w| w == word)
}

/// A word the vocabulary has no id for: the model can neither read it nor predict it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "“{0}” is not in the vocabulary; the model can only read and predict the words it has ids for"
)]
pub struct UnknownWord(pub String);

/// The id of `word` in `vocab`, or the error that says it is not there.
///
/// ```
/// use listings::one_hot::{UnknownWord, VOCAB, id_of};
/// assert_eq!(id_of(&VOCAB, "苹果"), Ok(3));
/// assert_eq!(id_of(&VOCAB, "香蕉"), Err(UnknownWord("香蕉".to_string())));
/// ```
pub fn id_of(vocab: &[&str], word: &str) -> Result<usize, UnknownWord> {
    token_id(vocab, word).ok_or_else(|| UnknownWord(word.to_string()))
}

/// The one-hot vector of length `classes` with a 1 at `target`.
///
/// ```
/// use listings::one_hot::one_hot;
/// assert_eq!(one_hot::<f64>(3, 5).unwrap(), vec![0.0, 0.0, 0.0, 1.0, 0.0]);
/// assert!(one_hot::<f64>(5, 5).unwrap_err().to_string().starts_with("Target 5 is out of bounds."));
/// ```
// ANCHOR: one_hot
pub fn one_hot<A: Real>(target: usize, classes: usize) -> Result<Vec<A>, LossError> {
    if target >= classes {
        // as i64 把 usize 换成 i64：错误里的 id 和 PyTorch 一样是 i64
        return Err(LossError::TargetOutOfBounds {
            target: target as i64,
            classes,
        });
    }
    // vec![x; n]：n 个 x 组成的 Vec，像 Python 的 [x] * n
    let mut y = vec![A::zero(); classes];
    y[target] = A::one();
    Ok(y)
}
// ANCHOR_END: one_hot

/// The terms `-y_true[i] · ln y_pred[i]` of the cross-entropy sum, one per class.
///
/// A term whose `y_true[i]` is 0 is exactly 0, even when `y_pred[i]` is 0 too: that is
/// the limit `p ln p → 0`, while floating point would give `0 · (-∞) = NaN`.
///
/// ```
/// use listings::one_hot::cross_entropy_terms;
/// let terms = cross_entropy_terms(&[0.0, 1.0], &[0.4_f64, 0.6]).unwrap();
/// assert_eq!(terms[0], 0.0);
/// assert!((terms[1] - 0.5108).abs() < 1e-4);
/// ```
// ANCHOR: terms
pub fn cross_entropy_terms<A: Real>(y_true: &[A], y_pred: &[A]) -> Result<Vec<A>, LossError> {
    check_same_classes(y_true, y_pred, ("y_true", "y_pred"))?;
    // 像 Python 的 zip：把 y_true 和 y_pred 一对一对地配起来，(&t, &p) 拆开每一对
    Ok(y_true
        .iter()
        .zip(y_pred)
        .map(|(&t, &p)| {
            // y_i = 0 的项直接记 0（为什么要特判，见本章的“0 · ln 0”一节）
            if t == A::zero() {
                A::zero()
            } else {
                -t * p.ln()
            }
        })
        .collect())
}
// ANCHOR_END: terms

/// The cross-entropy `-Σ_i y_true[i] · ln y_pred[i]`, written as the sum it is.
///
/// ```
/// use listings::one_hot::cross_entropy_sum;
/// let y_pred = [0.05_f64, 0.10, 0.20, 0.60, 0.05];
/// let y_true = [0.0, 0.0, 0.0, 1.0, 0.0];
/// assert!((cross_entropy_sum(&y_true, &y_pred).unwrap() - 0.5108).abs() < 1e-4);
/// ```
// ANCHOR: sum
pub fn cross_entropy_sum<A: Real>(y_true: &[A], y_pred: &[A]) -> Result<A, LossError> {
    Ok(cross_entropy_terms(y_true, y_pred)?.into_iter().sum())
}
// ANCHOR_END: sum

/// The same loss for a one-hot `y_true`, computed the short way: pick the predicted
/// probability of the answer and take its surprisal, `-ln y_pred[target]`.
///
/// ```
/// use listings::one_hot::surprise_at;
/// let y_pred = [0.05_f64, 0.10, 0.20, 0.60, 0.05];
/// assert!((surprise_at(&y_pred, 3).unwrap() - 0.5108).abs() < 1e-4);
/// assert!(surprise_at(&y_pred, 7).is_err());
/// ```
// ANCHOR: pick
pub fn surprise_at<A: Real>(y_pred: &[A], target: usize) -> Result<A, LossError> {
    check_distribution(y_pred)?;
    // get 在下标越界时返回 None，而不是让程序崩溃；ok_or 把 None 换成一个错误
    let p = y_pred.get(target).ok_or(LossError::TargetOutOfBounds {
        target: target as i64,
        classes: y_pred.len(),
    })?;
    // p 是借来的 &A，*p 取出它指向的那个数
    surprise(*p)
}
// ANCHOR_END: pick

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: [f64; 5] = [0.05, 0.10, 0.20, 0.60, 0.05];

    #[test]
    fn sum_and_pick_agree_on_the_book_example() {
        let y_true = one_hot(3, 5).unwrap();
        let sum = cross_entropy_sum(&y_true, &GOOD).unwrap();
        let pick = surprise_at(&GOOD, 3).unwrap();
        assert!((sum - pick).abs() < 1e-15);
        assert!((pick - 0.6_f64.ln().abs()).abs() < 1e-15);
    }

    #[test]
    fn zero_probability_elsewhere_is_not_nan() {
        let y_pred = [0.0_f32, 0.0, 0.0, 1.0, 0.0];
        let y_true = one_hot(3, 5).unwrap();
        assert_eq!(cross_entropy_sum(&y_true, &y_pred).unwrap(), 0.0);
    }

    #[test]
    fn zero_probability_at_the_answer_is_infinite() {
        let y_pred = [0.0_f64, 0.5, 0.5];
        assert_eq!(surprise_at(&y_pred, 0).unwrap(), f64::INFINITY);
    }

    #[test]
    fn mismatched_lengths_are_refused() {
        let err = cross_entropy_sum(&[0.0_f64, 1.0], &GOOD).unwrap_err();
        assert_eq!(
            err.to_string(),
            "y_true has 2 entries but y_pred has 5: both must have one entry per class"
        );
    }

    #[test]
    fn a_prediction_must_be_a_distribution() {
        let err = surprise_at(&[0.5_f64, 0.6], 0).unwrap_err();
        assert!(matches!(err, LossError::NotADistribution { .. }));
        let err = surprise_at(&[1.5_f64, -0.5], 0).unwrap_err();
        assert!(matches!(
            err,
            LossError::ProbabilityOutOfRange { index: 0, .. }
        ));
    }

    #[test]
    fn a_word_outside_the_vocabulary_is_named_in_the_error() {
        let err = id_of(&VOCAB, "香蕉").unwrap_err();
        assert_eq!(
            err.to_string(),
            "“香蕉” is not in the vocabulary; the model can only read and predict the words it has ids for"
        );
    }
}
