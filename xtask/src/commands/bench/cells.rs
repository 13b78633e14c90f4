//! One cell of the benchmark: the worker command that measures it (a fresh process per
//! cell), and what the worker prints, filed under the results' peer and operation names.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use listings::machinery::speed::{LinearPeer, Op, Peer, Spread};
use serde::Deserialize;
use serde_json::Value;

use crate::process::output;

/// `[N, C]` and timed calls per cell: many for the tiny problem, where one call takes
/// microseconds, a few for the big ones.
pub const SHAPES: [(usize, usize, usize); 3] =
    [(512, 5, 200), (4096, 32_000, 3), (8192, 50_257, 2)];
pub const THREADS: [usize; 2] = [1, 2];
/// Fused linear cross-entropy: N, H, C, and our chunk of rows.
pub const LINEAR: (usize, usize, usize) = (4096, 512, 32_000);
pub const CHUNK: usize = 128;

/// How to start one peer's cell of the `[N, C]` benchmark.
pub struct Runner {
    /// The peer its measurements are filed under (see [`filed`]).
    pub peer: Peer,
    /// The Rust worker's `--impl`, or `None` for the torch worker.
    rust_impl: Option<&'static str>,
    /// Whether its memory may come in transparent huge pages: torch's
    /// `THP_MEM_ALLOC_ENABLE`; for ours, `false` forbids them (`BENCH_NO_THP`).
    thp: bool,
}

pub const RUNNERS: [Runner; 6] = [
    // Our public API: a fresh gradient asks for huge pages itself.
    Runner {
        peer: Peer::Ours,
        rust_impl: Some("ours"),
        thp: true,
    },
    // The same code in a process without huge pages, the peer of torch's default: only
    // its fresh-gradient forward+backward is kept.
    Runner {
        peer: Peer::OursSmallPages,
        rust_impl: Some("ours"),
        thp: false,
    },
    Runner {
        peer: Peer::TorchThp,
        rust_impl: None,
        thp: true,
    },
    Runner {
        peer: Peer::TorchDefault,
        rust_impl: None,
        thp: false,
    },
    Runner {
        peer: Peer::Candle,
        rust_impl: Some("candle"),
        thp: false,
    },
    Runner {
        peer: Peer::ReadOnce,
        rust_impl: Some("floor"),
        thp: false,
    },
];

/// Where a worker's measurement named `op` (its JSON key) is filed: ours' in-place and
/// into-a-buffer calls under their own names; of the small-page run of ours only the
/// fresh-gradient forward+backward (`None`: dropped); the floor's write-back under
/// `read + write`.
pub fn filed(peer: Peer, op: &str) -> Result<Option<(Peer, Op)>> {
    Ok(Some(match (peer, op) {
        (Peer::OursSmallPages, "forward_backward") => (peer, Op::ForwardBackward),
        (Peer::OursSmallPages, _) => return Ok(None),
        (_, "forward_backward_in_place") => (Peer::OursInPlace, Op::ForwardBackward),
        (_, "forward_backward_into") => (Peer::OursInto, Op::ForwardBackward),
        (_, "forward") => (peer, Op::Forward),
        (_, "forward_backward") => (peer, Op::ForwardBackward),
        (_, "read_once") => (peer, Op::ReadOnce),
        (_, "read_write") => (Peer::ReadWrite, Op::ReadWrite),
        (_, "forward_in_cache") => (Peer::OursInCache, Op::Forward),
        (_, "forward_backward_in_cache") => (Peer::OursInCache, Op::ForwardBackward),
        (_, other) => {
            bail!("the {peer} worker measured `{other}`, an operation the results have no name for")
        }
    }))
}

/// Whether `runner` measures `[n, c]`. candle-nn spends most of a big call in the kernel,
/// faulting in the fresh pages of its `[N, C]` temporaries (half a minute a call at
/// `[4096, 32000]`, more above): it runs on the two smaller problems only, or the run
/// would take an hour.
pub fn measures(runner: &Runner, n: usize, c: usize) -> bool {
    runner.peer != Peer::Candle || n * c <= 4096 * 32_000
}

/// Timed calls for one cell: candle-nn gets one on anything but the tiny problem.
fn runner_iters(runner: &Runner, n: usize, iters: usize) -> usize {
    if runner.peer == Peer::Candle && n > 512 {
        1
    } else {
        iters
    }
}

/// What a worker prints for one timed operation: each call's seconds and added peak bytes.
#[derive(Debug, Default, Deserialize)]
pub struct Measured {
    seconds: Vec<f64>,
    peak_bytes: Vec<f64>,
}

impl Measured {
    pub fn absorb(&mut self, more: Measured) {
        self.seconds.extend(more.seconds);
        self.peak_bytes.extend(more.peak_bytes);
    }

    /// The spreads of seconds and of peak bytes; `what` names the cell if it has no samples.
    pub fn spreads(&self, what: &str) -> Result<(Spread, Spread)> {
        let spread = |values: &[f64]| {
            Spread::of(values).with_context(|| format!("{what} gathered no samples"))
        };
        Ok((spread(&self.seconds)?, spread(&self.peak_bytes)?))
    }
}

/// What the torch worker adds to a linear cell: the loss of its last call.
#[derive(Debug, Deserialize)]
pub struct LinearMeasured {
    #[serde(flatten)]
    pub measured: Measured,
    pub loss: f64,
    /// `[‖dL/dH‖, ‖dL/dW‖]` of the last call.
    pub grad_norm: Vec<f64>,
}

/// The JSON line a cell prints last.
pub fn cell(command: &mut Command) -> Result<Value> {
    let line = output(command)?;
    let last = line.lines().last().unwrap_or_default();
    serde_json::from_str(last).with_context(|| format!("{command:?} printed {line:?}"))
}

fn threads_env(command: &mut Command, threads: usize) -> &mut Command {
    let t = threads.to_string();
    command
        .env("RAYON_NUM_THREADS", &t)
        .env("CANDLE_NUM_THREADS", &t)
        .env("MATMUL_NUM_THREADS", &t)
        .env("OMP_NUM_THREADS", &t)
}

/// The command that writes the inputs of a problem for the torch worker (`--for cell` with
/// `[n, c]`, or `--for linear` with [`LINEAR`]) to files starting with `prefix`.
pub fn inputs_command(
    worker: &Path,
    linear: bool,
    (n, c): (usize, usize),
    prefix: &Path,
) -> Command {
    let mut command = Command::new(worker);
    command.arg("inputs").arg("--prefix").arg(prefix);
    if linear {
        let (n, h, c) = LINEAR;
        command.args([
            "--for",
            "linear",
            "--n",
            &n.to_string(),
            "--h",
            &h.to_string(),
        ]);
        command.args(["--c", &c.to_string()]);
    } else {
        command.args([
            "--for",
            "cell",
            "--n",
            &n.to_string(),
            "--c",
            &c.to_string(),
        ]);
    }
    command
}

/// The command that measures one `[N, C]` cell of `runner`.
pub fn nc_command(
    runner: &Runner,
    (worker, python, torch_worker): (&Path, &Path, &Path),
    (n, c, iters, threads): (usize, usize, usize, usize),
    inputs: &Path,
) -> Command {
    let mut command = match runner.rust_impl {
        Some(kind) => {
            let mut c = Command::new(worker);
            c.args(["cell", "--impl", kind]);
            c
        }
        None => {
            let mut c = Command::new(python);
            c.arg(torch_worker)
                .arg("cell")
                .args(["--threads", &threads.to_string()])
                .arg("--inputs")
                .arg(inputs);
            c
        }
    };
    command
        .args(["--n", &n.to_string(), "--c", &c.to_string()])
        .args(["--iters", &runner_iters(runner, n, iters).to_string()])
        .env("THP_MEM_ALLOC_ENABLE", if runner.thp { "1" } else { "0" });
    if runner.rust_impl.is_some() && !runner.thp {
        command.env("BENCH_NO_THP", "1");
    }
    threads_env(&mut command, threads);
    command
}

/// The command that measures one linear cross-entropy cell of `peer`.
pub fn linear_command(
    peer: LinearPeer,
    (worker, python, torch_worker): (&Path, &Path, &Path),
    threads: usize,
    inputs: &Path,
) -> Command {
    let (n, h, c) = LINEAR;
    let mut command = match peer {
        LinearPeer::Ours => {
            let mut command = Command::new(worker);
            command.arg("linear").args(["--chunk", &CHUNK.to_string()]);
            command
        }
        LinearPeer::TorchUnfused | LinearPeer::TorchChunked => {
            let kind = if peer == LinearPeer::TorchUnfused {
                "unfused"
            } else {
                "chunked"
            };
            let mut command = Command::new(python);
            command
                .arg(torch_worker)
                .args(["linear", "--impl", kind, "--threads", &threads.to_string()])
                .arg("--inputs")
                .arg(inputs)
                .env("THP_MEM_ALLOC_ENABLE", "1");
            command
        }
    };
    for (flag, value) in [("--n", n), ("--h", h), ("--c", c), ("--reps", 1)] {
        command.args([flag, &value.to_string()]);
    }
    threads_env(&mut command, threads);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_and_huge_page_runs_are_filed_under_their_own_names() {
        let fb = Op::ForwardBackward;
        assert_eq!(
            filed(Peer::Ours, "forward_backward_in_place").unwrap(),
            Some((Peer::OursInPlace, fb))
        );
        assert_eq!(
            filed(Peer::Ours, "forward_backward_into").unwrap(),
            Some((Peer::OursInto, fb))
        );
        assert_eq!(filed(Peer::OursSmallPages, "forward").unwrap(), None);
        assert_eq!(
            filed(Peer::OursSmallPages, "forward_backward").unwrap(),
            Some((Peer::OursSmallPages, fb))
        );
        assert_eq!(
            filed(Peer::ReadOnce, "read_write").unwrap(),
            Some((Peer::ReadWrite, Op::ReadWrite))
        );
        let candle = RUNNERS.iter().find(|r| r.peer == Peer::Candle).unwrap();
        assert!(measures(candle, 4096, 32_000) && !measures(candle, 8192, 50_257));
        assert_eq!(
            filed(Peer::ReadOnce, "read_once").unwrap(),
            Some((Peer::ReadOnce, Op::ReadOnce))
        );
        let err = filed(Peer::TorchThp, "backward").unwrap_err();
        assert!(err.to_string().contains("`backward`"), "{err}");
    }

    #[test]
    fn a_workers_line_becomes_spreads() {
        let printed = serde_json::json!({
            "seconds": [0.3, 0.1, 0.2], "peak_bytes": [4096.0, 0.0, 0.0],
            "loss": 10.535429000854492, "threads": 1, "torch": "2.15.0+cu132",
            "grad_norm": [0.25, 1.5],
        });
        let linear = LinearMeasured::deserialize(&printed).unwrap();
        assert_eq!(linear.loss, 10.535429000854492);
        let (seconds, peak) = linear.measured.spreads("ours × 1").unwrap();
        assert_eq!((seconds.median, seconds.min, seconds.max), (0.2, 0.1, 0.3));
        assert_eq!((peak.median, peak.max, peak.samples), (0.0, 4096.0, 3));
        let err = Measured::default().spreads("ours forward [512, 5] × 1");
        assert!(err.unwrap_err().to_string().contains("gathered no samples"));
    }
}
