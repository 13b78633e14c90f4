//! Chapter 5: what the loss is made of. For a target (data) distribution `y` and a model's
//! prediction `ŷ`, `H(y, ŷ) = H(y) + KL(y ‖ ŷ)`: the surprise no model can avoid (the
//! entropy of the data) plus the surprise that comes from the model being wrong (the KL
//! divergence, never negative by Gibbs' inequality).

use crate::surprise::{check_same_classes, entropy};
use crate::{LossError, Real};

/// The Kullback–Leibler divergence `KL(y ‖ ŷ) = Σ_i y_i ln(y_i / ŷ_i)`, in nats: how much
/// more surprised, on average over `y`, a model `ŷ` is than `y` itself. Never negative,
/// zero exactly when `ŷ = y`; `+∞` if `ŷ` gives 0 to something `y` does not. Not
/// symmetric: `KL(y ‖ ŷ) ≠ KL(ŷ ‖ y)` in general.
///
/// ```
/// use listings::information::kl_divergence;
/// assert_eq!(kl_divergence(&[0.9_f64, 0.1], &[0.9, 0.1]).unwrap(), 0.0);
/// let kl = kl_divergence(&[0.9_f64, 0.1], &[0.5, 0.5]).unwrap();
/// assert!((kl - (2.0_f64.ln() - 0.32508)).abs() < 1e-5);
/// let back = kl_divergence(&[0.5_f64, 0.5], &[0.9, 0.1]).unwrap();
/// assert!((back - kl).abs() > 0.1);
/// assert_eq!(kl_divergence(&[0.5_f64, 0.5], &[1.0, 0.0]).unwrap(), f64::INFINITY);
/// ```
// ANCHOR: kl
pub fn kl_divergence<A: Real>(y_true: &[A], y_pred: &[A]) -> Result<A, LossError> {
    check_same_classes(y_true, y_pred, ("y_true", "y_pred"))?;
    let mut kl = A::zero();
    for (&y, &y_hat) in y_true.iter().zip(y_pred) {
        // y = 0 的项是 0（极限 0 · ln 0 = 0），跳过
        if y > A::zero() {
            kl = kl + y * (y / y_hat).ln();
        }
    }
    Ok(kl)
}
// ANCHOR_END: kl

/// The cross-entropy of `ŷ` against `y`, written as entropy plus divergence:
/// `(H(y), KL(y ‖ ŷ))`.
///
/// ```
/// use listings::information::cross_entropy_decomposed;
/// let (h, kl) = cross_entropy_decomposed(&[0.0_f64, 1.0], &[0.4, 0.6]).unwrap();
/// assert_eq!(h, 0.0); // a one-hot target has no surprise of its own
/// assert!((kl - 0.5108).abs() < 1e-4); // so all of -ln 0.6 is the model's fault
/// ```
pub fn cross_entropy_decomposed<A: Real>(y_true: &[A], y_pred: &[A]) -> Result<(A, A), LossError> {
    Ok((entropy(y_true)?, kl_divergence(y_true, y_pred)?))
}

/// Perplexity `e^loss`: the number of equally likely choices that would surprise a
/// model as much, on average, as the data does.
///
/// ```
/// use listings::information::perplexity;
/// assert!((perplexity(5.0_f64.ln()) - 5.0).abs() < 1e-12); // uniform over 5 words
/// ```
// ANCHOR: perplexity
pub fn perplexity<A: Real>(loss_nats: A) -> A {
    loss_nats.exp()
}
// ANCHOR_END: perplexity
