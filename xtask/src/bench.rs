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
//! `bench/results.json`; the chapter's tables (listing output), figures and notebook are
//! then regenerated from it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::{Result, cargo, run};

/// `[N, C]` and timed calls per cell: many for the tiny problem, where one call takes
/// microseconds, a few for the big ones.
const SHAPES: [(usize, usize, usize); 3] = [(512, 5, 200), (4096, 32_000, 3), (8192, 50_257, 2)];
const THREADS: [usize; 2] = [1, 2];
/// Fused linear cross-entropy: N, H, C, and our chunk of rows.
const LINEAR: (usize, usize, usize) = (4096, 512, 32_000);
const CHUNK: usize = 128;

/// One peer of the `[N, C]` benchmark: how to start its cell, and the name it is filed under.
struct Peer {
    name: &'static str,
    rust_impl: Option<&'static str>,
    thp: &'static str,
}

const PEERS: [Peer; 6] = [
    Peer {
        name: "ours",
        rust_impl: Some("ours"),
        thp: "0",
    },
    // The same code with glibc's malloc asking for transparent huge pages, as torch does
    // with THP_MEM_ALLOC_ENABLE: only its fresh-gradient forward+backward is kept.
    Peer {
        name: "ours (THP)",
        rust_impl: Some("ours"),
        thp: "1",
    },
    Peer {
        name: "torch (THP)",
        rust_impl: None,
        thp: "1",
    },
    Peer {
        name: "torch (default)",
        rust_impl: None,
        thp: "0",
    },
    Peer {
        name: "candle-nn",
        rust_impl: Some("candle"),
        thp: "0",
    },
    Peer {
        name: "read once",
        rust_impl: Some("floor"),
        thp: "0",
    },
];

/// Timed calls for one cell. candle-nn spends most of a big call in the kernel, faulting in
/// the fresh pages of its `[N, C]` temporaries (half a minute a call at `[4096, 32000]`):
/// one timed call per cell there, or the run would take an hour.
fn peer_iters(peer: &Peer, n: usize, iters: usize) -> usize {
    if peer.name == "candle-nn" && n > 512 {
        1
    } else {
        iters
    }
}

fn output(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn cell(command: &mut Command) -> Result<Value> {
    let line = output(command)?;
    let last = line.lines().last().unwrap_or_default();
    serde_json::from_str(last).map_err(|e| format!("{command:?} printed {line:?}: {e}"))
}

fn threads_env(command: &mut Command, threads: usize) -> &mut Command {
    let t = threads.to_string();
    command
        .env("RAYON_NUM_THREADS", &t)
        .env("CANDLE_NUM_THREADS", &t)
        .env("MATMUL_NUM_THREADS", &t)
        .env("OMP_NUM_THREADS", &t)
}

fn machine() -> Result<Value> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").map_err(|e| e.to_string())?;
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let simd: Vec<&str> = ["avx2", "fma", "avx512f"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    let memory = std::fs::read_to_string("/proc/meminfo")
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
    Ok(json!({
        "cpu": field("model name"),
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "simd": simd,
        "memory_gib": memory,
        "transparent_hugepage": thp.trim(),
    }))
}

/// Samples gathered over the rounds, filed by a key.
#[derive(Default)]
struct Samples {
    seconds: Vec<f64>,
    peak_bytes: Vec<f64>,
}

fn absorb(samples: &mut Samples, measured: &Value) {
    let numbers = |k: &str| -> Vec<f64> {
        measured[k]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    samples.seconds.extend(numbers("seconds"));
    samples.peak_bytes.extend(numbers("peak_bytes"));
}

fn summary(values: &[f64]) -> Value {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    json!({
        "median": median,
        "min": sorted.first(),
        "max": sorted.last(),
        "samples": values.len(),
    })
}

/// The venv with the pinned PyTorch (`target/bench/venv`), created and filled if needed;
/// returns its Python.
pub fn torch_python(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/bench/venv");
    if !venv.join("bin/python").exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    crate::jupyter::pip_install(&venv, &root.join("xtask/py/requirements-bench.txt"))?;
    Ok(venv.join("bin/python"))
}

pub fn bench(root: &Path) -> Result {
    let python = torch_python(root)?;
    run(cargo().args(["build", "--release", "--package", "bench-peers"]))?;
    let worker = root.join("target/release/bench-peers");
    let torch_worker = root.join("bench/torch_worker.py");
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);

    let mut table: std::collections::BTreeMap<(usize, usize, usize, String, String), Samples> =
        Default::default();
    let mut linear: std::collections::BTreeMap<(usize, String), (Samples, f64)> =
        Default::default();
    let mut torch_version = Value::Null;
    let started = std::time::Instant::now();
    for round in 1..=rounds {
        for &(n, c, iters) in &SHAPES {
            for threads in THREADS {
                for peer in &PEERS {
                    eprintln!(
                        "xtask: round {round}/{rounds}: [{n}, {c}], {threads} thread(s), {}",
                        peer.name
                    );
                    let mut command = match peer.rust_impl {
                        Some(kind) => {
                            let mut c = Command::new(&worker);
                            c.args(["cell", "--impl", kind]);
                            c
                        }
                        None => {
                            let mut c = Command::new(&python);
                            c.arg(&torch_worker)
                                .arg("cell")
                                .args(["--threads", &threads.to_string()]);
                            c
                        }
                    };
                    command
                        .args(["--n", &n.to_string(), "--c", &c.to_string()])
                        .args(["--iters", &peer_iters(peer, n, iters).to_string()])
                        .env("THP_MEM_ALLOC_ENABLE", peer.thp);
                    if peer.rust_impl.is_some() && peer.thp == "1" {
                        command.env("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
                    }
                    let measured = cell(threads_env(&mut command, threads))?;
                    if measured.get("torch").is_some() {
                        torch_version = measured["torch"].clone();
                    }
                    for (op, result) in measured.as_object().into_iter().flatten() {
                        if !result.is_object() {
                            continue;
                        }
                        let (name, op) = match (peer.name, op.as_str()) {
                            ("ours (THP)", "forward_backward") => (peer.name, "forward_backward"),
                            ("ours (THP)", _) => continue,
                            (_, "forward_backward_in_place") => {
                                ("ours (in place)", "forward_backward")
                            }
                            (name, other) => (name, other),
                        };
                        let key = (n, c, threads, name.to_string(), op.to_string());
                        absorb(table.entry(key).or_default(), result);
                    }
                }
            }
        }
        let (n, h, c) = LINEAR;
        for threads in THREADS {
            for name in ["ours", "torch unfused", "torch linear_cross_entropy"] {
                eprintln!(
                    "xtask: {:>5.0} s, round {round}/{rounds}: linear CE, {threads} thread(s), {name}",
                    started.elapsed().as_secs_f64()
                );
                let sizes = [("--n", n), ("--h", h), ("--c", c), ("--reps", 1)];
                let mut command = if name == "ours" {
                    let mut command = Command::new(&worker);
                    command.arg("linear").args(["--chunk", &CHUNK.to_string()]);
                    command
                } else {
                    let kind = if name == "torch unfused" {
                        "unfused"
                    } else {
                        "chunked"
                    };
                    let mut command = Command::new(&python);
                    command
                        .arg(&torch_worker)
                        .args(["linear", "--impl", kind, "--threads", &threads.to_string()])
                        .env("THP_MEM_ALLOC_ENABLE", "1");
                    command
                };
                for (flag, value) in sizes {
                    command.args([flag, &value.to_string()]);
                }
                let measured = cell(threads_env(&mut command, threads))?;
                let entry = linear.entry((threads, name.to_string())).or_default();
                absorb(&mut entry.0, &measured);
                entry.1 = measured["loss"].as_f64().unwrap_or(f64::NAN);
            }
        }
    }

    let cross_entropy: Vec<Value> = table
        .iter()
        .map(|((n, c, threads, name, op), s)| {
            json!({
                "n": n, "c": c, "threads": threads, "impl": name, "op": op,
                "seconds": summary(&s.seconds), "peak_bytes": summary(&s.peak_bytes),
            })
        })
        .collect();
    let linear: Vec<Value> = linear
        .iter()
        .map(|((threads, name), (s, loss))| {
            json!({
                "n": LINEAR.0, "h": LINEAR.1, "c": LINEAR.2, "threads": threads, "impl": name,
                "chunk": if name == "ours" { Some(CHUNK) } else { None },
                "seconds": summary(&s.seconds), "peak_bytes": summary(&s.peak_bytes),
                "loss": loss,
            })
        })
        .collect();
    let locked = |krate: &str| xtask::notebooks::locked_version(root, krate);
    let rustc = output(Command::new("rustc").arg("--version"))?;
    let date = output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?;
    let results = json!({
        "date": date,
        "machine": machine()?,
        "versions": {
            "rustc": rustc,
            "torch": torch_version,
            "candle-nn": locked("candle-nn")?,
            "ndarray": locked("ndarray")?,
        },
        "rounds": rounds,
        "method": "each cell is a fresh process: one warm-up call right before its timed calls; \
                   peak_bytes is the resident memory a call added at its peak (VmHWM after minus VmRSS before)",
        "cross_entropy": cross_entropy,
        "linear_cross_entropy": linear,
    });
    let path = root.join("bench/results.json");
    let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
