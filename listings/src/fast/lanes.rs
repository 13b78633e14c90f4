//! The online softmax of one row, and the lane reductions its inner loops are made of.
//!
//! One streaming read gives a row's maximum `m`, `Σ exp(z - m)` and (for label
//! smoothing) `Σ w·z`: the row is walked in blocks that fit in L1, and when a block's
//! maximum beats the running one, the sum so far is rescaled to the new maximum. Each
//! block is reduced with [`LANES`] independent accumulators, which is what lets the
//! compiler use whole vector registers.

use super::dispatch::dispatch;
use super::exp::exp_nonpositive_with;

/// Elements per block: 4096 `f32` = 16 KiB, inside L1 (48 KiB here). Fewer, longer blocks
/// spread the per-block work (the maximum's final reduction, the rescaling) thinner.
const BLOCK: usize = 4096;

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
#[inline(always)]
fn lane_sum(block: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let chunks = block.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|&x| f(x)).sum();
    let ahead = block.as_ptr().wrapping_add(AHEAD);
    for (i, chunk) in chunks.enumerate() {
        prefetch(ahead.wrapping_add(i * LANES));
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
    // 一次取 BLOCK = 4096 个数（最后一块可能短一些），b 是第几块
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

dispatch! {
    /// [`online_softmax_with`], compiled for the best instruction set this CPU has.
    pub(super) fn online_softmax(
        row: &[f32],
        weight: Option<&[f32]>,
        need_wz: bool,
    ) -> (f32, f32, f32) => online_softmax_with
}
