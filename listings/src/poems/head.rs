//! The LM head and its loss, as one function: hidden states `[B, H+1]` and the head's
//! weights `[C, H+1]` in; the mean loss, `dL/dh` and `dL/dW` out. Training uses chapter 6's
//! fused linear cross-entropy ([`fused_head`]); [`reference_head`] does the same the long
//! way, in any precision, so that the model can be checked in `f64`.

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::{CrossEntropyLoss, LossError, Real, Target};

/// The LM head and its loss: hidden states `[B, H+1]`, weights `[C, H+1]`, targets `[B]`
/// → the mean loss, `dL/dh` and `dL/dW`.
pub type Head<A> = fn(
    ArrayView2<A>,
    ArrayView2<A>,
    ArrayView1<i64>,
) -> Result<(A, Array2<A>, Array2<A>), LossError>;

/// Rows per chunk in [`fused_head`]: a `[256, C]` block of logits at a time.
pub const CHUNK: usize = 256;

/// Chapter 6's fused linear cross-entropy as a [`Head`]: the mean loss without ever
/// holding the `[B, C]` logits.
///
/// ```
/// use listings::poems::model::{fused_head, reference_head};
/// use ndarray::array;
/// let h = array![[1.0_f32, 0.5], [0.0, 1.0]];
/// let w = array![[0.5_f32, -0.5], [0.0, 0.0], [-0.5, 0.5]];
/// let t = array![0_i64, 2];
/// let (fused, ..) = fused_head(h.view(), w.view(), t.view()).unwrap();
/// let (reference, ..) = reference_head(h.view(), w.view(), t.view()).unwrap();
/// assert!((fused - reference).abs() < 1e-6);
/// ```
pub fn fused_head(
    hidden: ArrayView2<f32>,
    weight: ArrayView2<f32>,
    targets: ArrayView1<i64>,
) -> Result<(f32, Array2<f32>, Array2<f32>), LossError> {
    let (loss, dh, dw) = crate::fast::linear_cross_entropy(
        &CrossEntropyLoss::new(),
        hidden,
        weight,
        targets,
        CHUNK,
    )?;
    Ok((loss.sum(), dh, dw))
}

/// The head the long way, in any precision: the whole `[B, C]` logits `h·Wᵀ`, chapter 4's
/// loss and its gradient `G`, then `dL/dh = G·W` and `dL/dW = Gᵀ·h`.
pub fn reference_head<A: Real>(
    hidden: ArrayView2<A>,
    weight: ArrayView2<A>,
    targets: ArrayView1<i64>,
) -> Result<(A, Array2<A>, Array2<A>), LossError> {
    if hidden.ncols() != weight.ncols() {
        return Err(LossError::HiddenWidthMismatch {
            n: hidden.nrows(),
            hidden: hidden.ncols(),
            classes: weight.nrows(),
            weight: weight.ncols(),
        });
    }
    let logits = hidden.dot(&weight.t()).into_dyn();
    let (loss, grad) = CrossEntropyLoss::new()
        .forward_backward(logits.view(), Target::Indices(targets.into_dyn()))?;
    let grad = grad
        .into_dimensionality::<ndarray::Ix2>()
        .map_err(|source| LossError::Reshape {
            shape: logits.shape().to_vec(),
            source,
        })?;
    Ok((loss.sum(), grad.dot(&weight), grad.t().dot(&hidden)))
}
