//! Fused linear cross-entropy: "LM head → softmax → loss" without ever holding the
//! `[N, C]` logits, in chunks of rows (the idea of Liger Kernel's FLCE).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayD, ArrayView1, ArrayView2, s};

use super::rows::forward_backward_rows;
use crate::cross_entropy_loss::{Checked, CheckedRows};
use crate::{CrossEntropyLoss, LossError};

/// The loss (as `forward` gives it), `dL/dH` and `dL/dW`.
pub type LinearGradients = (ArrayD<f32>, Array2<f32>, Array2<f32>);

/// Fused linear cross-entropy: "LM head → softmax → loss" without ever holding
/// the `[N, C]` logits. Hidden states `[N, H]`, LM-head weights `[C, H]`, targets `[N]`.
///
/// Rows go in chunks: a chunk's logits `h·Wᵀ` (`[chunk, C]`), its loss, its logit gradient
/// in place, then `dH += G·W` and `dW += Gᵀ·h`. `Mean`'s denominator depends on the
/// targets only, so it is known before the first chunk. Extra memory: one
/// `[chunk, C]` buffer besides the gradients themselves.
///
/// ```
/// use listings::CrossEntropyLoss;
/// use listings::fast::linear_cross_entropy;
/// use ndarray::array;
/// let h = array![[1.0_f32, 0.0], [0.0, 1.0]];
/// let w = array![[0.5_f32, -0.5], [0.0, 0.0], [-0.5, 0.5]]; // C = 3, H = 2
/// let t = array![0_i64, 2];
/// let (loss, dh, dw) = linear_cross_entropy(&CrossEntropyLoss::new(), h.view(), w.view(), t.view(), 1).unwrap();
/// assert!(loss[[]] > 0.0 && dh.dim() == (2, 2) && dw.dim() == (3, 2));
/// ```
pub fn linear_cross_entropy(
    loss: &CrossEntropyLoss<f32>,
    hidden: ArrayView2<f32>,
    weight: ArrayView2<f32>,
    targets: ArrayView1<i64>,
    chunk: usize,
) -> Result<LinearGradients, LossError> {
    let (n, h) = hidden.dim();
    let c = weight.nrows();
    if weight.ncols() != h {
        return Err(LossError::HiddenWidthMismatch {
            n,
            hidden: h,
            classes: c,
            weight: weight.ncols(),
        });
    }
    // The logits would be [N, C]: the loss's checks, once, before any multiplication.
    let CheckedRows {
        checked,
        classes,
        denominator,
        scale,
    } = Checked::rows(loss, (n, c), targets)?;
    if c == 0 || n == 0 {
        // Nothing to multiply; every row (if any) is ignored: the reduction's conventions
        // (NaN mean, 0 sum) on zero losses.
        let out = checked.reduce(Array1::zeros(n), denominator)?;
        return Ok((out, Array2::zeros((n, h)), Array2::zeros((c, h))));
    }
    let chunk = chunk.max(1);
    let mut losses = Vec::with_capacity(n);
    let mut d_hidden = Array2::<f32>::zeros((n, h));
    let mut d_weight = Array2::<f32>::zeros((c, h));
    // ANCHOR: linear_chunks
    for start in (0..n).step_by(chunk) {
        let end = (start + chunk).min(n);
        let rows = hidden.slice(s![start..end, ..]);
        // 这几行的目标类别（循环之前已经检查过；被忽略的行是 None）
        let t = &classes[start..end];
        // [chunk, C]：唯一一块大数组
        let mut logits = rows.dot(&weight.t());
        // 这几行的损失，梯度原地写回这块 logits；scale 在循环之前就算好了（Mean 的分母只看目标）
        let stats = forward_backward_rows(&checked, logits.view_mut(), t, scale);
        losses.extend(stats.iter().map(|s| s.loss));
        // general_mat_mul(α, A, B, β, C) 计算 C = α·A·B + β·C，结果直接写进 C。
        // 此时 logits 里已经是这几行 logits 的梯度 G。
        // dH 的这几行只属于这一块：β = 0，直接写出 G·W
        let mut d_rows = d_hidden.slice_mut(s![start..end, ..]);
        general_mat_mul(1.0, &logits, &weight, 0.0, &mut d_rows);
        // dW 要把每一块的 Gᵀ·h 加起来：β = 1，累加。若写成
        // `d_weight += &logits.t().dot(&rows)`，会先造出一整块 [C, H] 的临时数组
        general_mat_mul(1.0, &logits.t(), &rows, 1.0, &mut d_weight);
    }
    // ANCHOR_END: linear_chunks
    let out = checked.reduce(Array1::from(losses), denominator)?;
    Ok((out, d_hidden, d_weight))
}
