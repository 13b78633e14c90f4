//! Chapter 6, 为什么要融合: the fast path — what `nn.CrossEntropyLoss` computes for `f32`
//! logits with class-index targets, every option included, in the fewest passes over
//! memory. [`CrossEntropyLoss`](crate::CrossEntropyLoss)'s own methods run it whenever it
//! applies; the reference loops of chapter 4 stay as `forward_reference` and
//! `backward_reference`, and the tests hold the two to the same answers.
//!
//! - **Forward**: one streaming read of each row. The row is walked in blocks that fit in
//!   L1; each block's maximum, `Σ exp(x - m)` and `Σ w·(x - m)` are folded into running totals,
//!   rescaling the sum when the maximum grows (the "online softmax"). So each logit comes
//!   from memory once and costs one `exp`.
//! - **Forward and backward, fused**: `Mean`'s denominator depends on the targets alone, so
//!   it is known before any logit is read; each row's statistics and then its gradient
//!   `scale · [(1-ε)·w_t·(p - onehot) + (ε/C)·(p·Σw - w)]` are computed while the row is
//!   still in cache. Over the logits themselves, or into a caller's buffer: one read and
//!   one write of every logit. A fresh gradient asks for huge pages.
//! - Rows run in parallel with rayon; the hot loops are compiled for the best instruction
//!   set the CPU has.
//!
//! One module per idea:
//!
//! | module | idea |
//! |--------|------|
//! | `exp` | [`exp_nonpositive`]: `exp` by range reduction and a polynomial, no libm call, so the compiler can vectorise it |
//! | `lanes` | the online softmax of one row, reduced with 16 independent accumulators |
//! | `gradient` | one row of the gradient in one pass |
//! | `dispatch` | each hot loop compiled for AVX-512, AVX2 + FMA and the baseline, picked at run time |
//! | `rows` | the forward pass and the fused pass over all rows, in parallel |
//! | `pages` | a fresh gradient on transparent huge pages |
//! | `linear` | [`linear_cross_entropy`]: LM head and loss in chunks of rows, never the whole `[N, C]` |

mod dispatch;
mod exp;
mod gradient;
mod lanes;
mod linear;
mod pages;
mod rows;

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};

use crate::cross_entropy_loss::{Checked, row_major};
pub use dispatch::kernels_clone;
pub use exp::{exp_nonpositive, exp_nonpositive_with, polynomial_error};
pub use linear::{LinearGradients, linear_cross_entropy};
pub(crate) use rows::Upstream;
use rows::{Fused, forward_rows, fused_rows, in_row_major, losses};

/// The bytes of a `[N, C]` array of `f32`: what one pass over the logits reads.
///
/// ```
/// assert_eq!(listings::fast::logits_bytes(8192, 50257), 1_646_821_376);
/// ```
pub fn logits_bytes(n: usize, c: usize) -> usize {
    n * c * std::mem::size_of::<f32>()
}

/// Where a fused pass reads the logits `[M, C]` and writes their gradient.
pub(crate) enum Rows<'a, A> {
    /// Over the logits themselves.
    InPlace(ArrayViewMut2<'a, A>),
    /// From `logits` into `grad`, of the same shape.
    Into {
        logits: ArrayView2<'a, A>,
        grad: ArrayViewMut2<'a, A>,
    },
}

/// A forward kernel: each row's loss, in row order (ignored rows 0).
type ForwardKernel<A> = fn(&Checked<'_, A>, ArrayView2<'_, A>, &[Option<usize>]) -> Array1<A>;

/// A fused kernel: each row's loss, with its gradient times the upstream scale written as
/// `Rows` says.
type FusedKernel<A> =
    fn(&Checked<'_, A>, Rows<'_, A>, &[Option<usize>], Upstream<'_, A>) -> Array1<A>;

/// The kernels of one float type: what `CrossEntropyLoss` runs instead of its reference
/// loops when the logits can be read as rows `[M, C]` and the targets are class ids.
/// [`Real::kernels`](crate::Real::kernels) says whether a type has them (`f32` does).
///
/// ```
/// use listings::Real;
/// assert!(<f32 as Real>::kernels().is_some());
/// assert!(<f64 as Real>::kernels().is_none());
/// ```
pub struct Kernels<A: Clone + 'static> {
    pub(crate) forward: ForwardKernel<A>,
    pub(crate) fused: FusedKernel<A>,
    /// A zeroed `[M, C]` array for a fresh gradient (on huge pages where it pays).
    pub(crate) fresh: fn(usize, usize) -> Array2<A>,
}

/// `f32`'s kernels.
pub(crate) const F32: Kernels<f32> = Kernels {
    forward,
    fused,
    fresh: pages::zeroed,
};

fn forward(
    checked: &Checked<f32>,
    logits: ArrayView2<f32>,
    classes: &[Option<usize>],
) -> Array1<f32> {
    losses(&forward_rows(checked, &row_major(logits), classes))
}

fn fused(
    checked: &Checked<f32>,
    rows: Rows<f32>,
    classes: &[Option<usize>],
    upstream: Upstream<f32>,
) -> Array1<f32> {
    let stats = match rows {
        Rows::InPlace(logits) => in_row_major(logits, |flat| {
            fused_rows(checked, Fused::InPlace(flat), classes, upstream)
        }),
        Rows::Into { logits, grad } => {
            let logits = row_major(logits);
            in_row_major(grad, |grad| {
                fused_rows(
                    checked,
                    Fused::Into {
                        logits: &logits,
                        grad,
                    },
                    classes,
                    upstream,
                )
            })
        }
    };
    losses(&stats)
}
