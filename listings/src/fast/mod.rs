//! Chapter 6, 为什么要融合: the fast path — `nn.CrossEntropyLoss` for 2-D `f32` logits
//! `[N, C]` with class-index targets, every option included, in the fewest passes over
//! memory.
//!
//! - **Forward**: one streaming read of each row. The row is walked in blocks that fit in
//!   L1; each block's maximum, `Σ exp(x - m)` and `Σ w·x` are folded into running totals,
//!   rescaling the sum when the maximum grows (the "online softmax"). So each logit comes
//!   from memory once and costs one `exp`.
//! - **Gradient**: one more pass that writes `scale · [(1-ε)·w_t·(p - onehot) + (ε/C)·(p·Σw - w)]`,
//!   optionally over the logits themselves (what a training step wants: no second
//!   `[N, C]` buffer, no fresh pages to fault in).
//! - Rows run in parallel with rayon; the two hot loops are compiled for the best
//!   instruction set the CPU has.
//!
//! One module per idea:
//!
//! | module | idea |
//! |--------|------|
//! | `exp` | [`exp_nonpositive`]: `exp` by range reduction and a polynomial, no libm call, so the compiler can vectorise it |
//! | `lanes` | the online softmax of one row, reduced with 16 independent accumulators |
//! | `gradient` | one row of the gradient in one pass |
//! | `dispatch` | each hot loop compiled for AVX-512, AVX2 + FMA and the baseline, picked at run time |
//! | `rows` | the forward and gradient passes over all rows, in parallel |
//! | `linear` | [`linear_cross_entropy`]: LM head and loss in chunks of rows, never the whole `[N, C]` |
//!
//! The methods readers call are the loss's own ([`CrossEntropyLoss::forward_fast`],
//! [`CrossEntropyLoss::forward_backward_fast`], [`CrossEntropyLoss::forward_backward_in_place`]);
//! they check their options exactly as the reference path does (the same checked
//! options, the same denominator, the same reduction), and the tests compare the two.

mod dispatch;
mod exp;
mod gradient;
mod lanes;
mod linear;
mod rows;

use ndarray::{Array2, ArrayD, ArrayView1, ArrayView2, ArrayViewMut2};

use crate::cross_entropy_loss::{Checked, CheckedRows, row_major};
use crate::{CrossEntropyLoss, LossError};
pub use exp::{exp_nonpositive, exp_nonpositive_with};
pub use linear::{LinearGradients, linear_cross_entropy};
use rows::{forward_backward_rows, forward_rows, gradient_rows, in_row_major, losses};

/// The bytes of a `[N, C]` array of `f32`: what one pass over the logits reads.
///
/// ```
/// assert_eq!(listings::fast::logits_bytes(8192, 50257), 1_646_821_376);
/// ```
pub fn logits_bytes(n: usize, c: usize) -> usize {
    n * c * std::mem::size_of::<f32>()
}

/// [`CrossEntropyLoss::forward_fast`]: one read of the logits.
pub(crate) fn forward(
    loss: &CrossEntropyLoss<f32>,
    logits: ArrayView2<f32>,
    targets: ArrayView1<i64>,
) -> Result<ArrayD<f32>, LossError> {
    let CheckedRows {
        checked,
        classes,
        denominator,
        ..
    } = Checked::rows(loss, logits.dim(), targets)?;
    let stats = forward_rows(&checked, &row_major(logits), &classes);
    checked.reduce(losses(&stats), denominator)
}

/// [`CrossEntropyLoss::forward_backward_fast`]: the loss, and the gradient in a new array.
pub(crate) fn forward_backward(
    loss: &CrossEntropyLoss<f32>,
    logits: ArrayView2<f32>,
    targets: ArrayView1<i64>,
) -> Result<(ArrayD<f32>, Array2<f32>), LossError> {
    let CheckedRows {
        checked,
        classes,
        denominator,
        scale,
    } = Checked::rows(loss, logits.dim(), targets)?;
    let source = row_major(logits);
    let stats = forward_rows(&checked, &source, &classes);
    // Read the logits, write the gradient: one pass. (Copying the logits first and
    // then working in place would read and write everything twice.)
    let mut grad = Array2::zeros(logits.dim());
    in_row_major(grad.view_mut(), |flat| {
        gradient_rows(&checked, Some(&source), flat, &classes, &stats, scale)
    });
    Ok((checked.reduce(losses(&stats), denominator)?, grad))
}

/// [`CrossEntropyLoss::forward_backward_in_place`]: the loss, the gradient over the logits.
pub(crate) fn forward_backward_in_place(
    loss: &CrossEntropyLoss<f32>,
    logits: ArrayViewMut2<f32>,
    targets: ArrayView1<i64>,
) -> Result<ArrayD<f32>, LossError> {
    let CheckedRows {
        checked,
        classes,
        denominator,
        scale,
    } = Checked::rows(loss, logits.dim(), targets)?;
    let stats = forward_backward_rows(&checked, logits, &classes, scale);
    checked.reduce(losses(&stats), denominator)
}
