//! Chapter 5: what the loss is made of. For a true distribution `p` and a model `q`,
//! `CE(p, q) = H(p) + KL(p ‖ q)`: the surprise no model can avoid (the entropy of the
//! data) plus the surprise that comes from the model being wrong (the KL divergence).

use crate::surprise::{check_same_classes, entropy};
use crate::{LossError, Real};

/// The Kullback–Leibler divergence `KL(p ‖ q) = Σ_i p_i ln(p_i / q_i)`, in nats: how much
/// more surprised, on average, a model `q` is than the truth `p` itself. Zero exactly when
/// `q = p`; `+∞` if `q` gives 0 to something `p` does not.
///
/// ```
/// use listings::information::kl_divergence;
/// assert_eq!(kl_divergence(&[0.9_f64, 0.1], &[0.9, 0.1]).unwrap(), 0.0);
/// let kl = kl_divergence(&[0.9_f64, 0.1], &[0.5, 0.5]).unwrap();
/// assert!((kl - (2.0_f64.ln() - 0.32508)).abs() < 1e-5);
/// ```
// ANCHOR: kl
pub fn kl_divergence<A: Real>(p: &[A], q: &[A]) -> Result<A, LossError> {
    check_same_classes(p, q, ("p", "q"))?;
    Ok(p.iter()
        .zip(q)
        .filter(|&(&pi, _)| pi > A::zero())
        .map(|(&pi, &qi)| pi * (pi / qi).ln())
        .sum())
}
// ANCHOR_END: kl

/// The cross-entropy of `q` against `p`, written as entropy plus divergence.
///
/// ```
/// use listings::information::cross_entropy_decomposed;
/// let (h, kl) = cross_entropy_decomposed(&[0.0_f64, 1.0], &[0.4, 0.6]).unwrap();
/// assert_eq!(h, 0.0); // a one-hot truth has no surprise of its own
/// assert!((kl - 0.5108).abs() < 1e-4); // so all of -ln 0.6 is the model's fault
/// ```
pub fn cross_entropy_decomposed<A: Real>(p: &[A], q: &[A]) -> Result<(A, A), LossError> {
    Ok((entropy(p)?, kl_divergence(p, q)?))
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
