//! The two passes over all rows, in parallel with rayon: the forward pass (one
//! [`online_softmax`] per row, keeping what the gradient needs) and the gradient pass (one
//! [`write_gradient_row`] per row).

use ndarray::{Array1, ArrayViewMut2};
use rayon::prelude::*;

use super::gradient::{RowGradient, write_gradient_row};
use super::lanes::online_softmax;
use crate::cross_entropy_loss::{Checked, row_major};

/// Below this many logits (256 KiB) the rows run on the calling thread: handing work to
/// rayon's pool and waiting for it costs tens of microseconds, more than such a problem.
const PARALLEL_FROM: usize = 1 << 16;

/// What the forward pass keeps of a row: its loss, and for the gradient its maximum and
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

/// One row's loss, `w_t·(ln Σ - (z_t - m))`, smoothed as the options say.
fn row_stats(checked: &Checked<f32>, row: &[f32], class: Option<usize>) -> RowStats {
    let Some(t) = class else {
        return RowStats::IGNORED;
    };
    let eps = checked.smoothing();
    let (m, s, wz) = online_softmax(row, checked.weights(), eps > 0.0);
    let log_sum = s.ln();
    // -log p_t = ln Σ - (x_t - m): small numbers stay small (see chapter 3).
    let mut loss = checked.class_weight(t) * (log_sum - (row[t] - m));
    if eps > 0.0 {
        // Σ_k w_k·(-log p_k) = (Σw)·(m + ln Σ) - Σ w·z
        let smooth = checked.total_weight() * (m + log_sum) - wz;
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

/// The gradient pass: writes each row's gradient times `scale` into `flat` (row-major
/// `[N, C]`), reading the logits from `source` or, when it is `None`, from `flat` itself.
pub(super) fn gradient_rows(
    checked: &Checked<f32>,
    source: Option<&[f32]>,
    flat: &mut [f32],
    classes: &[Option<usize>],
    stats: &[RowStats],
    scale: f32,
) {
    let c = checked.c();
    if c == 0 {
        return;
    }
    let write = |(i, row): (usize, &mut [f32]), (st, &class): (&RowStats, &Option<usize>)| {
        let Some(t) = class else {
            row.fill(0.0);
            return;
        };
        let g = RowGradient {
            target: t,
            w_t: checked.class_weight(t),
            max: st.max,
            log_sum: st.log_sum,
            scale,
            eps: checked.smoothing(),
            c,
            sum_w: checked.total_weight(),
        };
        let source = source.map(|z| &z[i * c..(i + 1) * c]);
        write_gradient_row(source, row, checked.weights(), g);
    };
    if flat.len() < PARALLEL_FROM {
        flat.chunks_mut(c)
            .enumerate()
            .zip(stats.iter().zip(classes))
            .for_each(|(row, st)| write(row, st));
    } else {
        flat.par_chunks_mut(c)
            .enumerate()
            .zip(stats.par_iter().zip(classes))
            .for_each(|(row, st)| write(row, st));
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

/// Both passes over `logits`, the gradient (times `scale`) written over them: each row's
/// loss and gradient from two reads and one write.
pub(super) fn forward_backward_rows(
    checked: &Checked<f32>,
    logits: ArrayViewMut2<f32>,
    classes: &[Option<usize>],
    scale: f32,
) -> Vec<RowStats> {
    in_row_major(logits, |flat| {
        let stats = forward_rows(checked, flat, classes);
        gradient_rows(checked, None, flat, classes, &stats, scale);
        stats
    })
}
