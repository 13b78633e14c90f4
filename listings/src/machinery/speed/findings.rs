//! What the run found: the ratios, rates and times chapter 6 quotes, each computed from the
//! medians of like-for-like cells.

use super::{BIG, Bench, LinearPeer, MID, Op, Peer, SMALL, SpeedError};
use crate::fast::logits_bytes;

/// The figures the chapter quotes from one run, at 1 and 2 threads (`[0]`, `[1]`) where a
/// field has two values. All on `[8192, 50257]` unless named otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Findings {
    /// Our forward time over the time to read the logits once (target ≤ 1.3 at 1 thread
    /// with AVX-512, ≤ 1.2 at 2).
    pub forward_over_read: [f64; 2],
    /// Our forward on rows that stay in cache, over reading the logits once: the
    /// arithmetic alone, in units of the memory floor.
    pub forward_arithmetic_over_read: [f64; 2],
    /// Reading every logit and writing it back, over reading it once.
    pub read_write_over_read: [f64; 2],
    /// Our forward+backward in place over reading the logits once (target ≤ 2.5).
    pub in_place_over_read: [f64; 2],
    /// Our forward+backward into a buffer, on rows that stay in cache, over reading once:
    /// the arithmetic of the fused pass alone.
    pub fused_arithmetic_over_read: [f64; 2],
    /// GB/s of reading the logits once.
    pub read_once_gb_per_s: [f64; 2],
    /// torch (THP) forward+backward time over ours (the public API, a fresh gradient on
    /// huge pages): like for like, target ≥ 2.
    pub torch_over_fresh: [f64; 2],
    /// torch (default) over ours (4 KiB): both a fresh gradient on 4 KiB pages.
    pub torch_default_over_small_pages: [f64; 2],
    /// torch (THP) over ours into a buffer kept from call to call (target ≥ 3).
    pub torch_over_into: [f64; 2],
    /// torch (THP) over ours in place.
    pub torch_over_in_place: [f64; 2],
    /// Ours with a fresh gradient (huge pages) over ours into a buffer: what fresh memory
    /// costs even on huge pages.
    pub fresh_over_into: [f64; 2],
    /// Ours (4 KiB) over ours (huge pages): what the small pages cost a fresh gradient.
    pub small_pages_over_fresh: [f64; 2],
    /// [`Findings::torch_over_fresh`] on `[4096, 32000]`.
    pub mid_torch_over_fresh: [f64; 2],
    /// Microseconds to read the `[512, 5]` logits once (1 thread).
    pub small_read_once_us: f64,
    /// Unfused peak memory over the least ours can use ([`Bench::linear_floor_bytes`]).
    pub linear_unfused_over_floor: [f64; 2],
    /// Our time over the faster of torch's two (target ≤ 1).
    pub linear_time_vs_faster: [f64; 2],
    /// |our loss − torch's chunked loss| over torch's, on the same inputs (target ≤ 1e-5),
    /// at 1 thread.
    pub linear_loss_difference: f64,
}

/// `f` at 1 and at 2 threads.
fn per_thread(f: impl Fn(usize) -> Result<f64, SpeedError>) -> Result<[f64; 2], SpeedError> {
    Ok([f(1)?, f(2)?])
}

impl Bench {
    /// What this run found, as the chapter quotes it.
    pub fn findings(&self) -> Result<Findings, SpeedError> {
        use Op::{Forward, ForwardBackward as Fb};
        use Peer::{
            Ours, OursInCache, OursInPlace, OursInto, OursSmallPages, TorchDefault, TorchThp,
        };
        let (n, c) = BIG;
        let read_once = |t| -> Result<f64, SpeedError> {
            Ok(self.seconds(n, c, t, Peer::ReadOnce, Op::ReadOnce)?.median)
        };
        let over_read = |peer, op| {
            per_thread(move |t| Ok(self.seconds(n, c, t, peer, op)?.median / read_once(t)?))
        };
        let gb = logits_bytes(n, c) as f64 / 1e9;
        let (mid_n, mid_c) = MID;
        let (small_n, small_c) = SMALL;
        let small_read_once = self.seconds(small_n, small_c, 1, Peer::ReadOnce, Op::ReadOnce)?;
        let floor = self.linear_floor_bytes()?;
        let mut linear_time_vs_faster = [0.0; 2];
        let mut linear_unfused_over_floor = [0.0; 2];
        for (i, t) in [1, 2].into_iter().enumerate() {
            let (ours, _) = self.linear(t, LinearPeer::Ours)?;
            let (unfused, unfused_peak) = self.linear(t, LinearPeer::TorchUnfused)?;
            let (chunked, _) = self.linear(t, LinearPeer::TorchChunked)?;
            linear_unfused_over_floor[i] = unfused_peak / floor[3];
            linear_time_vs_faster[i] = ours.median / unfused.median.min(chunked.median);
        }
        let ours_loss = self.linear_loss(1, LinearPeer::Ours)?;
        let torch_loss = self.linear_loss(1, LinearPeer::TorchChunked)?;
        let fb = |t, peer, ours| self.ratio(n, c, t, peer, ours, Fb);
        Ok(Findings {
            forward_over_read: over_read(Ours, Forward)?,
            forward_arithmetic_over_read: over_read(OursInCache, Forward)?,
            read_write_over_read: over_read(Peer::ReadWrite, Op::ReadWrite)?,
            in_place_over_read: over_read(OursInPlace, Fb)?,
            fused_arithmetic_over_read: over_read(OursInCache, Fb)?,
            read_once_gb_per_s: per_thread(|t| Ok(gb / read_once(t)?))?,
            torch_over_fresh: per_thread(|t| fb(t, TorchThp, Ours))?,
            torch_default_over_small_pages: per_thread(|t| fb(t, TorchDefault, OursSmallPages))?,
            torch_over_into: per_thread(|t| fb(t, TorchThp, OursInto))?,
            torch_over_in_place: per_thread(|t| fb(t, TorchThp, OursInPlace))?,
            fresh_over_into: per_thread(|t| fb(t, Ours, OursInto))?,
            small_pages_over_fresh: per_thread(|t| fb(t, OursSmallPages, Ours))?,
            mid_torch_over_fresh: per_thread(|t| self.ratio(mid_n, mid_c, t, TorchThp, Ours, Fb))?,
            small_read_once_us: small_read_once.median * 1e6,
            linear_unfused_over_floor,
            linear_time_vs_faster,
            linear_loss_difference: (ours_loss - torch_loss).abs() / torch_loss.abs(),
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
        // Both writing a fresh gradient in 4 KiB pages, and both in huge pages.
        assert!(close(t.torch_default_over_small_pages[0], 2.4 / 0.8));
        assert!(close(t.torch_over_fresh[1], 1.2 / 0.3));
        // Into a buffer and in place: different things, each against torch (THP).
        assert!(close(t.torch_over_into[0], 1.6 / 0.4));
        assert!(close(t.torch_over_in_place[0], 1.6 / 0.32));
        // The floors: every time over reading once at the same thread count.
        assert!(close(t.forward_over_read[0], 0.2 / 0.16));
        assert!(close(t.forward_arithmetic_over_read[1], 0.1 / 0.08));
        assert!(close(t.read_write_over_read[0], 0.17 / 0.16));
        assert!(close(t.in_place_over_read[1], 0.18 / 0.08));
        assert!(close(t.fused_arithmetic_over_read[0], 0.3 / 0.16));
        assert!(close(t.fresh_over_into[0], 0.5 / 0.4));
        assert!(close(t.small_pages_over_fresh[0], 0.8 / 0.5));
        assert!(close(t.read_once_gb_per_s[0], 1.646_821_376 / 0.16));
        assert!(close(t.mid_torch_over_fresh[0], 0.6 / 0.2));
        assert!(close(t.small_read_once_us, 0.3));
        // The linear cells: time against the faster of torch's two, memory against the
        // least ours can hold (8.4 + 65.5 + 16.4 = 90.3 MB), the losses on the same inputs.
        assert!(close(t.linear_time_vs_faster[0], 8.0 / 8.5));
        assert!(close(
            t.linear_unfused_over_floor[0],
            1_572_610_048.0 / 90_308_608.0
        ));
        assert!(close(t.linear_loss_difference, (10.5000001 - 10.5) / 10.5));
    }
}
