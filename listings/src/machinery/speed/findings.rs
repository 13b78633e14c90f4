//! What the run found: the ratios, rates and times chapter 6 quotes, each computed from the
//! medians of like-for-like cells.

use super::{BIG, Bench, LinearPeer, MID, Op, Peer, SMALL, SpeedError};
use crate::fast::logits_bytes;

/// The figures the chapter quotes from one run, at 1 and 2 threads (`[0]`, `[1]`) where a
/// field has two values. All on `[8192, 50257]` unless named otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Findings {
    /// torch (THP) forward+backward time over ours in place (target ≥ 2).
    pub torch_over_in_place: [f64; 2],
    /// torch (THP) forward+backward time over ours with a fresh gradient buffer in huge
    /// pages (glibc's `hugetlb` tunable, the counterpart of torch's THP setting).
    pub torch_over_thp: [f64; 2],
    /// torch (default) forward+backward time over ours with a fresh gradient buffer, both
    /// in the default 4 KiB pages.
    pub torch_default_over_fresh: [f64; 2],
    /// Our forward time over the time to read the logits once (target ≤ 3).
    pub forward_over_floor: [f64; 2],
    /// OursSmallPages with a fresh gradient in huge pages over ours in place: what fresh memory
    /// still costs when its faults are few.
    pub ours_thp_over_in_place: [f64; 2],
    /// GB/s of reading the logits once.
    pub read_once_gb_per_s: [f64; 2],
    /// GB/s our in-place forward+backward moves (three passes: read, read, write).
    pub in_place_gb_per_s: [f64; 2],
    /// Milliseconds of three times reading once: an estimate of a forward+backward floor.
    pub floor_ms: [f64; 2],
    /// [`Findings::torch_default_over_fresh`] on `[4096, 32000]`.
    pub mid_torch_default_over_fresh: [f64; 2],
    /// [`Findings::torch_over_thp`] on `[4096, 32000]`.
    pub mid_torch_over_thp: [f64; 2],
    /// The smallest and largest ratio torch (THP) ÷ ours (THP) the 2-thread extremes give.
    pub torch_over_thp_range_2_threads: [f64; 2],
    /// Microseconds to read the `[512, 5]` logits once (1 thread).
    pub small_read_once_us: f64,
    /// Unfused peak memory over ours as measured (target ≥ 10; ours undercounts).
    pub linear_memory_vs_unfused: [f64; 2],
    /// Unfused peak memory over the least ours can use ([`Bench::linear_floor_bytes`]).
    pub linear_unfused_over_floor: [f64; 2],
    /// Our time over the faster of torch's two (target ≤ 1.5).
    pub linear_time_vs_faster: [f64; 2],
}

/// `f` at 1 and at 2 threads.
fn per_thread(f: impl Fn(usize) -> Result<f64, SpeedError>) -> Result<[f64; 2], SpeedError> {
    Ok([f(1)?, f(2)?])
}

impl Bench {
    /// What this run found, as the chapter quotes it.
    pub fn findings(&self) -> Result<Findings, SpeedError> {
        use Op::{Forward, ForwardBackward as Fb};
        use Peer::{Ours, OursInPlace, OursSmallPages, TorchDefault, TorchThp};
        let (n, c) = BIG;
        let read_once = |t| -> Result<f64, SpeedError> {
            Ok(self.seconds(n, c, t, Peer::ReadOnce, Op::ReadOnce)?.median)
        };
        let gb = logits_bytes(n, c) as f64 / 1e9;
        let (mid_n, mid_c) = MID;
        let (_, low, high) = self.ratio_spread(n, c, 2, TorchThp, Ours)?;
        let (small_n, small_c) = SMALL;
        let small_read_once = self.seconds(small_n, small_c, 1, Peer::ReadOnce, Op::ReadOnce)?;
        let floor = self.linear_floor_bytes()?;
        let mut linear_memory_vs_unfused = [0.0; 2];
        let mut linear_time_vs_faster = [0.0; 2];
        let mut linear_unfused_over_floor = [0.0; 2];
        for (i, t) in [1, 2].into_iter().enumerate() {
            let (ours, ours_peak) = self.linear(t, LinearPeer::Ours)?;
            let (unfused, unfused_peak) = self.linear(t, LinearPeer::TorchUnfused)?;
            let (chunked, _) = self.linear(t, LinearPeer::TorchChunked)?;
            linear_memory_vs_unfused[i] = unfused_peak / ours_peak;
            linear_unfused_over_floor[i] = unfused_peak / floor[3];
            linear_time_vs_faster[i] = ours.median / unfused.median.min(chunked.median);
        }
        Ok(Findings {
            torch_over_in_place: per_thread(|t| self.ratio(n, c, t, TorchThp, OursInPlace, Fb))?,
            torch_over_thp: per_thread(|t| self.ratio(n, c, t, TorchThp, Ours, Fb))?,
            torch_default_over_fresh: per_thread(|t| {
                self.ratio(n, c, t, TorchDefault, OursSmallPages, Fb)
            })?,
            forward_over_floor: per_thread(|t| {
                Ok(self.seconds(n, c, t, OursSmallPages, Forward)?.median / read_once(t)?)
            })?,
            ours_thp_over_in_place: per_thread(|t| self.ratio(n, c, t, Ours, OursInPlace, Fb))?,
            read_once_gb_per_s: per_thread(|t| Ok(gb / read_once(t)?))?,
            in_place_gb_per_s: per_thread(|t| {
                Ok(3.0 * gb / self.seconds(n, c, t, OursInPlace, Fb)?.median)
            })?,
            floor_ms: per_thread(|t| Ok(3.0 * read_once(t)? * 1e3))?,
            mid_torch_default_over_fresh: per_thread(|t| {
                self.ratio(mid_n, mid_c, t, TorchDefault, OursSmallPages, Fb)
            })?,
            mid_torch_over_thp: per_thread(|t| self.ratio(mid_n, mid_c, t, TorchThp, Ours, Fb))?,
            torch_over_thp_range_2_threads: [low, high],
            small_read_once_us: small_read_once.median * 1e6,
            linear_memory_vs_unfused,
            linear_unfused_over_floor,
            linear_time_vs_faster,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::real_cells;

    #[test]
    fn findings_are_ratios_of_medians_like_for_like() {
        let t = real_cells().findings().unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12 * b;
        // Both writing a fresh gradient in 4 KiB pages: 7.89 s over 2.30 s.
        assert!(close(
            t.torch_default_over_fresh[0],
            7.889844010000161 / 2.2966805655
        ));
        assert_eq!(format!("{:.1}", t.torch_default_over_fresh[0]), "3.4");
        assert_eq!(format!("{:.1}", t.torch_default_over_fresh[1]), "3.6");
        // Both in huge pages.
        assert_eq!(format!("{:.1}", t.torch_over_thp[0]), "2.0");
        assert_eq!(format!("{:.1}", t.torch_over_thp[1]), "2.7");
        // In place against torch's best configuration: a different thing.
        assert_eq!(format!("{:.1}", t.torch_over_in_place[0]), "3.4");
        assert_eq!(format!("{:.1}", t.torch_over_in_place[1]), "3.9");
        assert_eq!(format!("{:.1}", t.forward_over_floor[0]), "2.7");
        // The linear memory at 2 threads: 1572.7 MB over 73.8 MB, 73.8 MB over 90.2 MB.
        assert!(close(
            t.linear_memory_vs_unfused[1],
            1572716544.0 / 73777152.0
        ));
        assert_eq!(format!("{:.1}", t.linear_memory_vs_unfused[1]), "21.3");
        assert_eq!(format!("{:.2}", t.linear_time_vs_faster[1]), "1.06");
        // The least our linear cross-entropy can add: 8.4 + 65.5 + 16.4 = 90.3 MB, more
        // than the 80.6 MB measured.
        let floor = real_cells().linear_floor_bytes().unwrap();
        assert_eq!(
            floor,
            [8_388_608.0, 65_536_000.0, 16_384_000.0, 90_308_608.0]
        );
        assert!(floor[3] > 80580608.0);
        assert_eq!(format!("{:.1}", t.linear_unfused_over_floor[0]), "17.4");
        // Fresh memory in huge pages still costs: 1.33 s over 0.76 s, 0.59 s over 0.41 s.
        assert_eq!(format!("{:.1}", t.ours_thp_over_in_place[0]), "1.7");
        assert_eq!(format!("{:.1}", t.ours_thp_over_in_place[1]), "1.4");
        // Two threads in place move 4.94 GB in 411 ms: faster than reading once.
        assert_eq!(format!("{:.1}", t.in_place_gb_per_s[1]), "12.0");
        assert_eq!(format!("{:.1}", t.read_once_gb_per_s[1]), "11.4");
        assert!(t.in_place_gb_per_s[1] > t.read_once_gb_per_s[1]);
        assert_eq!(format!("{:.0}", t.floor_ms[0]), "459");
        // The ratios depend on the size.
        assert_eq!(format!("{:.2}", t.mid_torch_default_over_fresh[0]), "2.13");
        assert_eq!(format!("{:.2}", t.mid_torch_over_thp[0]), "2.13");
        assert_eq!(format!("{:.2}", t.mid_torch_over_thp[1]), "1.75");
        assert_eq!(format!("{:.1}", t.small_read_once_us), "0.3");
    }
}
