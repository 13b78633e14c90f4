//! Run-time CPU dispatch: each hot loop compiled for more than one instruction set, and
//! the best one this CPU has picked when the program runs (the `multiversion` crate).
//!
//! A default build targets the 2003 x86-64 baseline (SSE2: 4 `f32` lanes), which would
//! leave half or three quarters of an AVX2 or AVX-512 vector unit idle. So the kernels are
//! compiled twice more, for AVX2 + FMA and for AVX-512; and each kernel takes `FMA` as a
//! compile-time switch (`mul_add` is one instruction with FMA, and a slow library call
//! without it), so every compiled copy gets the arithmetic its CPU can do.

/// Defines `fn $name(args) -> ret`, which calls `$kernel::<true>(args)` when the copy
/// running has FMA and `$kernel::<false>(args)` otherwise, compiled for AVX-512, for
/// AVX2 + FMA and for the baseline.
macro_rules! dispatch {
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $kernel:ident
    ) => {
        $(#[$doc])*
        #[multiversion::multiversion(targets(
            "x86_64+avx512f+avx512bw+avx512vl+avx2+fma",
            "x86_64+avx2+fma"
        ))]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            if multiversion::target::target_cfg_f!(target_feature = "fma") {
                $kernel::<true>($($arg),*)
            } else {
                $kernel::<false>($($arg),*)
            }
        }
    };
}
pub(super) use dispatch;

/// The compiled copy of the kernels this CPU runs, named by its instruction sets: the
/// AVX-512 one, the AVX2 + FMA one, or the baseline (what a benchmark records beside its
/// times, so that runs on other machines can be compared).
///
/// ```
/// let clone = listings::fast::kernels_clone();
/// assert!(["avx512f+avx512bw+avx512vl+avx2+fma", "avx2+fma", "baseline"].contains(&clone));
/// ```
pub fn kernels_clone() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let fma = has!("avx2") && has!("fma");
        if fma && has!("avx512f") && has!("avx512bw") && has!("avx512vl") {
            return "avx512f+avx512bw+avx512vl+avx2+fma";
        }
        if fma {
            return "avx2+fma";
        }
    }
    "baseline"
}
