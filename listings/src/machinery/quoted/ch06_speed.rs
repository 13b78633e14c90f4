//! Chapter 6, 为什么要融合：速度与内存: ratios from the committed benchmark results.

use super::{Kind, Quoted, QuotedError, Values, quote};

const CHAPTER: &str = "ch06-speed";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    let bench = crate::machinery::speed::Bench::load()?;
    let speed = bench.findings()?;
    Ok(vec![
        quote!(
            CHAPTER,
            "big_logits_gb",
            Computed,
            [crate::fast::logits_bytes(8192, 50_257) as f64 / 1e9]
        ),
        quote!(CHAPTER, "forward_over_read", Computed, speed.forward_over_read),
        quote!(CHAPTER, "forward_arithmetic_over_read", Computed, speed.forward_arithmetic_over_read),
        quote!(CHAPTER, "read_write_over_read", Computed, speed.read_write_over_read),
        quote!(CHAPTER, "in_place_over_read", Computed, speed.in_place_over_read),
        quote!(CHAPTER, "fused_arithmetic_over_read", Computed, speed.fused_arithmetic_over_read),
        quote!(CHAPTER, "read_once_gb_per_s", Computed, speed.read_once_gb_per_s),
        quote!(CHAPTER, "torch_over_fresh", Computed, speed.torch_over_fresh),
        quote!(CHAPTER, "torch_default_over_small_pages", Computed, speed.torch_default_over_small_pages),
        quote!(CHAPTER, "torch_over_into", Computed, speed.torch_over_into),
        quote!(CHAPTER, "torch_over_in_place", Computed, speed.torch_over_in_place),
        quote!(CHAPTER, "fresh_over_into", Computed, speed.fresh_over_into),
        quote!(CHAPTER, "small_pages_over_fresh", Computed, speed.small_pages_over_fresh),
        quote!(CHAPTER, "mid_torch_over_fresh", Computed, speed.mid_torch_over_fresh),
        quote!(CHAPTER, "small_read_once_us", Computed, speed.small_read_once_us),
        quote!(CHAPTER, "linear_unfused_over_floor", Computed, speed.linear_unfused_over_floor),
        quote!(CHAPTER, "linear_floor_mb", Computed, {
            // dL/dH [4096, 512], dL/dW [32000, 512], one [128, 32000] chunk, their sum,
            // and the two gradients alone
            let [dh, dw, chunk, total] = bench.linear_floor_bytes()?;
            [
                dh / 1e6,
                dw / 1e6,
                chunk / 1e6,
                total / 1e6,
                (dh + dw) / 1e6,
            ]
        }),
        quote!(
            CHAPTER,
            "linear_loss_difference",
            Computed,
            // in units of 10^-7, as the prose writes it
            speed.linear_loss_difference * 1e7
        ),
        quote!(
            CHAPTER,
            "exp_floor",
            Computed,
            // exp(-87), what every argument below -87 gets, in units of 10^-38
            f64::from(crate::fast::exp_nonpositive(-87.0)) * 1e38
        ),
        quote!(
            CHAPTER,
            "linear_time_vs_faster",
            Computed,
            speed.linear_time_vs_faster
        ),
        quote!(
            CHAPTER,
            "exp_minimax_error",
            Computed,
            // The degree-6 polynomial's relative error on [-ln 2 / 2, ln 2 / 2] as stored,
            // in units of 10^-8
            crate::fast::polynomial_error() * 1e8
        ),
        quote!(CHAPTER, "ex_unfused_fused", Computed, {
            let bytes = crate::fast::logits_bytes;
            [
                2.0 * bytes(8192, 50_257) as f64 / 1e9,
                bytes(128, 50_257) as f64 / 1e6,
                3.0 * bytes(8192, 50_257) as f64 / 1e9,
            ]
        }),
        quote!(CHAPTER, "ex_passes_gb", Computed, {
            let one = crate::fast::logits_bytes(8192, 50_257) as f64 / 1e9;
            // log_softmax 2 + nll_loss 0 + its backward 1 + log_softmax backward 3; fused 1 + 1
            [6.0 * one, 2.0 * one]
        }),
        quote!(CHAPTER, "ex_denominator", Computed, {
            // targets [2, -100, 0, 2], weight [0.5, 1, 2]: w[2] + w[0] + w[2]
            let weight = [0.5_f64, 1.0, 2.0];
            weight[2] + weight[0] + weight[2]
        }),
        quote!(
            CHAPTER,
            "exp_error_bound",
            Input,
            // The bound tests/fast.rs asserts, 1.2e-7, as the prose writes it: 1.2 × 10^-7
            1.2e-7_f64 * 1e7
        ),
        quote!(
            CHAPTER,
            "exp_round_constant",
            Input,
            // ROUND = 1.5·2^23 in `exp_nonpositive_with`
            f64::from(12_582_912.0_f32) / f64::from(1_u32 << 23)
        ),
        quote!(CHAPTER, "ex_weights", Input, [0.5_f64, 1.0, 2.0]),
        quote!(
            CHAPTER,
            "matmul_flops",
            Computed,
            // 2·N·H·C of one `[N, H]·[H, C]` product, in units of 10^11
            2.0 * 4096.0 * 512.0 * 32_000.0 / 1e11
        ),
        quote!(
            CHAPTER,
            "ex_online_sum",
            Computed,
            [1.0_f64, 3.0, 2.0, 7.0, 5.0, 6.0]
                .iter()
                .map(|x| (x - 7.0).exp())
                .sum::<f64>()
        ),
    ])
}
