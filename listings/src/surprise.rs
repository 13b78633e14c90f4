//! Chapter 1, 硬币的惊讶度: how surprised we are when an event of probability `p` happens.
//!
//! The surprise (self-information, information content, surprisal; the book's word is
//! 惊讶度) of an outcome is `ln(1/p) = -ln p` nats: 0 for a
//! certain event, growing without bound as `p → 0`. The *expected* surprise of a whole
//! distribution is its entropy `H(p) = -Σ p_i ln p_i`.

use crate::{LossError, Real};

/// Checks that `p` is a probability: a number in `[0, 1]` (NaN is not).
///
/// ```
/// use listings::surprise::check_probability;
/// assert!(check_probability(0.9_f64, 0).is_ok());
/// let err = check_probability(1.5_f64, 2).unwrap_err();
/// assert!(err.to_string().contains("outside [0, 1]"));
/// ```
pub fn check_probability<A: Real>(p: A, index: usize) -> Result<(), LossError> {
    // Written so that NaN fails too: every comparison with NaN is false.
    if p >= A::zero() && p <= A::one() {
        Ok(())
    } else {
        Err(LossError::ProbabilityOutOfRange {
            index,
            value: p.widen(),
        })
    }
}

/// Checks that `dist` is a probability distribution: every entry in `[0, 1]`, sum 1.
///
/// The sum may be off by rounding: we allow `√ε` (about 3e-4 in `f32`, 1.5e-8 in `f64`),
/// or `C·ε` for very many classes, which is what summing `C` rounded numbers can lose.
///
/// ```
/// use listings::surprise::check_distribution;
/// assert!(check_distribution(&[0.05_f64, 0.10, 0.20, 0.60, 0.05]).is_ok());
/// let err = check_distribution(&[0.5_f64, 0.4]).unwrap_err();
/// assert!(err.to_string().contains("sum to 0.9"));
/// ```
pub fn check_distribution<A: Real>(dist: &[A]) -> Result<(), LossError> {
    for (i, &p) in dist.iter().enumerate() {
        check_probability(p, i)?;
    }
    let sum: A = dist.iter().copied().sum();
    let tolerance = A::epsilon()
        .sqrt()
        .max(A::epsilon() * A::from_count(dist.len()));
    if (sum - A::one()).abs() <= tolerance {
        Ok(())
    } else {
        Err(LossError::NotADistribution { sum: sum.widen() })
    }
}

/// Checks that `left` and `right` are two distributions over the same classes: equal
/// lengths (the names say which is which in the message), each a distribution.
///
/// ```
/// use listings::surprise::check_same_classes;
/// assert!(check_same_classes(&[0.0_f64, 1.0], &[0.4, 0.6], ("y_true", "y_pred")).is_ok());
/// let err = check_same_classes(&[1.0_f64], &[0.4, 0.6], ("p", "q")).unwrap_err();
/// assert_eq!(err.to_string(), "p has 1 entries but q has 2: both must have one entry per class");
/// ```
pub fn check_same_classes<A: Real>(
    left: &[A],
    right: &[A],
    (left_name, right_name): (&'static str, &'static str),
) -> Result<(), LossError> {
    if left.len() != right.len() {
        return Err(LossError::LengthMismatch {
            left: left_name,
            left_len: left.len(),
            right: right_name,
            right_len: right.len(),
        });
    }
    check_distribution(left)?;
    check_distribution(right)
}

/// The surprise of an outcome of probability `p`, in nats: `-ln p = ln(1/p)`.
///
/// An impossible outcome (`p = 0`) that happens anyway is infinitely surprising: the
/// result is `+∞`, not an error. A `p` outside `[0, 1]` is an error.
///
/// ```
/// use listings::surprise::surprise;
/// // The 90/10 coin of chapter 1.
/// assert!((surprise(0.9_f64).unwrap() - 0.10536).abs() < 1e-5);
/// assert!((surprise(0.1_f64).unwrap() - 2.30259).abs() < 1e-5);
/// assert_eq!(surprise(1.0_f64).unwrap(), 0.0);
/// assert!(surprise(-0.1_f64).is_err());
/// ```
// ANCHOR: surprise
pub fn surprise<A: Real>(p: A) -> Result<A, LossError> {
    // 不在 [0, 1] 里（包括 NaN）就返回错误，由 ? 交给调用者；
    // 第二个参数 0 是下标（这个数在分布里排第几），只用在错误信息里
    check_probability(p, 0)?;
    // 写成 0 − ln p 而不是 −ln p：p = 1 时得到 0，而不是打印成 -0 的“负零”
    Ok(A::zero() - p.ln())
}
// ANCHOR_END: surprise

/// The expected surprise of a distribution, its entropy, in nats: `H(p) = -Σ p_i ln p_i`.
///
/// An outcome with `p_i = 0` never happens, so it adds nothing: we use the limit
/// `p ln p → 0`, not the floating-point `0 · (-∞) = NaN`.
///
/// ```
/// use listings::surprise::entropy;
/// let h = entropy(&[0.9_f64, 0.1]).unwrap();
/// assert!((h - 0.32508).abs() < 1e-5);
/// // A fair coin is the most uncertain coin: ln 2 nats.
/// assert!((entropy(&[0.5_f64, 0.5]).unwrap() - 2.0_f64.ln()).abs() < 1e-15);
/// assert_eq!(entropy(&[1.0_f64, 0.0]).unwrap(), 0.0);
/// ```
// ANCHOR: entropy
pub fn entropy<A: Real>(dist: &[A]) -> Result<A, LossError> {
    check_distribution(dist)?;
    // 从 0 开始累加 −p ln p
    let mut h = A::zero();
    // dist 里的数是借来的引用，写成 &p 就把数本身取出来
    for &p in dist {
        // 跳过 p = 0 的结果：它从不发生，对平均没有贡献
        if p > A::zero() {
            h = h - p * p.ln();
        }
    }
    Ok(h)
}
// ANCHOR_END: entropy

/// Converts nats (natural log) to bits (log base 2): divide by `ln 2`.
///
/// ```
/// use listings::surprise::nats_to_bits;
/// // A fair coin flip carries exactly one bit.
/// assert!((nats_to_bits(2.0_f64.ln()) - 1.0).abs() < 1e-15);
/// ```
// ANCHOR: nats_to_bits
pub fn nats_to_bits<A: Real>(nats: A) -> A {
    // LN_2 是 f64 常数 ln 2；narrow 把它换成 A 的精度（A 是 f32 时就变成 f32）
    nats / A::narrow(std::f64::consts::LN_2)
}
// ANCHOR_END: nats_to_bits

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surprise_decreases_as_probability_grows() {
        let ps = [0.01_f64, 0.1, 0.5, 0.9, 1.0];
        let s: Vec<f64> = ps.iter().map(|&p| surprise(p).unwrap()).collect();
        assert!(s.windows(2).all(|w| w[0] > w[1]), "{s:?}");
    }

    #[test]
    fn surprise_is_not_inversely_proportional() {
        // 1/p halves when p doubles; ln(1/p) only drops by ln 2.
        let drop = surprise(0.2_f64).unwrap() - surprise(0.4_f64).unwrap();
        assert!((drop - 2.0_f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn impossible_outcome_is_infinitely_surprising() {
        assert_eq!(surprise(0.0_f32).unwrap(), f32::INFINITY);
    }

    #[test]
    fn nan_is_not_a_probability() {
        assert!(matches!(
            surprise(f64::NAN),
            Err(LossError::ProbabilityOutOfRange { .. })
        ));
        assert!(entropy(&[f32::NAN, 1.0]).is_err());
    }

    #[test]
    fn certainty_is_zero_not_negative_zero() {
        // 浮点数里 −ln 1 是 −0.0，会打印成 "-0"；书里的 0 要打印成 "0"
        assert_eq!(format!("{}", surprise(1.0_f64).unwrap()), "0");
        assert_eq!(format!("{}", surprise(1.0_f32).unwrap()), "0");
        assert_eq!(format!("{:.3}", surprise(1.0_f64).unwrap()), "0.000");
        assert_eq!(format!("{}", entropy(&[1.0_f64, 0.0]).unwrap()), "0");
        assert_eq!(format!("{}", entropy(&[0.0_f32, 1.0]).unwrap()), "0");
        assert_eq!(format!("{:.3}", entropy(&[1.0_f64]).unwrap()), "0.000");
    }

    #[test]
    fn entropy_works_in_f32() {
        let h = entropy(&[0.9_f32, 0.1]).unwrap();
        assert!((h - 0.325_083).abs() < 1e-6);
    }
}
