//! `cargo xtask bench`: our fast path against its peers, in one run, alternating, and the
//! results the speed chapter is made from.
//!
//! Peers: PyTorch's `F.cross_entropy` (pinned in `xtask/py/requirements-bench.txt`,
//! installed into `target/bench/venv`) with huge pages (`THP_MEM_ALLOC_ENABLE=1`, its
//! fastest setting here) and without (its default), candle-nn's `loss::cross_entropy`
//! (built in `bench/peers`, outside the default `cargo test`), and the time to read the
//! logits once (the bandwidth floor). Then fused linear cross-entropy: ours, torch's
//! unfused `cross_entropy(h @ W.T, y)` and torch's chunked `F.linear_cross_entropy`.
//!
//! Every measurement is a fresh process (a "cell", see `bench/peers/src/main.rs` and
//! `bench/torch_worker.py`) that warms up right before its timed calls; rounds repeat the
//! whole list so that the peers alternate and share whatever the machine was doing.
//! `BENCH_ROUNDS` (default 3) sets the number of rounds. The results go to
//! `bench/results.json`, in the types of `listings::machinery::speed::results`; the
//! chapter's tables (listing output), figures and notebook are then regenerated from it.

mod cells;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use listings::machinery::fresh::write_if_changed;
use listings::machinery::speed::{
    Cell, LinearCell, LinearPeer, Machine, Op, Peer, Results, Versions,
};
use serde::Deserialize;
use serde_json::Value;

use crate::process::{cargo, output, run_command};
use crate::python;
use cells::{
    CHUNK, LINEAR, LinearMeasured, Measured, RUNNERS, SHAPES, THREADS, cell, filed, inputs_command,
    linear_command, measures, nc_command,
};

/// How a cell is measured, in the results file's words.
const METHOD: &str = "each cell is a fresh process: one warm-up call right before its timed calls; \
                      peak_bytes is the resident memory a call added at its peak (VmHWM after minus VmRSS before)";

/// The machine this runs on, from `/proc` and `/sys`; `kernels` is the compiled copy of
/// our kernels that ran, as the worker reported it.
fn machine(kernels: String) -> Result<Machine> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").context("reading /proc/cpuinfo")?;
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let simd = ["avx2", "fma", "avx512f"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .map(String::from)
        .collect();
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| (kib / 1024.0 / 1024.0).round());
    let thp =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    Ok(Machine {
        cpu: field("model name"),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        simd,
        kernels,
        memory_gib,
        transparent_hugepage: thp.trim().to_string(),
    })
}

/// Runs the benchmark, writes `bench/results.json`, and regenerates what reads it.
pub fn run(root: &Path) -> Result<()> {
    let python = python::torch(root)?;
    run_command(cargo().args(["build", "--release", "--package", "bench-peers"]))
        .context("building the benchmark worker (bench/peers)")?;
    let worker: PathBuf = root.join("target/release/bench-peers");
    let torch_worker = root.join("bench/torch_worker.py");
    let programs = (worker.as_path(), python.as_path(), torch_worker.as_path());
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);

    let mut table: HashMap<(usize, usize, usize, Peer, Op), Measured> = HashMap::new();
    let mut linear: HashMap<(usize, LinearPeer), (Measured, f64, Vec<f64>)> = HashMap::new();
    let mut torch_version = None;
    let mut kernels = None;
    // Both sides compute on the same numbers: the Rust worker writes each problem's inputs
    // once, the torch worker reads them.
    let inputs_dir = root.join("target/bench/inputs");
    std::fs::create_dir_all(&inputs_dir).context("creating target/bench/inputs")?;
    let prefix = |name: String| inputs_dir.join(name);
    for &(n, c, _) in &SHAPES {
        cell(&mut inputs_command(
            &worker,
            false,
            (n, c),
            &prefix(format!("{n}x{c}")),
        ))?;
    }
    let linear_inputs = prefix("linear".to_string());
    cell(&mut inputs_command(&worker, true, (0, 0), &linear_inputs))?;
    let started = std::time::Instant::now();
    for round in 1..=rounds {
        for &(n, c, iters) in &SHAPES {
            for threads in THREADS {
                for runner in RUNNERS.iter().filter(|r| measures(r, n, c)) {
                    eprintln!(
                        "xtask: round {round}/{rounds}: [{n}, {c}], {threads} thread(s), {}",
                        runner.peer
                    );
                    let inputs = prefix(format!("{n}x{c}"));
                    let mut command = nc_command(runner, programs, (n, c, iters, threads), &inputs);
                    let measured = cell(&mut command)?;
                    if let Some(version) = measured.get("torch").and_then(Value::as_str) {
                        torch_version = Some(version.to_string());
                    }
                    if runner.peer == Peer::Ours
                        && let Some(clone) = measured.get("kernels").and_then(Value::as_str)
                    {
                        kernels = Some(clone.to_string());
                    }
                    for (op, result) in measured.as_object().into_iter().flatten() {
                        if !result.is_object() {
                            continue;
                        }
                        let Some((peer, op)) = filed(runner.peer, op)? else {
                            continue;
                        };
                        let more = Measured::deserialize(result)
                            .with_context(|| format!("{command:?} printed {result}"))?;
                        table
                            .entry((n, c, threads, peer, op))
                            .or_default()
                            .absorb(more);
                    }
                }
            }
        }
        for threads in THREADS {
            for peer in LinearPeer::ALL.iter().copied() {
                eprintln!(
                    "xtask: {:>5.0} s, round {round}/{rounds}: linear CE, {threads} thread(s), {peer}",
                    started.elapsed().as_secs_f64()
                );
                let mut command = linear_command(peer, programs, threads, &linear_inputs);
                let printed = cell(&mut command)?;
                let more = LinearMeasured::deserialize(&printed)
                    .with_context(|| format!("{command:?} printed {printed}"))?;
                let entry = linear.entry((threads, peer)).or_default();
                entry.0.absorb(more.measured);
                entry.1 = more.loss;
                entry.2 = more.grad_norm;
            }
        }
    }

    let mut cross_entropy = Vec::new();
    for ((n, c, threads, peer, op), samples) in table {
        let (seconds, peak_bytes) =
            samples.spreads(&format!("{peer} {op} [{n}, {c}] × {threads}"))?;
        cross_entropy.push(Cell {
            n,
            c,
            threads,
            peer,
            op,
            seconds,
            peak_bytes,
        });
    }
    // In the order earlier runs filed them: by shape, threads, then the names.
    cross_entropy.sort_by_key(|e| (e.n, e.c, e.threads, e.peer.name(), e.op.name()));
    let (n, h, c) = LINEAR;
    let mut linear_cross_entropy = Vec::new();
    for ((threads, peer), (samples, loss, grad_norm)) in linear {
        let (seconds, peak_bytes) =
            samples.spreads(&format!("linear cross-entropy {peer} × {threads}"))?;
        linear_cross_entropy.push(LinearCell {
            n,
            h,
            c,
            threads,
            peer,
            chunk: (peer == LinearPeer::Ours).then_some(CHUNK),
            seconds,
            peak_bytes,
            loss,
            grad_norm,
        });
    }
    linear_cross_entropy.sort_by_key(|e| (e.threads, e.peer.name()));

    let locked = |krate: &str| xtask::notebooks::locked_version(root, krate);
    let results = Results {
        date: output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?,
        machine: machine(kernels.context("no cell of ours reported its kernels")?)?,
        versions: Versions {
            rustc: output(Command::new("rustc").arg("--version"))?,
            torch: torch_version.context("no torch cell printed torch's version")?,
            candle_nn: locked("candle-nn")?,
            ndarray: locked("ndarray")?,
        },
        rounds,
        method: METHOD.to_string(),
        cross_entropy,
        linear_cross_entropy,
    };
    let path = root.join("bench/results.json");
    let text = results.to_json().context("writing the results as JSON")?;
    write_if_changed(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    regenerate(root)
}

/// After new results (of the bench or of chapter 7's training): the chapters' listing output (the speed chapter's tables are listing
/// output), the figures and the notebooks, each reading the new file.
pub(crate) fn regenerate(root: &Path) -> Result<()> {
    run_command(
        cargo()
            .args(["test", "--package", "listings", "--test", "chapters"])
            .env("UPDATE_EXPECT", "1"),
    )
    .context("regenerating the chapters' output from the new results")?;
    super::figures::run(root)?;
    super::notebooks::run(root)
}
