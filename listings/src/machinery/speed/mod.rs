//! Chapter 6: what the measurements say. `cargo xtask bench` runs our fast path, PyTorch
//! and candle-nn side by side and writes `bench/results.json`; this module reads that file
//! (at run time, once per process, so the book, its tests and the notebook all see the
//! committed run) and turns it into the chapter's tables, ratios and figures.
//!
//! Why this file is long: the lookups every table and finding is made of (a cell, its
//! seconds, its memory, a ratio of two) live here once, with their tests.
//!
//! | module | what it holds |
//! |--------|---------------|
//! | [`results`] | the file's types, shared with `cargo xtask bench`, which writes them |
//! | [`tables`] | the chapter's tables, as text |
//! | [`findings`] | the ratios and rates the chapter quotes |
//!
//! Every timing is a median over the run's samples, shown with its min and max; memory is
//! the peak resident memory one call added (see `bench/peers/src/main.rs`).

pub mod findings;
pub mod results;
pub mod tables;

#[cfg(test)]
mod fixture;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use thiserror::Error;

use crate::fast::logits_bytes;

pub use findings::Findings;
pub use results::{Cell, LinearCell, LinearPeer, Machine, Op, Peer, Results, Spread, Versions};
pub use tables::COMPARISONS;

/// Where the committed results of the last `cargo xtask bench` live.
pub const RESULTS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/results.json");

/// What went wrong reading the results.
#[derive(Debug, Error)]
pub enum SpeedError {
    #[error(
        "could not read {}: {source}; `cargo xtask bench` writes it and git keeps it (`git checkout bench/results.json` restores it)",
        path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bench/results.json is not what `cargo xtask bench` writes: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "bench/results.json has no measurement for {peer} {op} [{n}, {c}] × {threads}; run `cargo xtask bench`"
    )]
    MissingCell {
        peer: Peer,
        op: Op,
        n: usize,
        c: usize,
        threads: usize,
    },
    #[error(
        "bench/results.json has no linear cross-entropy of {peer} × {threads}; run `cargo xtask bench`"
    )]
    MissingLinear { peer: LinearPeer, threads: usize },
    #[error(
        "bench/results.json gives no chunk for our linear cross-entropy; run `cargo xtask bench`"
    )]
    NoChunk,
}

/// One benchmark run, as `cargo xtask bench` wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bench {
    results: Results,
}

/// The implementations of the `[N, C]` tables, in the order the chapter lists them (a
/// forward table leaves out the three that differ only in where the gradient goes; a
/// table leaves out any peer the run did not measure on its problem).
pub const PEERS: [Peer; 7] = [
    Peer::Ours,
    Peer::OursSmallPages,
    Peer::OursInto,
    Peer::OursInPlace,
    Peer::TorchThp,
    Peer::TorchDefault,
    Peer::Candle,
];

/// The peers of the fused linear cross-entropy table.
pub const LINEAR_PEERS: [LinearPeer; 3] = [
    LinearPeer::Ours,
    LinearPeer::TorchChunked,
    LinearPeer::TorchUnfused,
];

/// The problem the targets are stated on: `[8192, 50257]` (GPT-2's vocabulary).
pub const BIG: (usize, usize) = (8192, 50_257);

/// The middle problem, `[4096, 32000]`.
pub const MID: (usize, usize) = (4096, 32_000);

/// The tiny problem, `[512, 5]`.
pub const SMALL: (usize, usize) = (512, 5);

impl Bench {
    /// The committed run, read from [`RESULTS_PATH`] the first time it is asked for.
    ///
    /// ```
    /// let bench = listings::machinery::speed::Bench::load().unwrap();
    /// assert!(bench.machine().contains("核"));
    /// ```
    pub fn load() -> Result<&'static Bench, SpeedError> {
        static COMMITTED: OnceLock<Bench> = OnceLock::new();
        if let Some(bench) = COMMITTED.get() {
            return Ok(bench);
        }
        let bench = Bench::read(Path::new(RESULTS_PATH))?;
        Ok(COMMITTED.get_or_init(|| bench))
    }

    /// The run in the results file at `path`.
    ///
    /// ```
    /// use listings::machinery::speed::{Bench, SpeedError};
    /// let missing = Bench::read("no/such/results.json".as_ref()).unwrap_err();
    /// assert!(matches!(missing, SpeedError::Read { .. }));
    /// assert!(missing.to_string().contains("no/such/results.json"));
    /// ```
    pub fn read(path: &Path) -> Result<Bench, SpeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpeedError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Bench::parse(&text)
    }

    /// A run from its JSON text.
    ///
    /// ```
    /// use listings::machinery::speed::{Bench, SpeedError};
    /// let error = Bench::parse("{}").unwrap_err();
    /// assert!(error.to_string().contains("missing field"), "{error}");
    /// assert!(matches!(Bench::parse("not json"), Err(SpeedError::Json(_))));
    /// ```
    pub fn parse(text: &str) -> Result<Bench, SpeedError> {
        Ok(Bench::new(serde_json::from_str(text)?))
    }

    /// A run from its results.
    pub fn new(results: Results) -> Bench {
        Bench { results }
    }

    /// Everything the run recorded.
    pub fn results(&self) -> &Results {
        &self.results
    }

    fn cell(
        &self,
        (n, c, threads): (usize, usize, usize),
        peer: Peer,
        op: Op,
    ) -> Result<&Cell, SpeedError> {
        self.results
            .cross_entropy
            .iter()
            .find(|e| (e.n, e.c, e.threads, e.peer, e.op) == (n, c, threads, peer, op))
            .ok_or(SpeedError::MissingCell {
                peer,
                op,
                n,
                c,
                threads,
            })
    }

    /// Whether the run measured `peer` doing `op` on `[n, c]` with `threads` threads.
    pub fn has(&self, n: usize, c: usize, threads: usize, peer: Peer, op: Op) -> bool {
        self.cell((n, c, threads), peer, op).is_ok()
    }

    /// How many timed calls one cell gathered over all rounds (`None` if not recorded).
    pub fn samples(&self, n: usize, c: usize, threads: usize, peer: Peer, op: Op) -> Option<u64> {
        let cell = self.cell((n, c, threads), peer, op).ok()?;
        Some(cell.seconds.samples)
    }

    /// Seconds per call of `peer` doing `op` (`Op::ReadOnce` for `Peer::ReadOnce`) on
    /// `[n, c]` with `threads` threads.
    pub fn seconds(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: Peer,
        op: Op,
    ) -> Result<Spread, SpeedError> {
        Ok(self.cell((n, c, threads), peer, op)?.seconds)
    }

    /// Median peak memory (bytes) one call of `peer` doing `op` added.
    pub fn peak_bytes(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: Peer,
        op: Op,
    ) -> Result<f64, SpeedError> {
        Ok(self.cell((n, c, threads), peer, op)?.peak_bytes.median)
    }

    /// How many times longer `peer` takes than `ours` (median over median).
    pub fn ratio(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: Peer,
        ours: Peer,
        op: Op,
    ) -> Result<f64, SpeedError> {
        Ok(self.seconds(n, c, threads, peer, op)?.median
            / self.seconds(n, c, threads, ours, op)?.median)
    }

    /// The forward+backward ratio `peer ÷ ours` of medians, and the smallest and largest
    /// ratio the cells' extremes give (`peer`'s min over `ours`' max, max over min).
    pub fn ratio_spread(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: Peer,
        ours: Peer,
    ) -> Result<(f64, f64, f64), SpeedError> {
        let (p, o) = (
            self.seconds(n, c, threads, peer, Op::ForwardBackward)?,
            self.seconds(n, c, threads, ours, Op::ForwardBackward)?,
        );
        Ok((p.median / o.median, p.min / o.max, p.max / o.min))
    }

    pub(crate) fn linear_cell(
        &self,
        threads: usize,
        peer: LinearPeer,
    ) -> Result<&LinearCell, SpeedError> {
        self.results
            .linear_cross_entropy
            .iter()
            .find(|e| e.threads == threads && e.peer == peer)
            .ok_or(SpeedError::MissingLinear { peer, threads })
    }

    /// Seconds and peak extra bytes of fused linear cross-entropy, forward and backward.
    pub fn linear(&self, threads: usize, peer: LinearPeer) -> Result<(Spread, f64), SpeedError> {
        let cell = self.linear_cell(threads, peer)?;
        Ok((cell.seconds, cell.peak_bytes.median))
    }

    /// The loss of the last linear cross-entropy call of `peer` (all peers compute on the
    /// same inputs).
    pub fn linear_loss(&self, threads: usize, peer: LinearPeer) -> Result<f64, SpeedError> {
        Ok(self.linear_cell(threads, peer)?.loss)
    }

    /// The least memory our fused linear cross-entropy can add at its peak, from the
    /// shapes the run used: the gradients `dL/dH` (`[N, H]`) and `dL/dW` (`[C, H]`) and one
    /// chunk of logits (`[chunk, C]`), all `f32`, in bytes: `[dH, dW, chunk, total]`.
    pub fn linear_floor_bytes(&self) -> Result<[f64; 4], SpeedError> {
        let ours = self.linear_cell(1, LinearPeer::Ours)?;
        let chunk = ours.chunk.ok_or(SpeedError::NoChunk)?;
        let d_hidden = logits_bytes(ours.n, ours.h) as f64;
        let d_weight = logits_bytes(ours.c, ours.h) as f64;
        let block = logits_bytes(chunk, ours.c) as f64;
        Ok([d_hidden, d_weight, block, d_hidden + d_weight + block])
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{cell, run};
    use super::*;

    #[test]
    fn the_committed_run_has_every_cell_the_chapter_shows() {
        let bench = Bench::load().unwrap();
        for (n, c) in [(512, 5), (4096, 32_000), BIG] {
            for op in [Op::Forward, Op::ForwardBackward] {
                let table = bench.table(n, c, op).unwrap();
                assert!(table.lines().count() >= 6, "{table}");
            }
        }
        assert_eq!(bench.linear_table().unwrap().lines().count(), 10);
        assert!(bench.roofline(BIG.0, BIG.1).unwrap().lines().count() >= 10);
        let t = bench.findings().unwrap();
        for r in t.torch_over_in_place.iter().chain(&t.forward_over_read) {
            assert!(r.is_finite() && *r > 0.0);
        }
    }

    #[test]
    fn cells_ratios_and_memory_are_read_as_written() {
        let spread = |median| Spread {
            median,
            min: 0.5,
            max: 4.0,
            samples: 3,
        };
        let mut ours = cell((2, 3, 1), Peer::Ours, Op::Forward, 1.0, 0.0);
        ours.seconds = spread(1.0);
        let mut torch = cell((2, 3, 1), Peer::TorchThp, Op::Forward, 3.0, 96.0);
        torch.seconds = spread(3.0);
        let bench = run(vec![ours, torch], vec![]);
        let s = bench.seconds(2, 3, 1, Peer::TorchThp, Op::Forward).unwrap();
        assert_eq!(
            s,
            Spread {
                median: 3.0,
                min: 0.5,
                max: 4.0,
                samples: 3
            }
        );
        assert_eq!(
            bench
                .ratio(2, 3, 1, Peer::TorchThp, Peer::Ours, Op::Forward)
                .unwrap(),
            3.0
        );
        assert_eq!(
            bench
                .peak_bytes(2, 3, 1, Peer::TorchThp, Op::Forward)
                .unwrap(),
            96.0
        );
        assert!(bench.seconds(2, 3, 2, Peer::Ours, Op::Forward).is_err());
    }

    #[test]
    fn a_missing_cell_is_an_error_that_says_what_to_run() {
        let bench = run(vec![], vec![]);
        let e = bench.table(8, 8, Op::Forward).unwrap_err();
        assert!(e.to_string().contains("cargo xtask bench"), "{e}");
        assert_eq!(
            bench
                .seconds(1, 1, 1, Peer::Ours, Op::Forward)
                .unwrap_err()
                .to_string(),
            "bench/results.json has no measurement for ours forward [1, 1] × 1; run `cargo xtask bench`"
        );
    }
}
