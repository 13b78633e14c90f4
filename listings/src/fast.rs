//! The fast path: `nn.CrossEntropyLoss` for 2-D `f32` logits
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
//! - `exp` is [`exp_nonpositive`]: range reduction and a polynomial, no libm call, so the
//!   compiler can vectorise it. Its arguments here are always `x - m ≤ 0`.
//! - Rows run in parallel with rayon.
//! - The two hot loops ([`online_softmax`] and [`write_gradient_row`]) are compiled twice
//!   more, for AVX2 + FMA and for AVX-512, and the best one the CPU has is picked at run
//!   time (the `multiversion` crate): a default build targets the 2003 baseline (SSE2,
//!   4 lanes), which would leave half or three quarters of each vector unit idle.
//!
//! Semantics are `CrossEntropyLoss`'s (PyTorch's); the tests compare the two.

use multiversion::multiversion;
use multiversion::target::target_cfg_f;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayD, ArrayView1, ArrayView2, ArrayViewMut2, IxDyn, s};
use rayon::prelude::*;

use crate::LossError;
use crate::cross_entropy_loss::{CrossEntropyLoss, Reduction, Target};

/// The bytes of a `[N, C]` array of `f32`: what one pass over the logits reads.
///
/// ```
/// assert_eq!(listings::fast::logits_bytes(8192, 50257), 1_646_821_376);
/// ```
pub fn logits_bytes(n: usize, c: usize) -> usize {
    n * c * std::mem::size_of::<f32>()
}

/// `exp(x)` for `x ≤ 0` in `f32`, without a libm call.
///
/// `x = n·ln 2 + r` with `|r| ≤ ln 2 / 2`, `exp(r)` by its Taylor polynomial of degree 7
/// (truncation error below 6e-9), `2^n` written straight into the exponent bits. Arguments
/// below -87 give `exp(-87) ≈ 1.6e-38` instead of a subnormal or 0; NaN gives NaN. The
/// relative error against an `f64` reference is below 1.2e-7 over `[-87, 0]` (measured
/// 9.9e-8 on 2,000,001 points; tested, and so is the fused multiply-add form
/// [`exp_nonpositive_with::<true>`](exp_nonpositive_with) the hot loops use where the CPU
/// has FMA).
///
/// ```
/// use listings::fast::exp_nonpositive;
/// assert!((exp_nonpositive(-1.0) - (-1.0_f32).exp()).abs() < 1e-7);
/// assert_eq!(exp_nonpositive(0.0), 1.0);
/// ```
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    exp_nonpositive_with::<false>(x)
}

/// [`exp_nonpositive`], each `a·b + c` computed as one fused multiply-add when `FMA` is
/// true (one rounding instead of two, and half the instructions). Call it with `true` only
/// from code compiled for a CPU with FMA: elsewhere `mul_add` is a slow library call.
///
/// ```
/// use listings::fast::exp_nonpositive_with;
/// let e = exp_nonpositive_with::<true>(-2.0);
/// assert!((e - (-2.0_f32).exp()).abs() < 2e-8);
/// ```
// ANCHOR: exp
// 和上面一样：展开在调用处；FMA 是编译期的开关
#[inline(always)]
pub fn exp_nonpositive_with<const FMA: bool>(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 拆成高低两段：高段的尾数够短，n·LN2_HI 没有舍入误差
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // 1.5·2^23 = 2^23 + 2^22。x·log2 e + ROUND 落在 [2^23, 2^24) 里，那里相邻两个 f32
    // 正好差 1，所以这次加法把 x·log2 e 舍入到最近的整数 n；多出的 2^22 让 n 为负时
    // 和仍留在这一段里
    const ROUND: f32 = 12_582_912.0;
    // a.mul_add(b, c) 是 a·b + c 只舍入一次（FMA，乘加融合）
    let madd = |a: f32, b: f32, c: f32| if FMA { a.mul_add(b, c) } else { a * b + c };
    // 小于 −87 的一律按 −87 算，得到 e^−87 ≈ 1.6e−38（而不是更小的真值）；
    // 比较对 NaN 为假，所以 NaN 原样保留
    let x = if x < -87.0 { -87.0 } else { x };
    // k 的尾数低位里就是整数 n = round(x·log2 e)
    let k = madd(x, LOG2E, ROUND);
    let n = k - ROUND;
    // r = x − n·ln 2，|r| ≤ ln 2 / 2
    let r = madd(-n, LN2_LO, madd(-n, LN2_HI, x));
    // e^r 的 7 次泰勒多项式 1 + r + r²/2! + … + r⁷/7!，系数从最高次排起
    let mut p = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        // 秦九韶（Horner）法：p·r + c，从最高次往下，每一步一次乘加
        p = madd(p, r, c);
    }
    // 2^n：把带偏移的指数 n + 127（x ≥ -87，所以它 ≥ 1）移到指数位上。
    // to_bits / from_bits：把 f32 的 32 位原样当成整数读出、写回；
    // wrapping_sub / wrapping_add：整数减、加（溢出时回绕，不报错）；<< 23：左移 23 位，
    // 越过尾数的 23 位，落到指数位上。k 的位模式减去 ROUND 的位模式，正好是 n。
    // 从 k 的位模式里取，而不用 `n as i32`：Rust 饱和式的浮点转整数没有对应的向量指令，
    // 整个循环会退回一次一个数。
    let scale = f32::from_bits((k.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127)) << 23);
    p * scale
}
// ANCHOR_END: exp

/// Per-row statistics of the forward pass.
#[derive(Clone, Copy)]
struct RowStats {
    max: f32,
    log_sum: f32,
    loss: f32,
    /// This row's share of `Mean`'s denominator (its target's weight, 0 if ignored).
    weight: f32,
}

/// Elements per block: 1024 `f32` = 4 KiB, well inside L1.
const BLOCK: usize = 1024;

/// Below this many logits (256 KiB) the rows run on the calling thread: handing work to
/// rayon's pool and waiting for it costs tens of microseconds, more than such a problem.
const PARALLEL_FROM: usize = 1 << 16;

/// Lanes of the partial sums. Floating-point addition is not associative, so the compiler
/// will not split one running sum into vector lanes by itself; with 16 independent
/// accumulators it can, and the adds no longer wait on each other.
const LANES: usize = 16;

/// The largest element (NaN is skipped here; it reaches the sum through `exp(NaN) = NaN`).
#[inline(always)]
fn block_max(block: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let chunks = block.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a = if x > *a { x } else { *a };
        }
    }
    tail.iter()
        .chain(&acc)
        .fold(f32::NEG_INFINITY, |a, &x| if x > a { x } else { a })
}

/// `Σ f(x)` over a block with [`LANES`] accumulators.
#[inline(always)]
fn lane_sum(block: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let chunks = block.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|&x| f(x)).sum();
    for chunk in chunks {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a += f(x);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `Σ w·x` over a block with [`LANES`] accumulators.
#[inline(always)]
fn lane_dot(block: &[f32], w: &[f32]) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let chunks = block.chunks_exact(LANES).zip(w.chunks_exact(LANES));
    let done = block.len() / LANES * LANES;
    for (chunk, wc) in chunks {
        for ((a, &x), &w) in acc.iter_mut().zip(chunk).zip(wc) {
            *a += w * x;
        }
    }
    let tail: f32 = block[done..]
        .iter()
        .zip(&w[done..])
        .map(|(&x, &w)| w * x)
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// Max, `Σ exp(z - max)` and `Σ w·z` of one row in one streaming read (`Σ w·z` only when
/// `need_wz`: label smoothing's loss needs it, nothing else does).
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn online_softmax(row: &[f32], weight: Option<&[f32]>, need_wz: bool) -> (f32, f32, f32) {
    if target_cfg_f!(target_feature = "fma") {
        online_softmax_with::<true>(row, weight, need_wz)
    } else {
        online_softmax_with::<false>(row, weight, need_wz)
    }
}

// ANCHOR: online_softmax
// #[inline(always)]：请编译器把函数体直接展开在调用处，热循环里就没有函数调用
#[inline(always)]
// <const FMA: bool>：编译期的开关。调用时写 `::<true>` 或 `::<false>`，编译器各编译一份
fn online_softmax_with<const FMA: bool>(
    // &[f32]：借来只读的一行 f32（切片），不复制
    row: &[f32],
    // 类别权重：Some(w) 时有，None 时没有
    weight: Option<&[f32]>,
    need_wz: bool,
) -> (f32, f32, f32) {
    // m：至今的最大值；s：Σ exp(z_k − m)；wz：Σ w_k·z_k（只有标签平滑的损失要用）
    let (mut m, mut s, mut wz) = (f32::NEG_INFINITY, 0.0_f32, 0.0_f32);
    // 一次取 BLOCK = 1024 个数（最后一块可能短一些），b 是第几块
    for (b, block) in row.chunks(BLOCK).enumerate() {
        let block_max = block_max(block);
        if block_max > m {
            // 最大值变大了：已经加起来的和换算到新的基准上
            s *= exp_nonpositive_with::<FMA>(m - block_max);
            m = block_max;
        }
        if m > f32::NEG_INFINITY {
            s += lane_sum(block, |z| exp_nonpositive_with::<FMA>(z - m));
        } else if block.iter().any(|z| z.is_nan()) {
            // 其余的数都是 −∞：NaN 也必须传到结果里
            s = f32::NAN;
        }
        if need_wz {
            // Some(w)：有权重，取出 w，算 Σ w_k·z_k（w 取这一块对应的那一段）；
            // None：没有权重，算 Σ z_k
            wz += match weight {
                Some(w) => lane_dot(block, &w[b * BLOCK..b * BLOCK + block.len()]),
                None => lane_sum(block, |z| z),
            };
        }
    }
    (m, s, wz)
}
// ANCHOR_END: online_softmax

/// What one row's gradient needs besides its logits.
#[derive(Clone, Copy)]
struct RowGradient {
    /// The target class `t`.
    target: usize,
    /// Its weight `w_t` (1 without class weights).
    w_t: f32,
    /// The row's maximum `m` and `ln Σ exp(z - m)`, from the forward pass.
    max: f32,
    log_sum: f32,
    /// The reduction's scale: `1 / Σ_i w_{t_i}` for `Mean`, 1 otherwise.
    scale: f32,
    /// Label smoothing `ε`, the number of classes `C` and `Σ_k w_k` (`C` without weights).
    eps: f32,
    c: usize,
    sum_w: f32,
}

/// Writes one row of the gradient, `a·(p - onehot) + b·(p·Σw - w_k)` with
/// `p = exp((z - m) - ln Σ)`, `a = scale·(1-ε)·w_t` and `b = scale·ε/C`. The logits `z`
/// come from `source`, or from `row` itself (overwritten in place) when `source` is `None`.
/// (`z - m` first, as in the forward pass: `m + ln Σ` would round at the scale of `m`.)
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn write_gradient_row(
    source: Option<&[f32]>,
    row: &mut [f32],
    weight: Option<&[f32]>,
    g: RowGradient,
) {
    if target_cfg_f!(target_feature = "fma") {
        write_gradient_row_with::<true>(source, row, weight, g)
    } else {
        write_gradient_row_with::<false>(source, row, weight, g)
    }
}

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
    // 第 j 个类别：logit z_j、权重 w_j（没有类别权重时为 1）
    let gradient = |z: f32, w_j: f32| {
        // ŷ_j = exp(z_j − m − ln Σ)，前向已经算好 m 和 ln Σ
        let y_pred = exp_nonpositive_with::<FMA>((z - m) - log_sum);
        a * y_pred + b * (y_pred * sum_w - w_j)
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

/// The options of a `CrossEntropyLoss<f32>`, checked against this batch.
struct Plan<'a> {
    c: usize,
    weight: Option<&'a [f32]>,
    total_weight: f32,
}

impl CrossEntropyLoss<f32> {
    fn plan<'a>(
        &'a self,
        logits: &ArrayView2<f32>,
        targets: &ArrayView1<i64>,
    ) -> Result<Plan<'a>, LossError> {
        // The same checks, in the same order, as the reference path.
        let input = logits.view().into_dyn();
        let target = targets.view().into_dyn();
        let layout = self.layout(&input, &Target::Indices(target))?;
        let weight = match &self.weight {
            Some(w) => Some(w.as_slice().ok_or(LossError::Reshape {
                shape: w.shape().to_vec(),
                reason: "weight is not contiguous".into(),
            })?),
            None => None,
        };
        let total_weight = self.total_weight(layout.c);
        Ok(Plan {
            c: layout.c,
            weight,
            total_weight,
        })
    }

    fn row_stats(&self, plan: &Plan, row: &[f32], t: i64) -> Result<RowStats, LossError> {
        let eps = self.smoothing();
        let Some(t) = self.class_of(t, plan.c)? else {
            return Ok(RowStats {
                max: 0.0,
                log_sum: 0.0,
                loss: 0.0,
                weight: 0.0,
            });
        };
        let (m, s, wz) = online_softmax(row, plan.weight, eps > 0.0);
        let log_sum = s.ln();
        let w_t = plan.weight.map_or(1.0, |w| w[t]);
        // -log p_t = ln Σ - (x_t - m): small numbers stay small (see chapter 3).
        let mut loss = w_t * (log_sum - (row[t] - m));
        if eps > 0.0 {
            // Σ_k w_k·(-log p_k) = (Σw)·(m + ln Σ) - Σ w·z
            let smooth = plan.total_weight * (m + log_sum) - wz;
            loss = (1.0 - eps) * loss + eps / plan.c as f32 * smooth;
        }
        Ok(RowStats {
            max: m,
            log_sum,
            loss,
            weight: w_t,
        })
    }

    /// Forward pass over all rows, in parallel: per-row statistics and the output.
    fn forward_rows(
        &self,
        plan: &Plan,
        logits: &ArrayView2<f32>,
        targets: &ArrayView1<i64>,
    ) -> Result<(Vec<RowStats>, ArrayD<f32>, f32), LossError> {
        let logits = logits.as_standard_layout();
        let flat = logits.as_slice().ok_or_else(|| LossError::Reshape {
            shape: logits.shape().to_vec(),
            reason: "a row-major view is not contiguous".into(),
        })?;
        let targets: Vec<i64> = targets.to_vec();
        let stats: Vec<RowStats> = if plan.c == 0 {
            targets
                .iter()
                .map(|&t| self.row_stats(plan, &[], t))
                .collect::<Result<_, _>>()?
        } else if flat.len() < PARALLEL_FROM {
            flat.chunks(plan.c)
                .zip(&targets)
                .map(|(row, &t)| self.row_stats(plan, row, t))
                .collect::<Result<_, _>>()?
        } else {
            flat.par_chunks(plan.c)
                .zip(targets.par_iter())
                .map(|(row, &t)| self.row_stats(plan, row, t))
                .collect::<Result<_, _>>()?
        };
        let denominator: f32 = stats.iter().map(|s| s.weight).sum();
        let losses = Array1::from_iter(stats.iter().map(|s| s.loss));
        let out = match self.reduction {
            Reduction::None => losses.into_dyn(),
            Reduction::Sum => ArrayD::from_elem(IxDyn(&[]), losses.sum()),
            Reduction::Mean => ArrayD::from_elem(IxDyn(&[]), losses.sum() / denominator),
        };
        Ok((stats, out, denominator))
    }

    /// The loss (as [`CrossEntropyLoss::forward`]) for `[N, C]` logits, on the fast path.
    ///
    /// ```
    /// use listings::CrossEntropyLoss;
    /// use ndarray::array;
    /// let x = array![[2.0_f32, 0.5, -1.0], [0.0, 0.0, 3.0]];
    /// let t = array![0_i64, -100];
    /// let loss = CrossEntropyLoss::<f32>::new().forward_fast(x.view(), t.view()).unwrap();
    /// assert!((loss[[]] - 0.24131).abs() < 1e-5);
    /// ```
    pub fn forward_fast(
        &self,
        logits: ArrayView2<f32>,
        targets: ArrayView1<i64>,
    ) -> Result<ArrayD<f32>, LossError> {
        let plan = self.plan(&logits, &targets)?;
        Ok(self.forward_rows(&plan, &logits, &targets)?.1)
    }

    /// Loss and gradient together (gradient of the output's sum, as `backward` with
    /// `grad_output` all ones), the gradient written over `logits`: two passes over
    /// memory, no `[N, C]` buffer allocated.
    ///
    /// ```
    /// use listings::CrossEntropyLoss;
    /// use ndarray::array;
    /// let mut x = array![[0.0_f32, 0.0]];
    /// let t = array![0_i64];
    /// let loss = CrossEntropyLoss::<f32>::new().forward_backward_in_place(x.view_mut(), t.view()).unwrap();
    /// assert!((loss[[]] - 2.0_f32.ln()).abs() < 1e-6);
    /// assert_eq!(x, array![[-0.5, 0.5]]);
    /// ```
    pub fn forward_backward_in_place(
        &self,
        logits: ArrayViewMut2<f32>,
        targets: ArrayView1<i64>,
    ) -> Result<ArrayD<f32>, LossError> {
        let plan = self.plan(&logits.view(), &targets)?;
        let (stats, out, denominator) = self.forward_rows(&plan, &logits.view(), &targets)?;
        let scale = match self.reduction {
            Reduction::Mean => 1.0 / denominator,
            _ => 1.0,
        };
        self.gradient_rows(&plan, None, logits, targets, &stats, scale)?;
        Ok(out)
    }

    /// The gradient pass: writes each row's gradient times `scale` into `logits`, reading
    /// the logits from `source` (row-major `[N, C]`) or, when it is `None`, from `logits`
    /// itself.
    fn gradient_rows(
        &self,
        plan: &Plan,
        source: Option<&[f32]>,
        mut logits: ArrayViewMut2<f32>,
        targets: ArrayView1<i64>,
        stats: &[RowStats],
        scale_all: f32,
    ) -> Result<(), LossError> {
        let eps = self.smoothing();
        let c = plan.c;
        let targets: Vec<i64> = targets.to_vec();
        let write =
            |(i, row): (usize, &mut [f32]), (st, &t): (&RowStats, &i64)| -> Result<(), LossError> {
                let Some(t) = self.class_of(t, c)? else {
                    row.iter_mut().for_each(|g| *g = 0.0);
                    return Ok(());
                };
                let g = RowGradient {
                    target: t,
                    w_t: st.weight,
                    max: st.max,
                    log_sum: st.log_sum,
                    scale: scale_all,
                    eps,
                    c,
                    sum_w: plan.total_weight,
                };
                let source = source.map(|z| &z[i * c..(i + 1) * c]);
                write_gradient_row(source, row, plan.weight, g);
                Ok(())
            };
        let all_rows = |flat: &mut [f32]| -> Result<(), LossError> {
            if flat.len() < PARALLEL_FROM {
                flat.chunks_mut(c)
                    .enumerate()
                    .zip(stats.iter().zip(&targets))
                    .try_for_each(|(row, st)| write(row, st))
            } else {
                flat.par_chunks_mut(c)
                    .enumerate()
                    .zip(stats.par_iter().zip(targets.par_iter()))
                    .try_for_each(|(row, st)| write(row, st))
            }
        };
        match logits.as_slice_mut() {
            Some(flat) if c > 0 => all_rows(flat)?,
            _ if c == 0 => {}
            _ => {
                // Not row-major (a transposed or column-major array): compute on a row-major
                // copy, then copy back. `to_owned` would keep column-major order.
                let mut copy = logits.as_standard_layout().into_owned();
                let flat = copy.as_slice_mut().ok_or_else(|| LossError::Reshape {
                    shape: vec![stats.len(), c],
                    reason: "a row-major copy is not contiguous".into(),
                })?;
                all_rows(flat)?;
                logits.assign(&copy);
            }
        }
        Ok(())
    }

    /// Loss and gradient together, leaving the logits as they are.
    ///
    /// ```
    /// use listings::CrossEntropyLoss;
    /// use ndarray::array;
    /// let x = array![[0.0_f32, 0.0]];
    /// let (loss, grad) = CrossEntropyLoss::<f32>::new().forward_backward_fast(x.view(), array![1_i64].view()).unwrap();
    /// assert_eq!(grad, array![[0.5, -0.5]]);
    /// assert!(loss[[]] > 0.69);
    /// ```
    pub fn forward_backward_fast(
        &self,
        logits: ArrayView2<f32>,
        targets: ArrayView1<i64>,
    ) -> Result<(ArrayD<f32>, Array2<f32>), LossError> {
        let plan = self.plan(&logits, &targets)?;
        let (stats, out, denominator) = self.forward_rows(&plan, &logits, &targets)?;
        let scale = match self.reduction {
            Reduction::Mean => 1.0 / denominator,
            _ => 1.0,
        };
        // Read the logits, write the gradient: one pass. (Copying the logits first and
        // then working in place would read and write everything twice.)
        let logits = logits.as_standard_layout();
        let source = logits.as_slice().ok_or_else(|| LossError::Reshape {
            shape: logits.shape().to_vec(),
            reason: "a row-major view is not contiguous".into(),
        })?;
        let mut grad = Array2::zeros(logits.dim());
        self.gradient_rows(&plan, Some(source), grad.view_mut(), targets, &stats, scale)?;
        Ok((out, grad))
    }
}

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
        return Err(LossError::LengthMismatch {
            left: "hidden states' width H",
            left_len: h,
            right: "LM-head weights' width",
            right_len: weight.ncols(),
        });
    }
    if targets.len() != n {
        return Err(LossError::BatchSizeMismatch {
            input: n,
            target: targets.len(),
        });
    }
    if c == 0 || n == 0 {
        // Nothing to multiply: the reference checks and conventions (NaN mean, 0 sum).
        let logits = Array2::<f32>::zeros((n, c));
        let out = loss.forward_fast(logits.view(), targets)?;
        return Ok((out, Array2::zeros((n, h)), Array2::zeros((c, h))));
    }
    let denominator: f32 = {
        let mut total = 0.0;
        for &t in targets {
            if let Some(class) = loss.class_of(t, c)? {
                total += loss.weight.as_ref().map_or(1.0, |w| w[class]);
            }
        }
        total
    };
    let scale = match loss.reduction {
        Reduction::Mean => 1.0 / denominator,
        _ => 1.0,
    };
    let chunk = chunk.max(1);
    let mut losses = Vec::with_capacity(n);
    let mut d_hidden = Array2::<f32>::zeros((n, h));
    let mut d_weight = Array2::<f32>::zeros((c, h));
    // ANCHOR: linear_chunks
    for start in (0..n).step_by(chunk) {
        let end = (start + chunk).min(n);
        let rows = hidden.slice(s![start..end, ..]);
        let t = targets.slice(s![start..end]);
        // [chunk, C]：唯一一块大数组
        let mut logits = rows.dot(&weight.t());
        let plan = loss.plan(&logits.view(), &t)?;
        let (stats, _, _) = loss.forward_rows(&plan, &logits.view(), &t)?;
        losses.extend(stats.iter().map(|s| s.loss));
        // 梯度原地写回这块 logits；scale 在循环之前就算好了（Mean 的分母只看目标）
        loss.gradient_rows(&plan, None, logits.view_mut(), t, &stats, scale)?;
        // general_mat_mul(α, A, B, β, C) 计算 C = α·A·B + β·C，结果直接写进 C。
        // dH 的这几行只属于这一块：β = 0，直接写出 G·W
        let mut d_rows = d_hidden.slice_mut(s![start..end, ..]);
        general_mat_mul(1.0, &logits, &weight, 0.0, &mut d_rows);
        // dW 要把每一块的 Gᵀ·h 加起来：β = 1，累加。若写成
        // `d_weight += &logits.t().dot(&rows)`，会先造出一整块 [C, H] 的临时数组
        general_mat_mul(1.0, &logits.t(), &rows, 1.0, &mut d_weight);
    }
    // ANCHOR_END: linear_chunks
    let losses = Array1::from(losses);
    let out = match loss.reduction {
        Reduction::None => losses.into_dyn(),
        Reduction::Sum => ArrayD::from_elem(IxDyn(&[]), losses.sum()),
        Reduction::Mean => ArrayD::from_elem(IxDyn(&[]), losses.sum() / denominator),
    };
    Ok((out, d_hidden, d_weight))
}
