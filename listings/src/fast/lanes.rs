//! The online softmax of one row, and the lane reductions its inner loops are made of.
//!
//! One streaming read gives a row's maximum `m`, `Σ exp(z - m)` and (for label
//! smoothing) `Σ w·(z - m)`: the row is walked in blocks that fit in L1, and when a block's
//! maximum beats the running one, the sum so far is rescaled to the new maximum. Each
//! block is reduced with [`LANES`] independent accumulators, which is what lets the
//! compiler use whole vector registers.

use super::dispatch::dispatch;
use super::exp::exp_nonpositive_with;

/// Elements per block: 4096 `f32` = 16 KiB, inside L1 (48 KiB here). Fewer, longer blocks
/// spread the per-block work (the maximum's final reduction, the rescaling) thinner.
pub(super) const BLOCK: usize = 4096;

/// Lanes of the partial sums. Floating-point addition is not associative, so the compiler
/// will not split one running sum into vector lanes by itself; with 16 independent
/// accumulators it can, and the adds no longer wait on each other.
const LANES: usize = 16;

/// The largest element (NaN is skipped here; it reaches the sum through `exp(NaN) = NaN`,
/// or, while every number so far is `-∞`, through the online softmax's own check).
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

/// How far ahead of the block being summed the next logits are fetched: one block. The
/// sum's arithmetic takes longer than reading its block from memory, and the hardware
/// prefetcher runs only a little way ahead of the last miss; so while a block is summed,
/// memory would sit idle. Fetching the next block meanwhile lets the two overlap.
const AHEAD: usize = BLOCK;

/// Asks for the cache line at `p` (a hint: it never faults, whatever the address, so `p`
/// may point past the end of the logits).
#[inline(always)]
fn prefetch(p: *const f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` reads nothing into a register and cannot fault.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// `Σ f(x)` over a block with [`LANES`] accumulators, fetching the memory [`AHEAD`] of
/// the block on the way (one cache line, 16 `f32`, per step).
// ANCHOR: lane_sum
#[inline(always)]
// f：对每个数要做的事（这里是 z ↦ e^(z − m)）；impl Fn(f32) -> f32 表示“任何一个吃一个
// f32、吐一个 f32 的函数”
fn lane_sum(block: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    // 16 个互不等待的部分和：一个 AVX-512 向量（或两个 AVX2 向量）
    let mut acc = [0.0_f32; LANES];
    // 每次取 16 个数；凑不满 16 个的尾巴（remainder）单独加
    let chunks = block.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|&x| f(x)).sum();
    // 下一块的开头。wrapping_add 只是算地址，不读内存，越过数组末尾也无妨
    let ahead = block.as_ptr().wrapping_add(AHEAD);
    for (i, chunk) in chunks.enumerate() {
        // 每算 16 个数（一个 64 字节的缓存行），就请内存把下一块里对应的那个缓存行先送来
        prefetch(ahead.wrapping_add(i * LANES));
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a += f(x);
        }
    }
    acc.iter().sum::<f32>() + tail
}
// ANCHOR_END: lane_sum

/// [`lane_sum`] that also keeps each `f(x)`: written over `block` itself.
#[inline(always)]
fn lane_sum_in_place(block: &mut [f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let ahead = block.as_ptr().wrapping_add(AHEAD);
    let mut chunks = block.chunks_exact_mut(LANES);
    for (i, chunk) in (&mut chunks).enumerate() {
        prefetch(ahead.wrapping_add(i * LANES));
        for (a, x) in acc.iter_mut().zip(chunk) {
            *x = f(*x);
            *a += *x;
        }
    }
    let tail: f32 = chunks
        .into_remainder()
        .iter_mut()
        .map(|x| {
            *x = f(*x);
            *x
        })
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// [`lane_sum`] that also keeps each `f(x)`: written into `out`, of `block`'s length.
#[inline(always)]
fn lane_sum_into(block: &[f32], out: &mut [f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let ahead = block.as_ptr().wrapping_add(AHEAD);
    let mut outs = out.chunks_exact_mut(LANES);
    let mut chunks = block.chunks_exact(LANES);
    for (i, (chunk, o)) in (&mut chunks).zip(&mut outs).enumerate() {
        prefetch(ahead.wrapping_add(i * LANES));
        for ((a, &x), y) in acc.iter_mut().zip(chunk).zip(o) {
            *y = f(x);
            *a += *y;
        }
    }
    let tail: f32 = chunks
        .remainder()
        .iter()
        .zip(outs.into_remainder())
        .map(|(&x, y)| {
            *y = f(x);
            *y
        })
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// `Σ w·f(x)` over a block with [`LANES`] accumulators.
#[inline(always)]
fn lane_dot(block: &[f32], w: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let chunks = block.chunks_exact(LANES).zip(w.chunks_exact(LANES));
    let done = block.len() / LANES * LANES;
    for (chunk, wc) in chunks {
        for ((a, &x), &w) in acc.iter_mut().zip(chunk).zip(wc) {
            *a += w * f(x);
        }
    }
    let tail: f32 = block[done..]
        .iter()
        .zip(&w[done..])
        .map(|(&x, &w)| w * f(x))
        .sum();
    acc.iter().sum::<f32>() + tail
}

/// `Σ w·(z - m)` over the blocks read so far, kept relative to the running maximum `m`:
/// label smoothing's loss needs `Σ_k w_k·(z_k - m)`, and on logits that share a large
/// offset (`10⁴ + small`) `Σ w·z` and `(Σw)·m` would each be `C·10⁴` and cancel.
#[derive(Clone, Copy)]
struct Shifted {
    /// `Σ w·(z - m)` so far.
    sum: f32,
    /// `Σ w` of the blocks counted in `sum` relative to a finite `m`.
    mass: f32,
}

impl Shifted {
    const ZERO: Shifted = Shifted {
        sum: 0.0,
        mass: 0.0,
    };

    /// The maximum moves from `old` to `new`: every term counted so far drops by
    /// `(new - old)·w`.
    #[inline(always)]
    fn rebase(&mut self, old: f32, new: f32) {
        if self.mass > 0.0 {
            self.sum -= (new - old) * self.mass;
        }
    }

    /// Adds a block (weights `w`, or all 1) relative to `m`. While `m` is still `-∞` the
    /// block's logits are all `-∞` or NaN: their `Σ w·z` (`-∞` or NaN) is what the loss
    /// must see, whatever comes later.
    #[inline(always)]
    fn add(&mut self, block: &[f32], w: Option<&[f32]>, m: f32) {
        if m == f32::NEG_INFINITY {
            self.sum += match w {
                Some(w) => lane_dot(block, w, |z| z),
                None => lane_sum(block, |z| z),
            };
            return;
        }
        self.sum += match w {
            Some(w) => lane_dot(block, w, |z| z - m),
            None => lane_sum(block, |z| z - m),
        };
        self.mass += match w {
            Some(w) => lane_sum(w, |x| x),
            None => block.len() as f32,
        };
    }
}

/// Max, `Σ exp(z - max)` and `Σ w·(z - max)` of one row in one streaming read (`Σ w·(z - max)` only when
/// `need_wz`: label smoothing's loss needs it, nothing else does).
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
    // m：至今的最大值；s：Σ exp(z_k − m)；
    // wz：Σ w_k·(z_k − m)（只有标签平滑的损失要用），也以至今的最大值为基准
    let (mut m, mut s, mut wz) = (f32::NEG_INFINITY, 0.0_f32, Shifted::ZERO);
    // 一次取 BLOCK = 4096 个数（最后一块可能短一些），b 是第几块
    for (b, block) in row.chunks(BLOCK).enumerate() {
        let block_max = block_max(block);
        if block_max > m {
            // 最大值变大了：已经加起来的和换算到新的基准上
            s *= exp_nonpositive_with::<FMA>(m - block_max);
            if need_wz {
                // Σ w·(z − m) 换到新基准：每一项都少了 (新 − 旧)·w
                wz.rebase(m, block_max);
            }
            m = block_max;
        }
        if m > f32::NEG_INFINITY {
            s += lane_sum(block, |z| exp_nonpositive_with::<FMA>(z - m));
        } else if block.iter().any(|z| z.is_nan()) {
            // 其余的数都是 −∞：NaN 也必须传到结果里
            s = f32::NAN;
        }
        if need_wz {
            // Some(w)：有权重，取这一块对应的那一段 w；None：没有权重，w_k 都是 1
            let w = weight.map(|w| &w[b * BLOCK..b * BLOCK + block.len()]);
            wz.add(block, w, m);
        }
    }
    (m, s, wz.sum)
}
// ANCHOR_END: online_softmax

/// [`online_softmax_with`] that keeps what it computes: each `exp(z - m_k)` is written
/// into `row` (over the logits themselves when `source` is `None`, else read from
/// `source`), where `m_k` is the running maximum when block `k` was summed, pushed onto
/// `maxima`. The gradient pass then needs no `exp` per logit, only the factor
/// `exp(m_k - m - ln Σ)` per block. Blocks summed while the maximum was still `-∞` keep 0.
#[inline(always)]
fn online_softmax_keeping_with<const FMA: bool>(
    source: Option<&[f32]>,
    row: &mut [f32],
    weight: Option<&[f32]>,
    need_wz: bool,
    maxima: &mut Vec<f32>,
) -> (f32, f32, f32) {
    let (mut m, mut s, mut wz) = (f32::NEG_INFINITY, 0.0_f32, Shifted::ZERO);
    maxima.clear();
    for b in 0..row.len().div_ceil(BLOCK) {
        let range = b * BLOCK..((b + 1) * BLOCK).min(row.len());
        let block = source.map_or(&row[range.clone()], |z| &z[range.clone()]);
        let block_max = block_max(block);
        if block_max > m {
            s *= exp_nonpositive_with::<FMA>(m - block_max);
            if need_wz {
                wz.rebase(m, block_max);
            }
            m = block_max;
        }
        if need_wz {
            wz.add(block, weight.map(|w| &w[range.clone()]), m);
        }
        maxima.push(m);
        let exp = |z: f32| exp_nonpositive_with::<FMA>(z - m);
        if m > f32::NEG_INFINITY {
            s += match source {
                Some(z) => lane_sum_into(&z[range.clone()], &mut row[range], exp),
                None => lane_sum_in_place(&mut row[range], exp),
            };
        } else {
            // Every number so far is -∞ (or NaN): nothing to sum, 0 kept; NaN still
            // reaches the result.
            let block = source.map_or(&row[range.clone()], |z| &z[range.clone()]);
            if block.iter().any(|z| z.is_nan()) {
                s = f32::NAN;
            }
            row[range].fill(0.0);
        }
    }
    (m, s, wz.sum)
}

dispatch! {
    /// [`online_softmax_keeping_with`], compiled for the best instruction set this CPU has.
    pub(super) fn online_softmax_keeping(
        source: Option<&[f32]>,
        row: &mut [f32],
        weight: Option<&[f32]>,
        need_wz: bool,
        maxima: &mut Vec<f32>,
    ) -> (f32, f32, f32) => online_softmax_keeping_with
}

dispatch! {
    /// [`online_softmax_with`], compiled for the best instruction set this CPU has.
    pub(super) fn online_softmax(
        row: &[f32],
        weight: Option<&[f32]>,
        need_wz: bool,
    ) -> (f32, f32, f32) => online_softmax_with
}
