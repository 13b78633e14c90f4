//! The Rust side of `cargo xtask bench`: one measurement "cell" per process.
//!
//! `bench-worker inputs --for cell|linear --n N [--h H] --c C --prefix P` writes a cell's
//! inputs to files that the torch worker reads, so that both sides compute on the same
//! numbers.
//!
//! `bench-worker cell --impl ours|candle|floor --n N --c C --iters K` makes logits `[N, C]`
//! (uniform in [-4, 4)) and targets, and for each operation of that implementation runs one
//! warm-up call right before K timed calls, recording each call's seconds and the peak
//! resident memory it added (VmHWM after the call minus VmRSS before it; the kernel's
//! `clear_refs` resets the peak). `bench-worker linear --n --h --c --reps --chunk` does the
//! same for our fused linear cross-entropy. It prints one JSON line. The thread count comes
//! from `RAYON_NUM_THREADS` (rayon, and candle's own pool, read it) and
//! `MATMUL_NUM_THREADS` (ndarray's matrix product), which the xtask sets per cell: a fresh
//! process per cell keeps each cell's memory and pages its own.

use std::hint::black_box;
use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use listings::fast::linear_cross_entropy;
use listings::{CrossEntropyLoss, Target};
use multiversion::multiversion;
use ndarray::{Array1, Array2};
use rayon::prelude::*;

type Failure = Box<dyn std::error::Error>;

/// A small, fast, deterministic generator (SplitMix64), one stream per row so rows can be
/// filled in parallel.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn uniform(state: &mut u64) -> f32 {
    (splitmix(state) >> 40) as f32 / (1u64 << 24) as f32
}

/// Logits uniform in [-4, 4) times `scale`, and targets uniform over the classes.
fn problem(n: usize, c: usize, scale: f32, salt: u64) -> (Array2<f32>, Array1<i64>) {
    let mut logits = Array2::<f32>::zeros((n, c));
    if c > 0 {
        let flat = logits.as_slice_mut().expect("a fresh array is contiguous");
        flat.par_chunks_mut(c).enumerate().for_each(|(i, row)| {
            let mut state = (i as u64 ^ salt << 40).wrapping_mul(0x1234_5678_9ABC_DEF1);
            row.iter_mut()
                .for_each(|x| *x = (uniform(&mut state) * 8.0 - 4.0) * scale);
        });
    }
    let mut state = 42;
    let targets = (0..n)
        .map(|_| (splitmix(&mut state) % c.max(1) as u64) as i64)
        .collect();
    (logits, targets)
}

fn status_bytes(field: &str) -> Result<u64, Failure> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .ok_or_else(|| format!("{field} missing from /proc/self/status"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .ok_or("malformed status line")?
        .parse()?;
    Ok(kib * 1024)
}

/// One warm-up call, then `iters` timed calls, each with the memory it added at its peak.
/// `prepare` runs untimed before every call (to restore logits an in-place call consumed).
fn measure(
    iters: usize,
    mut prepare: impl FnMut(),
    mut call: impl FnMut() -> Result<(), Failure>,
) -> Result<serde_json::Value, Failure> {
    prepare();
    call()?;
    let (mut seconds, mut peaks) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        prepare();
        std::fs::write("/proc/self/clear_refs", "5")?;
        let before = status_bytes("VmRSS")?;
        let start = Instant::now();
        call()?;
        seconds.push(start.elapsed().as_secs_f64());
        peaks.push(status_bytes("VmHWM")?.saturating_sub(before));
    }
    Ok(serde_json::json!({ "seconds": seconds, "peak_bytes": peaks }))
}

/// Reads every logit once: the least any cross-entropy over them can cost.
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn read_once(block: &[f32]) -> f32 {
    let mut acc = [0.0_f32; 16];
    for chunk in block.chunks_exact(16) {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a += x;
        }
    }
    acc.iter().sum()
}

/// Reads every logit and writes it back, scaled by a number that keeps it as it is.
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn read_write(block: &mut [f32]) {
    let keep = black_box(1.0_f32);
    block.iter_mut().for_each(|x| *x *= keep);
}

fn cell(kind: &str, n: usize, c: usize, iters: usize) -> Result<serde_json::Value, Failure> {
    let (logits, targets) = problem(n, c, 1.0, 0);
    let loss = CrossEntropyLoss::<f32>::new();
    let mut out = serde_json::Map::new();
    match kind {
        "ours" => {
            if std::env::var_os("BENCH_NO_THP").is_some() {
                // 4 KiB pages only, whatever the code asks for: the like-for-like peer of
                // torch's default allocator.
                // SAFETY: PR_SET_THP_DISABLE takes an integer and changes only how this
                // process's memory is backed.
                let zero: libc::c_ulong = 0;
                if unsafe {
                    libc::prctl(
                        libc::PR_SET_THP_DISABLE,
                        1 as libc::c_ulong,
                        zero,
                        zero,
                        zero,
                    )
                } != 0
                {
                    return Err("prctl(PR_SET_THP_DISABLE) failed".into());
                }
            }
            let x = logits.view().into_dyn();
            let target = || Target::Indices(targets.view().into_dyn());
            let fwd = measure(
                iters,
                || {},
                || {
                    black_box(loss.forward(x.clone(), target())?);
                    Ok(())
                },
            )?;
            out.insert("forward".into(), fwd);
            let fresh = measure(
                iters,
                || {},
                || {
                    black_box(loss.forward_backward(x.clone(), target())?);
                    Ok(())
                },
            )?;
            out.insert("forward_backward".into(), fresh);
            // The training loop's shape: one gradient buffer, kept from call to call.
            let buffer = std::cell::RefCell::new(Array2::<f32>::zeros((n, c)).into_dyn());
            let into = measure(
                iters,
                || {},
                || {
                    let mut buffer = buffer.borrow_mut();
                    black_box(loss.forward_backward_into(
                        x.clone(),
                        target(),
                        buffer.view_mut(),
                    )?);
                    Ok(())
                },
            )?;
            drop(buffer);
            out.insert("forward_backward_into".into(), into);
            // The in-place call consumes its logits: restore them, untimed, before each call.
            let work = std::cell::RefCell::new(logits.clone().into_dyn());
            let in_place = measure(
                iters,
                || work.borrow_mut().assign(&x),
                || {
                    let mut work = work.borrow_mut();
                    black_box(loss.forward_backward_in_place(work.view_mut(), target())?);
                    Ok(())
                },
            )?;
            out.insert("forward_backward_in_place".into(), in_place);
        }
        "candle" => {
            let device = Device::Cpu;
            let flat = logits.as_slice().ok_or("logits are contiguous")?;
            let x = Tensor::from_slice(flat, (n, c), &device)?;
            drop(logits);
            let t: Vec<u32> = targets.iter().map(|&t| t as u32).collect();
            let t = Tensor::from_vec(t, n, &device)?;
            let fwd = measure(
                iters,
                || {},
                || {
                    let l = candle_nn::loss::cross_entropy(&x, &t)?;
                    black_box(l.to_scalar::<f32>()?);
                    Ok(())
                },
            )?;
            out.insert("forward".into(), fwd);
            let var = Var::from_tensor(&x)?;
            let fwd_bwd = measure(
                iters,
                || {},
                || {
                    let l = candle_nn::loss::cross_entropy(var.as_tensor(), &t)?;
                    let grads = l.backward()?;
                    black_box(grads.get(var.as_tensor()).ok_or("no gradient")?);
                    Ok(())
                },
            )?;
            out.insert("forward_backward".into(), fwd_bwd);
        }
        "floor" => {
            let loss = CrossEntropyLoss::<f32>::new();
            let flat = logits.as_slice().ok_or("logits are contiguous")?;
            let chunk = (flat.len() / rayon::current_num_threads()).max(1024);
            let read = measure(
                iters,
                || {},
                || {
                    let s: f32 = flat.par_chunks(chunk).map(read_once).sum();
                    black_box(s);
                    Ok(())
                },
            )?;
            out.insert("read_once".into(), read);
            // Read every logit and write it back: the floor of anything that writes a
            // gradient over the logits.
            let mut work = logits.clone();
            let flat = work.as_slice_mut().ok_or("logits are contiguous")?;
            let write = std::cell::RefCell::new(flat);
            let read_write = measure(
                iters,
                || {},
                || {
                    let mut flat = write.borrow_mut();
                    flat.par_chunks_mut(chunk).for_each(read_write);
                    black_box(&flat[0]);
                    Ok(())
                },
            )?;
            out.insert("read_write".into(), read_write);
            // The arithmetic alone: our forward, and forward+backward into a buffer, on the
            // first rows only, repeated to cover all N rows: what the calls would cost if
            // memory were free (each call's own work included). The rows are few enough to
            // stay in cache: two per thread of 200 KB for the forward, one (and its
            // gradient) for forward+backward; more measured slower here. Only for rows that
            // long: on short rows the calls' own work would be all there is to see, and
            // with rows of 50,000 or more two rows make 2^16 logits, what the kernels need
            // to run a call on more than one thread.
            if c >= 50_000 {
                let threads = rayon::current_num_threads();
                for (name, rows) in [
                    ("forward_in_cache", 2 * threads),
                    ("forward_backward_in_cache", threads),
                ] {
                    let rows = rows.min(n);
                    let small = logits.slice(ndarray::s![..rows, ..]).into_dyn();
                    let small_targets = targets.slice(ndarray::s![..rows]).into_dyn();
                    let repeats = n.div_ceil(rows.max(1));
                    let mut grad = Array2::<f32>::zeros((rows, c)).into_dyn();
                    let in_cache = measure(
                        iters,
                        || {},
                        || {
                            for _ in 0..repeats {
                                let target = Target::Indices(small_targets.clone());
                                if name == "forward_in_cache" {
                                    black_box(loss.forward(small.clone(), target)?);
                                } else {
                                    black_box(loss.forward_backward_into(
                                        small.clone(),
                                        target,
                                        grad.view_mut(),
                                    )?);
                                }
                            }
                            Ok(())
                        },
                    )?;
                    out.insert(name.into(), in_cache);
                }
            }
        }
        other => return Err(format!("unknown implementation {other}").into()),
    }
    Ok(out.into())
}

fn linear(
    n: usize,
    h: usize,
    c: usize,
    reps: usize,
    chunk: usize,
) -> Result<serde_json::Value, Failure> {
    let (hidden, weight, targets) = linear_problem(n, h, c);
    let loss = CrossEntropyLoss::<f32>::new();
    let mut value = 0.0;
    let mut norms = [0.0_f64; 2];
    let norm = |a: &Array2<f32>| {
        a.iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt()
    };
    let result = measure(
        reps,
        || {},
        || {
            let (l, dh, dw) =
                linear_cross_entropy(&loss, hidden.view(), weight.view(), targets.view(), chunk)?;
            value = l[[]];
            norms = [norm(&dh), norm(&dw)];
            black_box((dh, dw));
            Ok(())
        },
    )?;
    let mut out = result;
    out["loss"] = value.into();
    // The gradients' sizes, to compare with torch's on the same inputs.
    out["grad_norm"] = serde_json::json!(norms);
    Ok(out)
}

/// Writes the inputs of a cell for the torch worker, so that both sides compute on the
/// very same numbers: `{prefix}.logits` (`[N, C]` f32, row-major, little-endian) and
/// `{prefix}.targets` (`[N]` i64); for `linear`, `{prefix}.hidden`, `{prefix}.weight` and
/// `{prefix}.targets`.
fn write_inputs(kind: &str, n: usize, h: usize, c: usize, prefix: &str) -> Result<(), Failure> {
    fn write<T: Copy, const B: usize>(
        path: String,
        values: &[T],
        bytes: impl Fn(T) -> [u8; B],
    ) -> Result<(), Failure> {
        use std::io::Write;
        let file = std::fs::File::create(&path).map_err(|e| format!("creating {path}: {e}"))?;
        let mut out = std::io::BufWriter::new(file);
        for &v in values {
            out.write_all(&bytes(v))?;
        }
        out.flush().map_err(|e| format!("writing {path}: {e}"))?;
        Ok(())
    }
    let f32s = f32::to_le_bytes;
    let i64s = i64::to_le_bytes;
    fn slice(a: &Array2<f32>) -> Result<&[f32], Failure> {
        Ok(a.as_slice()
            .ok_or("the generated array is not contiguous")?)
    }
    match kind {
        "cell" => {
            let (logits, targets) = problem(n, c, 1.0, 0);
            write(format!("{prefix}.logits"), slice(&logits)?, f32s)?;
            write(format!("{prefix}.targets"), &targets.to_vec(), i64s)?;
        }
        "linear" => {
            let (hidden, weight, targets) = linear_problem(n, h, c);
            write(format!("{prefix}.hidden"), slice(&hidden)?, f32s)?;
            write(format!("{prefix}.weight"), slice(&weight)?, f32s)?;
            write(format!("{prefix}.targets"), &targets.to_vec(), i64s)?;
        }
        other => return Err(format!("no inputs for {other}").into()),
    }
    Ok(())
}

/// The fused linear problem: hidden states `[N, H]` and LM-head weights `[C, H]` with
/// standard deviations 0.5 and 0.05 (uniform on [-4, 4) has standard deviation
/// 4/√3 ≈ 2.31), and targets.
fn linear_problem(n: usize, h: usize, c: usize) -> (Array2<f32>, Array2<f32>, Array1<i64>) {
    let (hidden, targets) = problem(n, h, 0.2165, 1);
    let (weight, _) = problem(c, h, 0.02165, 2);
    let targets = targets.mapv(|t| t % c as i64);
    (hidden, weight, targets)
}

fn arg(args: &[String], name: &str) -> Result<usize, Failure> {
    let i = args
        .iter()
        .position(|a| a == name)
        .ok_or_else(|| format!("missing {name}"))?;
    Ok(args.get(i + 1).ok_or("missing value")?.parse()?)
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = match args.first().map(String::as_str) {
        Some("cell") => {
            let i = args
                .iter()
                .position(|a| a == "--impl")
                .ok_or("missing --impl")?;
            let kind = args.get(i + 1).ok_or("missing implementation")?;
            cell(
                kind,
                arg(&args, "--n")?,
                arg(&args, "--c")?,
                arg(&args, "--iters")?,
            )?
        }
        Some("linear") => linear(
            arg(&args, "--n")?,
            arg(&args, "--h")?,
            arg(&args, "--c")?,
            arg(&args, "--reps")?,
            arg(&args, "--chunk")?,
        )?,
        Some("inputs") => {
            let i = args
                .iter()
                .position(|a| a == "--for")
                .ok_or("missing --for")?;
            let kind = args.get(i + 1).ok_or("missing cell|linear")?;
            let p = args
                .iter()
                .position(|a| a == "--prefix")
                .ok_or("missing --prefix")?;
            let prefix = args.get(p + 1).ok_or("missing prefix")?;
            let h = if kind == "linear" {
                arg(&args, "--h")?
            } else {
                0
            };
            write_inputs(kind, arg(&args, "--n")?, h, arg(&args, "--c")?, prefix)?;
            serde_json::json!({ "wrote": prefix })
        }
        _ => return Err("usage: bench-worker cell|linear|inputs ...".into()),
    };
    let mut value = value;
    value["threads"] = rayon::current_num_threads().into();
    value["kernels"] = listings::fast::kernels_clone().into();
    println!("{value}");
    Ok(())
}
