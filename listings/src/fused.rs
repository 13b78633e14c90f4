//! Chapter 3, PyTorch 式的交叉熵：LogSoftmax 与 NLLLoss: `nn.CrossEntropyLoss` over logits
//! `z` of shape `[N, C]` and class ids `[N]`.
//!
//! PyTorch's `F.cross_entropy` is `log_softmax` followed by `nll_loss`. Both halves are
//! here: [`log_softmax`] computes `ln softmax(z_i)` directly, as `z_ij - m - ln Σ_k
//! exp(z_ik - m)` with `m = max_k z_ik` (so no `exp` overflows and no probability
//! underflows before its `ln` is taken), and [`nll_loss`] picks `-log_probs[i, t_i]` and
//! reduces. [`cross_entropy`] does the same arithmetic in one pass per row, `loss_i =
//! ln Σ_k exp(z_ik - m) - (z_i[t_i] - m)`, without keeping the `[N, C]` matrix; it agrees
//! with the two-step version to the last bit. Its gradient with respect to the logits is
//! `softmax(z_i) - onehot(t_i)`, divided by `N` for the mean.
//!
//! Why this file is long: it is chapter 3 in the order the chapter includes it (the naive
//! log-softmax, the stable pieces, LogSoftmax + NLLLoss, the one-pass loss, its gradient,
//! the chapter's batch), each function with a doctest, and the tests that hold the two-step
//! and one-pass versions to the same bits need both beside them.

use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, Axis, array};

use crate::{LossError, Real};

/// How the `N` per-row losses become the one number that `backward()` starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The average over the rows (PyTorch's default): the loss does not grow with `N`.
    #[default]
    Mean,
    /// The total over the rows.
    Sum,
}

impl Reduction {
    /// Reduces per-row losses to one number.
    ///
    /// ```
    /// use listings::fused::Reduction;
    /// use ndarray::array;
    /// let losses = array![0.5_f64, 1.5, 1.0];
    /// assert_eq!(Reduction::Sum.reduce(losses.view()).unwrap(), 3.0);
    /// assert_eq!(Reduction::Mean.reduce(losses.view()).unwrap(), 1.0);
    /// ```
    pub fn reduce<A: Real>(self, losses: ArrayView1<A>) -> Result<A, LossError> {
        match self {
            Reduction::Sum => Ok(losses.sum()),
            Reduction::Mean if losses.is_empty() => Err(LossError::EmptyBatch),
            Reduction::Mean => Ok(losses.sum() / A::from_count(losses.len())),
        }
    }

    /// What `d(reduced)/d(loss_i)` is for each row: `1/N` for the mean, 1 for the sum.
    fn row_weight<A: Real>(self, n: usize) -> A {
        match self {
            Reduction::Sum => A::one(),
            Reduction::Mean => A::one() / A::from_count(n),
        }
    }
}

/// Checks a batch: logits `[N, C]` and `N` class ids, each smaller than `C`.
///
/// An empty batch (`N = 0`) is refused whatever the reduction: chapter 3's functions are
/// the teaching version (chapter 4's `CrossEntropyLoss` follows PyTorch: NaN, 0, empty).
///
/// ```
/// use listings::fused::check_batch;
/// assert!(check_batch((2, 5), &[3, 4]).is_ok());
/// assert_eq!(
///     check_batch((2, 5), &[3]).unwrap_err().to_string(),
///     "Expected input batch_size (2) to match target batch_size (1). \
///      Every row of logits needs exactly one target"
/// );
/// assert!(check_batch((2, 5), &[3, 5]).unwrap_err().to_string().starts_with("Target 5 is out of bounds."));
/// ```
pub fn check_batch(logits_dim: (usize, usize), targets: &[usize]) -> Result<(), LossError> {
    let (n, c) = logits_dim;
    if targets.len() != n {
        return Err(LossError::BatchSizeMismatch {
            input: n,
            target: targets.len(),
        });
    }
    if n == 0 {
        return Err(LossError::EmptyBatch);
    }
    if c == 0 {
        return Err(LossError::NoClasses);
    }
    match targets.iter().find(|&&t| t >= c) {
        Some(&target) => Err(LossError::TargetOutOfBounds {
            target: target as i64,
            classes: c,
        }),
        None => Ok(()),
    }
}

/// Log-softmax the textbook way: `exp`, normalize, `ln`. **Unstable on purpose**: it is
/// the version chapter 3 shows failing. `exp(1000)` overflows to `∞`, `∞/∞` is NaN and
/// `ln 0` is `-∞`. Use [`log_softmax`].
///
/// ```
/// use listings::fused::naive_log_softmax;
/// use ndarray::array;
/// let out = naive_log_softmax(array![[1000.0_f64, 0.0]].view());
/// assert!(out[[0, 0]].is_nan());
/// assert_eq!(out[[0, 1]], f64::NEG_INFINITY);
/// ```
// ANCHOR: naive
pub fn naive_log_softmax<A: Real>(logits: ArrayView2<A>) -> Array2<A> {
    let exp = logits.mapv(A::exp);
    let sums = exp.sum_axis(Axis(1)).insert_axis(Axis(1));
    (exp / &sums).mapv(A::ln)
}
// ANCHOR_END: naive

/// The two parts of a stable log-sum-exp: `m = max_j z_j` and `ln Σ_j exp(z_j - m)`.
///
/// Every `exp` has an argument `≤ 0`, so it cannot overflow, and the largest term is
/// exactly `exp(0) = 1`, so the sum cannot underflow to 0: the second part lies in
/// `[0, ln C]`. Keeping the two apart matters in `f32`: `z_j - m` is exact for logits near
/// each other, while `m + ln Σ` rounds to the spacing of floats near `m` (about 0.001 at
/// `m = 10⁴`).
///
/// ```
/// use listings::fused::max_and_log_sum;
/// use ndarray::array;
/// let (m, s) = max_and_log_sum(array![1000.0_f64, 1000.0].view());
/// assert_eq!(m, 1000.0);
/// assert!((s - 2.0_f64.ln()).abs() < 1e-15);
/// ```
// ANCHOR: max_and_log_sum
pub fn max_and_log_sum<A: Real>(row: ArrayView1<A>) -> (A, A) {
    let m = row.fold(A::neg_infinity(), |m, &z| m.max(z));
    if m == A::neg_infinity() {
        // 每个 z_j 都是 −∞（或者这一行是空的）：指数之和是 0
        return (m, m);
    }
    (m, row.fold(A::zero(), |s, &z| s + (z - m).exp()).ln())
}
// ANCHOR_END: max_and_log_sum

/// `ln Σ_j exp(z_j) = m + ln Σ_j exp(z_j - m)`, computed stably.
///
/// ```
/// use listings::fused::log_sum_exp;
/// use ndarray::array;
/// assert_eq!(log_sum_exp(array![1000.0_f64, 0.0].view()), 1000.0);
/// assert!((log_sum_exp(array![0.0_f64, 0.0].view()) - 2.0_f64.ln()).abs() < 1e-15);
/// ```
// ANCHOR: log_sum_exp
pub fn log_sum_exp<A: Real>(row: ArrayView1<A>) -> A {
    let (m, log_sum) = max_and_log_sum(row);
    m + log_sum
}
// ANCHOR_END: log_sum_exp

/// Row-wise log-softmax of logits `[N, C]`: `z_ij - logsumexp(z_i)`, computed in log
/// space, so a probability too small for floating point still has a finite log.
///
/// ```
/// use listings::fused::log_softmax;
/// use ndarray::array;
/// let out = log_softmax(array![[1000.0_f64, 0.0]].view()).unwrap();
/// assert_eq!(out, array![[0.0, -1000.0]]);
/// ```
// ANCHOR: log_softmax
pub fn log_softmax<A: Real>(logits: ArrayView2<A>) -> Result<Array2<A>, LossError> {
    if logits.ncols() == 0 {
        return Err(LossError::NoClasses);
    }
    let mut out = logits.to_owned();
    for mut row in out.rows_mut() {
        let (m, log_sum) = max_and_log_sum(row.view());
        row.mapv_inplace(|z| (z - m) - log_sum);
    }
    Ok(out)
}
// ANCHOR_END: log_softmax

/// Row-wise softmax of logits `[N, C]`, via [`log_softmax`] so it is stable too.
///
/// ```
/// use listings::fused::softmax;
/// use ndarray::array;
/// let p = softmax(array![[0.0_f64, 0.0, 0.0, 0.0]].view()).unwrap();
/// assert_eq!(p, array![[0.25, 0.25, 0.25, 0.25]]);
/// ```
pub fn softmax<A: Real>(logits: ArrayView2<A>) -> Result<Array2<A>, LossError> {
    Ok(log_softmax(logits)?.mapv(A::exp))
}

/// PyTorch's `NLLLoss`: pick `-log_probs[i, t_i]` in every row, then reduce.
///
/// ```
/// use listings::fused::{nll_loss, Reduction};
/// use ndarray::array;
/// let log_probs = array![[-0.1_f64, -2.0], [-3.0, -0.5]];
/// assert_eq!(nll_loss(log_probs.view(), &[0, 1], Reduction::Sum).unwrap(), 0.6);
/// ```
// ANCHOR: nll_loss
pub fn nll_loss<A: Real>(
    log_probs: ArrayView2<A>,
    targets: &[usize],
    reduction: Reduction,
) -> Result<A, LossError> {
    check_batch(log_probs.dim(), targets)?;
    let picked: Array1<A> = targets
        .iter()
        .enumerate()
        .map(|(i, &t)| -log_probs[[i, t]])
        .collect();
    reduction.reduce(picked.view())
}
// ANCHOR_END: nll_loss

/// The loss of every row, `logsumexp(z_i) - z_i[t_i]`, without reducing (PyTorch's
/// `reduction="none"`). Never builds an `[N, C]` matrix: one pass over each row.
/// Computed as `ln Σ_j exp(z_ij - m) - (z_i[t_i] - m)`, which keeps `f32` exact where
/// `m + ln Σ - z_i[t_i]` would round at the scale of `m`.
///
/// ```
/// use listings::fused::per_row_losses;
/// use ndarray::array;
/// let losses = per_row_losses(array![[0.0_f64, 0.0], [1000.0, 0.0]].view(), &[0, 1]).unwrap();
/// assert!((losses[0] - 2.0_f64.ln()).abs() < 1e-15);
/// assert_eq!(losses[1], 1000.0);
/// ```
// ANCHOR: per_row
pub fn per_row_losses<A: Real>(
    logits: ArrayView2<A>,
    targets: &[usize],
) -> Result<Array1<A>, LossError> {
    check_batch(logits.dim(), targets)?;
    Ok(logits
        .outer_iter()
        .zip(targets)
        .map(|(row, &t)| {
            let (m, log_sum) = max_and_log_sum(row);
            log_sum - (row[t] - m)
        })
        .collect())
}
// ANCHOR_END: per_row

/// `nn.CrossEntropyLoss` for logits `[N, C]` and class ids `[N]`: the arithmetic of
/// `nll_loss(log_softmax(z))`, bit for bit, in one pass per row that keeps no `[N, C]`
/// matrix, then reduced.
///
/// ```
/// use listings::fused::{cross_entropy, Reduction};
/// use ndarray::array;
/// // Logits whose softmax is chapter 2's prediction; the answer is id 3, "苹果".
/// let logits = array![[0.05_f64, 0.10, 0.20, 0.60, 0.05]].mapv(f64::ln);
/// let loss = cross_entropy(logits.view(), &[3], Reduction::Mean).unwrap();
/// assert!((loss - 0.5108).abs() < 1e-4);
/// ```
// ANCHOR: cross_entropy
pub fn cross_entropy<A: Real>(
    logits: ArrayView2<A>,
    targets: &[usize],
    reduction: Reduction,
) -> Result<A, LossError> {
    reduction.reduce(per_row_losses(logits, targets)?.view())
}
// ANCHOR_END: cross_entropy

/// The gradient of [`cross_entropy`] with respect to the logits:
/// `(softmax(z_i) - onehot(t_i))` per row, times `1/N` for the mean.
///
/// ```
/// use listings::fused::{cross_entropy_grad, Reduction};
/// use ndarray::array;
/// let g = cross_entropy_grad(array![[0.0_f64, 0.0]].view(), &[0], Reduction::Mean).unwrap();
/// assert_eq!(g, array![[-0.5, 0.5]]);
/// ```
// ANCHOR: grad
pub fn cross_entropy_grad<A: Real>(
    logits: ArrayView2<A>,
    targets: &[usize],
    reduction: Reduction,
) -> Result<Array2<A>, LossError> {
    check_batch(logits.dim(), targets)?;
    let mut grad = softmax(logits)?;
    for (mut row, &t) in grad.rows_mut().into_iter().zip(targets) {
        row[t] = row[t] - A::one();
    }
    // 归约后的损失对每一行损失的导数：Mean 是 1/N，Sum 是 1
    Ok(grad * reduction.row_weight::<A>(targets.len()))
}
// ANCHOR_END: grad

/// The gradient of any `f` at `x`, estimated by central differences:
/// `(f(x + h·e_k) - f(x - h·e_k)) / 2h` for every entry `k`. Its error shrinks like `h²`,
/// which is why it is the standard check of an analytic gradient.
///
/// ```
/// use listings::fused::central_difference;
/// use ndarray::array;
/// // f(x) = Σ x², whose gradient is 2x.
/// let g = central_difference(|x| Ok(x.mapv(|v| v * v).sum()), array![[1.0_f64, -2.0]].view(), 1e-5).unwrap();
/// assert!((g[[0, 0]] - 2.0).abs() < 1e-8 && (g[[0, 1]] + 4.0).abs() < 1e-8);
/// ```
// ANCHOR: central_difference
pub fn central_difference<A, F>(f: F, x: ArrayView2<A>, h: A) -> Result<Array2<A>, LossError>
where
    A: Real,
    F: Fn(ArrayView2<A>) -> Result<A, LossError>,
{
    let mut x = x.to_owned();
    let mut grad = Array2::zeros(x.dim());
    for (index, g) in grad.indexed_iter_mut() {
        let original = x[index];
        x[index] = original + h;
        let up = f(x.view())?;
        x[index] = original - h;
        let down = f(x.view())?;
        x[index] = original;
        *g = (up - down) / (h + h);
    }
    Ok(grad)
}
// ANCHOR_END: central_difference

/// The logits of chapter 3's worked batch as a model outputs them: `[bsz, seq_len, C] =
/// [2, 3, 5]`, two sentences, "我 爱 吃 苹果" and "我 吃 苹果 eos", three positions each.
/// Row 2 is chapter 2's prediction in disguise (a shifted log). [`batch_logits`] is the
/// same data flattened to `[N, C]`.
///
/// ```
/// let z = listings::fused::batch_logits_3d();
/// assert_eq!(z.dim(), (2, 3, 5));
/// assert_eq!(z.into_shape_with_order((6, 5)).unwrap(), listings::fused::batch_logits());
/// ```
// ANCHOR: batch_logits
pub fn batch_logits_3d() -> Array3<f64> {
    array![
        // 第 1 句“我 爱 吃 苹果”
        [
            // 我 → 爱
            [0.2, 2.1, 0.5, 0.3, -1.0],
            // 爱 → 吃
            [-0.5, 0.1, 2.4, 0.9, -0.7],
            // 吃 → 苹果
            [-1.1, -0.4, 0.3, 1.4, -1.1],
        ],
        // 第 2 句“我 吃 苹果 eos”
        [
            // 我 → 吃
            [0.1, 1.8, 0.4, 0.2, -0.9],
            // 吃 → 苹果
            [-1.0, -0.3, 0.2, 1.6, -0.8],
            // 苹果 → eos
            [-0.6, -0.8, -0.2, -0.1, 1.9],
        ],
    ]
}
// ANCHOR_END: batch_logits

/// The class ids of chapter 3's worked batch, `[bsz, seq_len] = [2, 3]`: the next token
/// at every position. [`BATCH_TARGETS`] is the same data flattened to `[N]`.
// ANCHOR: batch_targets
pub const BATCH_TARGETS_2D: [[usize; 3]; 2] = [
    // 爱、吃、苹果
    [1, 2, 3],
    // 吃、苹果、eos
    [2, 3, 4],
];
// ANCHOR_END: batch_targets

/// The logits of chapter 3's worked batch flattened to `[N, C] = [6, 5]`: row `i` is
/// position `i % 3` of sentence `i / 3` of [`batch_logits_3d`].
pub fn batch_logits() -> Array2<f64> {
    let z = batch_logits_3d();
    let (_, seq_len, classes) = z.dim();
    Array2::from_shape_fn((z.len() / classes, classes), |(i, j)| {
        z[[i / seq_len, i % seq_len, j]]
    })
}

/// The class ids of chapter 3's worked batch flattened to `[N] = [6]`.
pub const BATCH_TARGETS: [usize; 6] = {
    let mut flat = [0; 6];
    let mut i = 0;
    while i < 6 {
        flat[i] = BATCH_TARGETS_2D[i / 3][i % 3];
        i += 1;
    }
    flat
};

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn empty_batch_is_an_error_not_nan() {
        let logits = Array2::<f32>::zeros((0, 5));
        assert_eq!(
            cross_entropy(logits.view(), &[], Reduction::Mean),
            Err(LossError::EmptyBatch)
        );
        // The sum and the per-row losses refuse it too (PyTorch: 0 and an empty tensor).
        assert_eq!(
            cross_entropy(logits.view(), &[], Reduction::Sum),
            Err(LossError::EmptyBatch)
        );
        assert_eq!(
            per_row_losses(logits.view(), &[]),
            Err(LossError::EmptyBatch)
        );
        assert_eq!(
            Reduction::Mean.reduce(Array1::<f64>::zeros(0).view()),
            Err(LossError::EmptyBatch)
        );
    }

    #[test]
    fn no_classes_is_an_error() {
        let logits = Array2::<f64>::zeros((2, 0));
        assert_eq!(log_softmax(logits.view()), Err(LossError::NoClasses));
        assert_eq!(
            cross_entropy(logits.view(), &[0, 0], Reduction::Sum),
            Err(LossError::NoClasses)
        );
    }

    #[test]
    fn every_entry_point_checks_targets() {
        let logits = array![[0.0_f32, 1.0, 2.0]];
        let out = LossError::TargetOutOfBounds {
            target: 3,
            classes: 3,
        };
        assert_eq!(
            nll_loss(logits.view(), &[3], Reduction::Mean),
            Err(out.clone())
        );
        assert_eq!(per_row_losses(logits.view(), &[3]), Err(out.clone()));
        assert_eq!(
            cross_entropy_grad(logits.view(), &[3], Reduction::Mean),
            Err(out)
        );
    }

    #[test]
    fn large_logits_keep_f32_precision() {
        // Logits near 10⁴: f32 spacing there is ~0.001, yet the loss stays exact.
        let logits = array![[10000.0_f32, 10001.0, 9999.5]];
        let near_zero = array![[0.0_f32, 1.0, -0.5]];
        let far = per_row_losses(logits.view(), &[0]).unwrap()[0];
        let near = per_row_losses(near_zero.view(), &[0]).unwrap()[0];
        assert!((far - near).abs() < 1e-6, "{far} vs {near}");
    }

    #[test]
    fn all_minus_infinity_row_has_minus_infinite_lse() {
        let row = array![f64::NEG_INFINITY, f64::NEG_INFINITY];
        assert_eq!(log_sum_exp(row.view()), f64::NEG_INFINITY);
    }

    #[test]
    fn f32_survives_logits_that_overflow_exp() {
        // exp(100) overflows f32 (max ≈ 3.4e38 ≈ exp(88.7)).
        let logits = array![[100.0_f32, 0.0, -100.0]];
        let loss = cross_entropy(logits.view(), &[1], Reduction::Mean).unwrap();
        assert!((loss - 100.0).abs() < 1e-4, "{loss}");
        assert!(naive_log_softmax(logits.view())[[0, 0]].is_nan());
    }

    #[test]
    fn two_steps_and_one_call_agree_to_the_last_bit() {
        let cases = [
            (batch_logits(), BATCH_TARGETS.to_vec()),
            (array![[1000.0, 0.0], [0.0, 1000.0]], vec![1, 1]),
            (array![[1e4, 1e4 + 1.0, 1e4 - 0.5]], vec![2]),
        ];
        for (logits, targets) in cases {
            for reduction in [Reduction::Mean, Reduction::Sum] {
                let log_probs = log_softmax(logits.view()).unwrap();
                let two = nll_loss(log_probs.view(), &targets, reduction).unwrap();
                let one = cross_entropy(logits.view(), &targets, reduction).unwrap();
                assert_eq!(two.to_bits(), one.to_bits(), "{two} vs {one}");
                assert!(one.is_finite());
            }
        }
    }

    #[test]
    fn the_flat_batch_is_the_3d_batch_reshaped() {
        let flat = batch_logits_3d().into_shape_with_order((6, 5)).unwrap();
        assert_eq!(flat, batch_logits());
        assert_eq!(BATCH_TARGETS_2D.as_flattened(), BATCH_TARGETS);
    }

    #[test]
    fn sum_gradient_is_n_times_mean_gradient() {
        let logits = array![[0.3_f64, -1.2, 2.0], [1.0, 0.0, -1.0]];
        let mean = cross_entropy_grad(logits.view(), &[2, 0], Reduction::Mean).unwrap();
        let sum = cross_entropy_grad(logits.view(), &[2, 0], Reduction::Sum).unwrap();
        assert!((sum - mean * 2.0).iter().all(|d| d.abs() < 1e-15));
    }
}
