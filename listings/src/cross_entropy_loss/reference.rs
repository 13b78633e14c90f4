//! The reference path: the loss and its gradient position by position, each formula of
//! the chapter written as it reads. Generic over `f32`/`f64`, every input shape and both
//! kinds of target; chapter 6's fast path is checked against it.

use ndarray::{Array1, Array2, Array3, ArrayD, ArrayView1, ArrayViewD, CowArray, Ix3, IxDyn, s};

use super::{Checked, Target, row_major};
use crate::fused::max_and_log_sum;
use crate::{LossError, Real};

/// Targets laid out to match the `[N, C, S]` view of the input.
enum Flat<'a, A> {
    /// Each position's class (`None` where ignored), position `(i, j)` at `i·S + j`.
    Classes(Vec<Option<usize>>),
    /// `[N, C, S]`.
    Probabilities(CowArray<'a, A, Ix3>),
}

/// Views the input as `[N, C, S]` and the target to match, class ids checked.
fn flatten<'b, A: Real>(
    checked: &Checked<A>,
    input: &'b ArrayViewD<A>,
    target: &'b Target<A>,
) -> Result<(CowArray<'b, A, Ix3>, Flat<'b, A>), LossError> {
    let (n, c, s) = (checked.n(), checked.c(), checked.s());
    let shape_error = |e| LossError::reshape(input.shape(), e);
    let x = input.to_shape((n, c, s)).map_err(shape_error)?;
    // In row-major order, position `(i, j)` is at `i·S + j`.
    let flat = match target {
        Target::Indices(t) => {
            Flat::Classes(checked.classes_of(row_major(t.view()).iter().copied())?)
        }
        Target::ByteIndices(t) => {
            Flat::Classes(checked.classes_of(row_major(t.view()).iter().map(|&b| i64::from(b)))?)
        }
        Target::Probabilities(q) => {
            Flat::Probabilities(q.to_shape((n, c, s)).map_err(shape_error)?)
        }
    };
    Ok((x, flat))
}

/// What `Mean` divides by: `Σ w_t` over the class ids not ignored, or the number of
/// positions for probability targets (0 when `C = 0`: PyTorch's mean over an empty input
/// is NaN, even with positions left).
fn denominator<A: Real>(checked: &Checked<A>, target: &Flat<A>) -> A {
    match target {
        Flat::Classes(classes) => checked.denominator(classes),
        Flat::Probabilities(_) if checked.c() == 0 => A::zero(),
        Flat::Probabilities(_) => A::from_count(checked.n() * checked.s()),
    }
}

/// The smoothed probability target at one position: `(1-ε)·q + ε/C`.
fn smoothed<A: Real>(checked: &Checked<A>, q: ArrayView1<A>) -> Array1<A> {
    let eps = checked.smoothing();
    if eps > A::zero() {
        let c = A::from_count(checked.c());
        q.mapv(|v| v * (A::one() - eps) + eps / c)
    } else {
        q.to_owned()
    }
}

/// The loss, per position or reduced.
pub(super) fn forward<A: Real>(
    checked: &Checked<A>,
    input: &ArrayViewD<A>,
    target: &Target<A>,
) -> Result<ArrayD<A>, LossError> {
    let (x, flat) = flatten(checked, input, target)?;
    let (n, c, s) = (checked.n(), checked.c(), checked.s());
    let eps = checked.smoothing();
    let w = |k: usize| checked.class_weight(k);
    let mut losses = Array2::zeros((n, s));
    for i in 0..n {
        for j in 0..s {
            let row = x.slice(s![i, .., j]);
            let (m, log_sum) = max_and_log_sum(row);
            let neg_logp = |k: usize| log_sum - (row[k] - m);
            losses[[i, j]] = match &flat {
                Flat::Classes(classes) => {
                    let Some(t) = classes[i * s + j] else {
                        continue; // ignored: no loss, no gradient
                    };
                    let nll = w(t) * neg_logp(t);
                    if eps > A::zero() {
                        let smooth: A = (0..c).map(|k| w(k) * neg_logp(k)).sum();
                        (A::one() - eps) * nll + eps / A::from_count(c) * smooth
                    } else {
                        nll
                    }
                }
                Flat::Probabilities(q) => {
                    let q = smoothed(checked, q.slice(s![i, .., j]));
                    (0..c).map(|k| w(k) * q[k] * neg_logp(k)).sum()
                }
            };
        }
    }
    checked.reduce(losses, denominator(checked, &flat))
}

/// Both gradients: with respect to the input, and (for probability targets) the target.
pub(super) fn gradients<A: Real>(
    checked: &Checked<A>,
    input: &ArrayViewD<A>,
    target: &Target<A>,
    grad_output: &ArrayViewD<A>,
) -> Result<(ArrayD<A>, Option<ArrayD<A>>), LossError> {
    checked.check_grad_output(grad_output.shape())?;
    let (x, flat) = flatten(checked, input, target)?;
    let (n, c, s) = (checked.n(), checked.c(), checked.s());
    let denominator = denominator(checked, &flat);
    // Upstream gradient per position: its own entry for `None`, else the one scalar.
    let upstream = grad_output
        .to_shape((n, s))
        .or_else(|_| grad_output.to_shape((1, 1)))
        .map_err(|e| LossError::reshape(grad_output.shape(), e))?;
    let upstream_at = |i: usize, j: usize| {
        let g = if upstream.len() == 1 {
            upstream[[0, 0]]
        } else {
            upstream[[i, j]]
        };
        checked.scale(g, denominator)
    };
    let eps = checked.smoothing();
    let total_weight = checked.total_weight();
    let w = |k: usize| checked.class_weight(k);
    let mut grad = Array3::<A>::zeros((n, c, s));
    let mut grad_target = match flat {
        Flat::Probabilities(_) => Some(Array3::<A>::zeros((n, c, s))),
        Flat::Classes(_) => None,
    };
    for i in 0..n {
        for j in 0..s {
            let g = upstream_at(i, j);
            let row = x.slice(s![i, .., j]);
            let (m, log_sum) = max_and_log_sum(row);
            let p = row.mapv(|v| ((v - m) - log_sum).exp());
            let mut out = grad.slice_mut(s![i, .., j]);
            match &flat {
                Flat::Classes(classes) => {
                    let Some(t) = classes[i * s + j] else {
                        // Ignored: no loss, and PyTorch's log_softmax backward of a zero
                        // upstream, 0 − p·0: 0, or NaN where the softmax is NaN.
                        for k in 0..c {
                            out[k] = A::zero() - p[k] * A::zero();
                        }
                        continue;
                    };
                    if !g.is_finite() {
                        // An upstream of ±∞ or NaN: PyTorch's own order, nll_loss's gradient
                        // `go` then log_softmax's `go − p·Σgo`, so that ∞ − ∞ is NaN where
                        // PyTorch's is.
                        let a = g * (A::one() - eps) * w(t);
                        let b = g * eps / A::from_count(c);
                        let smooth = eps > A::zero();
                        let sum_go = -(a + if smooth { b * total_weight } else { A::zero() });
                        for k in 0..c {
                            let hit = if k == t { a } else { A::zero() };
                            let go = -hit - if smooth { b * w(k) } else { A::zero() };
                            out[k] = go - p[k] * sum_go;
                        }
                        continue;
                    }
                    for k in 0..c {
                        let hit = if k == t { A::one() } else { A::zero() };
                        let mut d = (A::one() - eps) * w(t) * (p[k] - hit);
                        if eps > A::zero() {
                            d = d + eps / A::from_count(c) * (p[k] * total_weight - w(k));
                        }
                        out[k] = g * d;
                    }
                }
                Flat::Probabilities(q) => {
                    let q = smoothed(checked, q.slice(s![i, .., j]));
                    let mass: A = (0..c).map(|k| w(k) * q[k]).sum();
                    for k in 0..c {
                        out[k] = g * (p[k] * mass - w(k) * q[k]);
                    }
                    if let Some(gt) = grad_target.as_mut() {
                        // d/dq_k of Σ w_k·q'_k·(-logp_k), q' = (1-ε)·q + ε/C.
                        for k in 0..c {
                            let neg_logp = log_sum - (row[k] - m);
                            gt[[i, k, j]] = g * (A::one() - eps) * w(k) * neg_logp;
                        }
                    }
                }
            }
        }
    }
    let to_input_shape = |a: Array3<A>| {
        a.into_shape_with_order(IxDyn(input.shape()))
            .map_err(|e| LossError::reshape(&[n, c, s], e))
    };
    Ok((
        to_input_shape(grad)?,
        grad_target.map(to_input_shape).transpose()?,
    ))
}
