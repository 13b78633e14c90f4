//! One row of the gradient, written in one pass: everything the forward pass left behind
//! (the row's maximum and `ln Σ`) turns each logit into its gradient with one `exp`, and
//! the one-hot part is a single subtraction after the loop.

use super::dispatch::dispatch;
use super::exp::exp_nonpositive_with;

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
    /// The reduction's scale: `1 / Σ_i w_{t_i}` for `Mean`, 1 otherwise.
    pub(super) scale: f32,
    /// Label smoothing `ε`, the number of classes `C` and `Σ_k w_k` (`C` without weights).
    pub(super) eps: f32,
    pub(super) c: usize,
    pub(super) sum_w: f32,
}

/// Writes one row of the gradient, `a·(p - onehot) + b·(p·Σw - w_k)` (as
/// `p·(a + b·Σw) - b·w_k`, then `-a` at the target) with
/// `p = exp((z - m) - ln Σ)`, `a = scale·(1-ε)·w_t` and `b = scale·ε/C`. The logits `z`
/// come from `source`, or from `row` itself (overwritten in place) when `source` is `None`.
/// (`z - m` first, as in the forward pass: `m + ln Σ` would round at the scale of `m`.)
// ANCHOR: gradient_row
#[inline(always)]
fn write_gradient_row_with<const FMA: bool>(
    // 另一处的 logits（None 表示就在 row 里）
    source: Option<&[f32]>,
    // &mut [f32]：借来可以改写的一行，梯度就写进这里
    row: &mut [f32],
    weight: Option<&[f32]>,
    g: RowGradient,
) {
    // 目标分布 y = (1 − ε)·独热(t) + ε/C，梯度 = scale·[(Σ_k w_k·y_k)·ŷ_j − w_j·y_j]
    //                                  = a·(ŷ_j − [j = t]) + b·(ŷ_j·Σw − w_j)
    // 独热那一份的系数：scale·(1 − ε)·w_t
    let a = g.scale * (1.0 - g.eps) * g.w_t;
    // 平滑那一份的系数：scale·ε/C（不做标签平滑时 ε = 0，这一份为 0）
    let b = g.scale * g.eps / g.c as f32;
    let (m, log_sum, sum_w) = (g.max, g.log_sum, g.sum_w);
    // a·(ŷ_j − [j = t]) + b·(ŷ_j·Σw − w_j) = ŷ_j·(a + b·Σw) − b·w_j − a·[j = t]：
    // 斜率 a + b·Σw 每行只算一次，循环里每个数在指数之后只剩一次乘加
    let slope = a + b * sum_w;
    // 第 j 个类别：logit z_j、权重 w_j（没有类别权重时为 1）
    let gradient = |z: f32, w_j: f32| {
        // ŷ_j = exp(z_j − m − ln Σ)，前向已经算好 m 和 ln Σ
        let y_pred = exp_nonpositive_with::<FMA>((z - m) - log_sum);
        if FMA {
            y_pred.mul_add(slope, -b * w_j)
        } else {
            y_pred * slope - b * w_j
        }
    };
    // source 为 None 时从 row 自己读 logits，梯度原地写回。
    // 同时看两个 Option：Some(w) 取出里面的值，None 表示没有；四种组合各走一条路。
    // iter_mut() 逐个借出 row 里每个元素的可写引用 d，for_each 对每个执行一次，
    // *d = … 把结果写进 d 指向的那个元素；zip 把两串数一一配对
    match (source, weight) {
        (None, None) => row.iter_mut().for_each(|d| *d = gradient(*d, 1.0)),
        (None, Some(w)) => row
            .iter_mut()
            .zip(w)
            .for_each(|(d, &w_j)| *d = gradient(*d, w_j)),
        (Some(z), None) => row
            .iter_mut()
            .zip(z)
            .for_each(|(d, &z)| *d = gradient(z, 1.0)),
        (Some(z), Some(w)) => row
            .iter_mut()
            .zip(z.iter().zip(w))
            .for_each(|(d, (&z, &w_j))| *d = gradient(z, w_j)),
    }
    // 独热只在目标处为 1：在那里补上 −a（放在循环外，循环里就不必逐个比较 j == t）
    row[g.target] -= a;
}
// ANCHOR_END: gradient_row

dispatch! {
    /// [`write_gradient_row_with`], compiled for the best instruction set this CPU has.
    pub(super) fn write_gradient_row(
        source: Option<&[f32]>,
        row: &mut [f32],
        weight: Option<&[f32]>,
        g: RowGradient,
    ) => write_gradient_row_with
}
