//! One row of the gradient, written in one pass over what the forward pass left in the
//! row: each kept `exp(z - m_k)` becomes its gradient with one multiply and one
//! multiply-add, and the one-hot part is a single subtraction after the loop.

use super::dispatch::dispatch;
use super::lanes::BLOCK;

/// What one row's gradient needs besides its logits.
#[derive(Clone, Copy)]
pub(super) struct RowGradient {
    /// The target class `t`.
    pub(super) target: usize,
    /// Its weight `w_t` (1 without class weights).
    pub(super) w_t: f32,
    /// The row's maximum `m` and `ln Σ exp(z - m)`, from the forward pass.
    pub(super) max: f32,
    pub(super) log_sum: f32,
    /// What the row's gradient is multiplied by: the upstream gradient times the
    /// reduction's scale (`1 / Σ_i w_{t_i}` for `Mean`, 1 otherwise).
    pub(super) scale: f32,
    /// Label smoothing `ε`, the number of classes `C` and `Σ_k w_k` (`C` without weights).
    pub(super) eps: f32,
    pub(super) c: usize,
    pub(super) sum_w: f32,
}

/// Writes one row of the gradient, `a·(p - onehot) + b·(p·Σw - w_k)` (as
/// `p·(a + b·Σw) - b·w_k`, then `-a` at the target) with `p = exp((z - m) - ln Σ)`,
/// `a = scale·(1-ε)·w_t` and `b = scale·ε/C`, over what the forward pass kept in `row`:
/// `exp(z - m_k)` with `m_k` (`maxima[k]`) the running maximum when block `k` was summed.
/// So `p = kept · exp(m_k - m - ln Σ)`: one `exp` per block, not per logit.
// ANCHOR: gradient_row
#[inline(always)]
fn write_gradient_row_with<const FMA: bool>(
    // &mut [f32]：借来可以改写的一行。前向已经把 e^(z_j − m_k) 留在这里，梯度也写在这里
    row: &mut [f32],
    // 每一块求和时的基准 m_k（读到第 k 块为止的最大值，一块一个）
    maxima: &[f32],
    weight: Option<&[f32]>,
    g: RowGradient,
) {
    // 目标分布 y = (1 − ε)·独热(t) + ε/C，梯度 = scale·[(Σ_k w_k·y_k)·ŷ_j − w_j·y_j]
    //                                  = a·(ŷ_j − [j = t]) + b·(ŷ_j·Σw − w_j)
    // 独热那一份的系数：scale·(1 − ε)·w_t
    let a = g.scale * (1.0 - g.eps) * g.w_t;
    // 平滑那一份的系数：scale·ε/C。不做标签平滑时这一份就是 0（写成 0，而不是
    // scale·0：上游梯度是 ∞ 时 ∞·0 会是 NaN）
    let b = if g.eps > 0.0 {
        g.scale * g.eps / g.c as f32
    } else {
        0.0
    };
    // a·(ŷ_j − [j = t]) + b·(ŷ_j·Σw − w_j) = ŷ_j·(a + b·Σw) − b·w_j − a·[j = t]：
    // 斜率 a + b·Σw 每行只算一次
    let slope = a + b * g.sum_w;
    // 一块一块地走（和前向的块一样大），k 是第几块
    debug_assert_eq!(maxima.len(), row.len().div_ceil(BLOCK));
    for (k, (kept, &m_k)) in row.chunks_mut(BLOCK).zip(maxima).enumerate() {
        // ŷ_j = e^(z_j − m − ln Σ) = e^(z_j − m_k) · e^(m_k − m − ln Σ)：前一个因子前向
        // 已经算好、留在 row 里，后一个每块只算一次。每个数只剩一次乘法、一次乘加
        let factor = ((m_k - g.max) - g.log_sum).exp();
        // 第 j 个类别：留下的 e^(z_j − m_k)、权重 w_j（没有类别权重时为 1）
        let gradient = |e: f32, w_j: f32| {
            let y_pred = e * factor;
            if FMA {
                y_pred.mul_add(slope, -b * w_j)
            } else {
                y_pred * slope - b * w_j
            }
        };
        // Some(w)：有权重，取出这一块对应的那一段；None：没有权重，w_j 都是 1。
        // iter_mut() 逐个借出可写引用 d，*d = … 把结果写进 d 指向的元素；zip 一一配对
        match weight {
            None => kept.iter_mut().for_each(|d| *d = gradient(*d, 1.0)),
            Some(w) => kept
                .iter_mut()
                .zip(&w[k * BLOCK..])
                .for_each(|(d, &w_j)| *d = gradient(*d, w_j)),
        }
    }
    // 独热只在目标处为 1：在那里补上 −a（放在循环外，循环里就不必逐个比较 j == t）
    row[g.target] -= a;
}
// ANCHOR_END: gradient_row

dispatch! {
    /// [`write_gradient_row_with`], compiled for the best instruction set this CPU has.
    pub(super) fn write_gradient_row(
        row: &mut [f32],
        maxima: &[f32],
        weight: Option<&[f32]>,
        g: RowGradient,
    ) => write_gradient_row_with
}
