//! The passes over all rows, in parallel with rayon: the forward pass (one
//! [`online_softmax`] per row) and the fused pass, which computes a row's statistics and
//! then writes its gradient while the row is still in cache.

use ndarray::{Array1, ArrayViewMut2};
use rayon::prelude::*;

use super::gradient::{RowGradient, write_gradient_row};
use super::lanes::{BLOCK, online_softmax, online_softmax_keeping};
use crate::cross_entropy_loss::{Checked, row_major};

/// Below this many logits (256 KiB) the rows run on the calling thread: handing work to
/// rayon's pool and waiting for it costs tens of microseconds, more than such a problem.
const PARALLEL_FROM: usize = 1 << 16;

/// What the statistics of a row give: its loss, and for the gradient its maximum and
/// `ln Σ exp(z - max)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RowStats {
    pub(super) max: f32,
    pub(super) log_sum: f32,
    pub(super) loss: f32,
}

impl RowStats {
    /// An ignored row: no loss, no gradient.
    const IGNORED: RowStats = RowStats {
        max: 0.0,
        log_sum: 0.0,
        loss: 0.0,
    };
}

/// The losses of the rows, in row order: what the reduction reduces.
pub(super) fn losses(stats: &[RowStats]) -> Array1<f32> {
    stats.iter().map(|s| s.loss).collect()
}

/// What each row's gradient is multiplied by: the reduction's scale, one number for `Mean`
/// and `Sum`, or one per row (`Reduction::None` with an upstream gradient per row).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Upstream<'a, A> {
    All(A),
    PerRow(&'a [A]),
}

impl<A: Copy> Upstream<'_, A> {
    pub(crate) fn at(self, row: usize) -> A {
        match self {
            Upstream::All(scale) => scale,
            Upstream::PerRow(scales) => scales[row],
        }
    }
}

/// One row's loss, `w_t·(ln Σ - (z_t - m))`, smoothed as the options say.
fn row_stats(checked: &Checked<f32>, row: &[f32], class: Option<usize>) -> RowStats {
    let Some(t) = class else {
        return RowStats::IGNORED;
    };
    let sums = online_softmax(row, checked.weights(), checked.smoothing() > 0.0);
    stats_of(checked, t, row[t], sums)
}

/// The statistics of a row whose target `t` has the logit `z_t`, from its online softmax
/// `(m, Σ exp(z - m), Σ w·(z - m))`.
fn stats_of(checked: &Checked<f32>, t: usize, z_t: f32, (m, s, wz): (f32, f32, f32)) -> RowStats {
    let eps = checked.smoothing();
    let log_sum = s.ln();
    // -log p_t = ln Σ - (x_t - m): small numbers stay small (see chapter 3).
    let mut loss = checked.class_weight(t) * (log_sum - (z_t - m));
    if eps > 0.0 {
        // Σ_k w_k·(-log p_k) = Σ_k w_k·(ln Σ - (z_k - m)) = (Σw)·ln Σ - Σ w·(z - m)
        let smooth = checked.total_weight() * log_sum - wz;
        loss = (1.0 - eps) * loss + eps / checked.c() as f32 * smooth;
    }
    RowStats {
        max: m,
        log_sum,
        loss,
    }
}

/// The forward pass over row-major `[N, C]` logits `flat`, one row per class in `classes`.
pub(super) fn forward_rows(
    checked: &Checked<f32>,
    flat: &[f32],
    classes: &[Option<usize>],
) -> Vec<RowStats> {
    let c = checked.c();
    let row = |(row, &class): (&[f32], &Option<usize>)| row_stats(checked, row, class);
    if c == 0 {
        // No classes: every row was ignored (any other id is out of range).
        vec![RowStats::IGNORED; classes.len()]
    } else if flat.len() < PARALLEL_FROM {
        flat.chunks(c).zip(classes).map(row).collect()
    } else {
        flat.par_chunks(c).zip(classes).map(row).collect()
    }
}

/// Where the fused pass reads the logits and writes the gradient.
pub(super) enum Fused<'a> {
    /// Over the logits themselves: one read and one write of every logit.
    InPlace(&'a mut [f32]),
    /// From `logits` into `grad` (both row-major `[N, C]`): one read of the logits, one
    /// write of the gradient.
    Into {
        logits: &'a [f32],
        grad: &'a mut [f32],
    },
}

/// One row, fused: its statistics from one read of `source` (or of `row` itself when
/// `source` is `None`), each `exp` kept in `row` on the way, then its gradient times
/// `scale` written over them while the row is still in cache (a row of 50257 `f32` is
/// 200 KB; L2 holds it).
// ANCHOR: fused_row
fn fused_row(
    checked: &Checked<f32>,
    // 另一处的 logits（None 表示就在 row 里，梯度原地写回）
    source: Option<&[f32]>,
    row: &mut [f32],
    // 这一行的目标类别；None 表示这一行被忽略
    class: Option<usize>,
    // 归约的比例 s：读任何 logit 之前就已经从目标算好了
    scale: f32,
) -> RowStats {
    let Some(t) = class else {
        // 被忽略的行：没有损失，梯度是 0（和 PyTorch 一样，这一行的 softmax 是 NaN 时是 NaN）
        let nan = softmax_is_nan(source.unwrap_or(row));
        row.fill(if nan { f32::NAN } else { 0.0 });
        return RowStats::IGNORED;
    };
    // 目标的 logit 先记下来：下面 row 里的数会被换成 e^(z − m_k)
    let z_t = source.unwrap_or(row)[t];
    // 第一遍：从内存读这一行（在线 softmax），每个 e^(z_j − m_k) 顺手留在 row 里，
    // 每一块的基准 m_k（读到第 k 块为止的最大值）记在 maxima 里
    let mut maxima = Vec::with_capacity(row.len().div_ceil(BLOCK));
    let weights = checked.weights();
    let sums = online_softmax_keeping(source, row, weights, checked.smoothing() > 0.0, &mut maxima);
    let stats = stats_of(checked, t, z_t, sums);
    // 第二遍紧接着走同一行：它刚刚写过，还在 L2 缓存里，不必再从内存读，也不必再算指数
    let g = RowGradient {
        target: t,
        w_t: checked.class_weight(t),
        max: stats.max,
        log_sum: stats.log_sum,
        scale,
        eps: checked.smoothing(),
        c: checked.c(),
        sum_w: checked.total_weight(),
    };
    write_gradient(row, &maxima, weights, g);
    stats
}
// ANCHOR_END: fused_row

/// Whether the softmax of logits `z` is NaN (a NaN or `+∞` logit, or every logit `−∞`):
/// then PyTorch's gradient of an ignored row, `log_softmax`'s backward of a zero upstream
/// `0 − p·0`, is NaN, and 0 otherwise.
fn softmax_is_nan(z: &[f32]) -> bool {
    z.iter().any(|&v| v.is_nan() || v == f32::INFINITY) || z.iter().all(|&v| v == f32::NEG_INFINITY)
}

/// [`write_gradient_row`]; for an upstream scale that is not finite (∞ or NaN), PyTorch's
/// own order instead: `log_softmax`'s backward `go − p·Σgo` of `nll_loss`'s `go`, so that
/// ∞ − ∞ gives NaN exactly where PyTorch's does (at the target; everywhere with label
/// smoothing), and ±∞ elsewhere.
fn write_gradient(row: &mut [f32], maxima: &[f32], weights: Option<&[f32]>, g: RowGradient) {
    if g.scale.is_finite() {
        return write_gradient_row(row, maxima, weights, g);
    }
    // p itself first: the gradient of a plain row at scale 1 is p − onehot.
    let plain = RowGradient {
        scale: 1.0,
        eps: 0.0,
        w_t: 1.0,
        ..g
    };
    write_gradient_row(row, maxima, weights, plain);
    row[g.target] += 1.0;
    let a = g.scale * (1.0 - g.eps) * g.w_t;
    let smooth = g.eps > 0.0;
    let b = g.scale * g.eps / g.c as f32;
    let sum_go = -(a + if smooth { b * g.sum_w } else { 0.0 });
    for (j, d) in row.iter_mut().enumerate() {
        let w_j = weights.map_or(1.0, |w| w[j]);
        let hit = if j == g.target { a } else { 0.0 };
        let go = -hit - if smooth { b * w_j } else { 0.0 };
        *d = go - *d * sum_go;
    }
}

/// The fused pass over all rows: each row's statistics and gradient (times `upstream`'s
/// scale for that row) in one visit.
pub(super) fn fused_rows(
    checked: &Checked<f32>,
    pass: Fused,
    classes: &[Option<usize>],
    upstream: Upstream<f32>,
) -> Vec<RowStats> {
    let c = checked.c();
    if c == 0 {
        return vec![RowStats::IGNORED; classes.len()];
    }
    let one = |(i, (row, &class)): (usize, (&mut [f32], &Option<usize>)),
               source: Option<&[f32]>| {
        fused_row(checked, source, row, class, upstream.at(i))
    };
    match pass {
        Fused::InPlace(flat) if flat.len() < PARALLEL_FROM => flat
            .chunks_mut(c)
            .zip(classes)
            .enumerate()
            .map(|row| one(row, None))
            .collect(),
        Fused::InPlace(flat) => flat
            .par_chunks_mut(c)
            .zip(classes)
            .enumerate()
            .map(|row| one(row, None))
            .collect(),
        Fused::Into { logits, grad } if grad.len() < PARALLEL_FROM => grad
            .chunks_mut(c)
            .zip(classes)
            .enumerate()
            .zip(logits.chunks(c))
            .map(|(row, z)| one(row, Some(z)))
            .collect(),
        Fused::Into { logits, grad } => grad
            .par_chunks_mut(c)
            .zip(classes)
            .enumerate()
            .zip(logits.par_chunks(c))
            .map(|(row, z)| one(row, Some(z)))
            .collect(),
    }
}

/// Runs `f` on `a`'s elements as one row-major slice: `a`'s own memory when it lies so,
/// else a row-major copy that is copied back afterwards (a transposed or column-major
/// array).
pub(super) fn in_row_major<R>(mut a: ArrayViewMut2<f32>, f: impl FnOnce(&mut [f32]) -> R) -> R {
    if let Some(flat) = a.as_slice_mut() {
        return f(flat);
    }
    let mut copy = row_major(a.view()).into_owned();
    let result = f(&mut copy);
    a.iter_mut().zip(copy).for_each(|(x, y)| *x = y);
    result
}

/// The fused pass over `logits`, the gradient (times `scale`) written over them: one read
/// and one write of each logit.
pub(super) fn forward_backward_rows(
    checked: &Checked<f32>,
    logits: ArrayViewMut2<f32>,
    classes: &[Option<usize>],
    scale: f32,
) -> Vec<RowStats> {
    in_row_major(logits, |flat| {
        fused_rows(checked, Fused::InPlace(flat), classes, Upstream::All(scale))
    })
}
