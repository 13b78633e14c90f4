//! Small runs for the tests: cells built by hand, and the cells of the committed run of
//! 2026-11-29 that the chapter's ratios read.

use super::{Bench, Cell, LinearCell, LinearPeer, Machine, Op, Peer, Results, Spread, Versions};

/// A spread whose samples all equal `median` in time, and rise from 0 to `peak` in memory.
fn spreads(median: f64, peak: f64) -> (Spread, Spread) {
    let seconds = Spread {
        median,
        min: median,
        max: median,
        samples: 3,
    };
    let peak = Spread {
        median: peak,
        min: 0.0,
        max: peak,
        samples: 3,
    };
    (seconds, peak)
}

/// One `[N, C]` cell of `peer` doing `op` on `(n, c, threads)`.
pub fn cell(
    (n, c, threads): (usize, usize, usize),
    peer: Peer,
    op: Op,
    median: f64,
    peak: f64,
) -> Cell {
    let (seconds, peak_bytes) = spreads(median, peak);
    Cell {
        n,
        c,
        threads,
        peer,
        op,
        seconds,
        peak_bytes,
    }
}

/// One linear cross-entropy cell on the committed shapes, `[4096, 512] · [512, 32000]`.
pub fn linear(peer: LinearPeer, threads: usize, median: f64, peak: f64) -> LinearCell {
    let (seconds, peak_bytes) = spreads(median, peak);
    LinearCell {
        n: 4096,
        h: 512,
        c: 32_000,
        threads,
        peer,
        chunk: Some(128),
        seconds,
        peak_bytes,
        loss: 10.535429000854492,
        grad_norm: vec![0.25, 1.5],
    }
}

/// A run holding only `cells` and `linears`.
pub fn run(cells: Vec<Cell>, linears: Vec<LinearCell>) -> Bench {
    Bench::new(Results {
        date: "2026-11-29".into(),
        machine: Machine {
            kernels: "avx2+fma".to_string(),
            cpu: "AMD EPYC".into(),
            cores: 2,
            simd: vec!["avx2".into(), "fma".into()],
            memory_gib: 24.0,
            transparent_hugepage: "always [madvise] never".into(),
        },
        versions: Versions {
            rustc: "rustc 1.95.0".into(),
            torch: "2.15.0".into(),
            candle_nn: "0.11.1".into(),
            ndarray: "0.17.2".into(),
        },
        rounds: 3,
        method: "a test fixture".into(),
        cross_entropy: cells,
        linear_cross_entropy: linears,
    })
}

/// A run holding the `[8192, 50257]` cells and linear entries the findings and tables
/// read, with round medians (seconds, bytes) whose ratios the tests can state.
pub fn real_cells() -> Bench {
    use Op::{Forward, ForwardBackward as Fb, ReadOnce, ReadWrite};
    use Peer::*;
    let big = |threads| (8192, 50_257, threads);
    let mid = |threads| (4096, 32_000, threads);
    let mut cells = vec![
        cell(big(1), Ours, Forward, 0.2, 4096.0),
        cell(big(2), Ours, Forward, 0.1, 4096.0),
        cell(big(1), OursInCache, Forward, 0.18, 0.0),
        cell(big(2), OursInCache, Forward, 0.1, 0.0),
        cell(big(1), OursInCache, Fb, 0.3, 0.0),
        cell(big(2), OursInCache, Fb, 0.15, 0.0),
        cell(big(1), OursInPlace, Fb, 0.32, 0.0),
        cell(big(2), OursInPlace, Fb, 0.18, 24576.0),
        cell(big(1), OursInto, Fb, 0.4, 0.0),
        cell(big(2), OursInto, Fb, 0.2, 0.0),
        cell(big(1), Ours, Fb, 0.5, 1646788608.0),
        cell(big(2), Ours, Fb, 0.3, 1646825472.0),
        cell(big(1), OursSmallPages, Fb, 0.8, 1646678016.0),
        cell(big(2), OursSmallPages, Fb, 0.5, 1646737408.0),
        cell(big(1), TorchThp, Fb, 1.6, 4940333056.0),
        cell(big(2), TorchThp, Fb, 1.2, 4940201984.0),
        cell(big(1), TorchDefault, Fb, 2.4, 4940265472.0),
        cell(big(2), TorchDefault, Fb, 1.6, 4940247040.0),
        cell(big(1), TorchThp, Forward, 0.9, 1646821376.0),
        cell(big(2), TorchThp, Forward, 0.6, 1646821376.0),
        cell(big(1), TorchDefault, Forward, 1.0, 1646821376.0),
        cell(big(2), TorchDefault, Forward, 0.7, 1646821376.0),
        cell(big(1), Peer::ReadOnce, ReadOnce, 0.16, 32768.0),
        cell(big(2), Peer::ReadOnce, ReadOnce, 0.08, 63488.0),
        cell(big(1), Peer::ReadWrite, ReadWrite, 0.17, 0.0),
        cell(big(2), Peer::ReadWrite, ReadWrite, 0.09, 0.0),
        // The `[4096, 32000]` and `[512, 5]` cells the findings read.
        cell(mid(1), Ours, Fb, 0.2, 0.0),
        cell(mid(2), Ours, Fb, 0.15, 0.0),
        cell(mid(1), TorchThp, Fb, 0.6, 0.0),
        cell(mid(2), TorchThp, Fb, 0.4, 0.0),
        cell((512, 5, 1), Peer::ReadOnce, ReadOnce, 3e-07, 0.0),
    ];
    // candle-nn, measured on the middle problem only.
    cells.push(cell(mid(1), Candle, Fb, 30.0, 0.0));
    let linears = vec![
        linear(LinearPeer::Ours, 1, 8.0, 80580608.0),
        linear(LinearPeer::Ours, 2, 6.0, 73777152.0),
        linear(LinearPeer::TorchChunked, 1, 8.5, 90226688.0),
        linear(LinearPeer::TorchChunked, 2, 5.5, 90222592.0),
        linear(LinearPeer::TorchUnfused, 1, 9.0, 1572610048.0),
        linear(LinearPeer::TorchUnfused, 2, 5.8, 1572716544.0),
    ]
    .into_iter()
    .map(|mut l| {
        // The same inputs on both sides: losses 1e-7 apart.
        l.loss = if l.peer == LinearPeer::Ours {
            10.5000001
        } else {
            10.5
        };
        l
    })
    .collect();
    run(cells, linears)
}
