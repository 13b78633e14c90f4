//! Chapter 6, 为什么要融合：速度与内存: ratios from the committed benchmark results.

use super::{Kind, Quoted, QuotedError, Values, quote};

const CHAPTER: &str = "ch06-speed";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    let bench = crate::speed::Bench::load()?;
    let speed = bench.targets()?;
    Ok(vec![
        quote!(
            CHAPTER,
            "big_logits_gb",
            Computed,
            [crate::speed::logits_bytes(8192, 50_257) as f64 / 1e9]
        ),
        quote!(
            CHAPTER,
            "forward_over_floor",
            Computed,
            speed.forward_over_floor
        ),
        quote!(
            CHAPTER,
            "torch_over_in_place",
            Computed,
            speed.torch_over_in_place
        ),
        quote!(
            CHAPTER,
            "torch_over_fresh",
            Computed,
            speed.torch_over_fresh
        ),
        quote!(CHAPTER, "torch_over_thp", Computed, speed.torch_over_thp),
        quote!(
            CHAPTER,
            "linear_memory_vs_unfused",
            Computed,
            speed.linear_memory_vs_unfused
        ),
        quote!(
            CHAPTER,
            "linear_memory_vs_torch",
            Computed,
            speed.linear_memory_vs_torch
        ),
        quote!(
            CHAPTER,
            "linear_time_vs_faster",
            Computed,
            speed.linear_time_vs_faster
        ),
        quote!(CHAPTER, "ex_unfused_fused", Computed, {
            let bytes = crate::speed::logits_bytes;
            [
                2.0 * bytes(8192, 50_257) as f64 / 1e9,
                bytes(128, 50_257) as f64 / 1e6,
            ]
        }),
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
