//! Chapter 6: what the measurements say. `cargo xtask bench` runs our fast path, PyTorch
//! and candle-nn side by side and writes `bench/results.json`; this module reads that file
//! (compiled in, so the book, its tests and the notebook all see the same run) and turns it
//! into the chapter's tables, ratios and figures.
//!
//! Every timing is a median over the run's samples, shown with its min and max; memory is
//! the peak resident memory one call added (see `bench/peers/src/main.rs`).

use serde_json::Value;
use thiserror::Error;

use crate::fast::logits_bytes;

/// The committed results of the last `cargo xtask bench`.
pub const RESULTS: &str = include_str!("../../../bench/results.json");

/// What went wrong reading the results.
#[derive(Debug, Error, PartialEq)]
pub enum SpeedError {
    #[error("bench/results.json is not valid JSON: {0}")]
    Json(String),
    #[error("bench/results.json has no measurement for {0}; run `cargo xtask bench`")]
    Missing(String),
}

/// A median with the smallest and largest sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    fn from(v: &Value) -> Option<Spread> {
        Some(Spread {
            median: v["median"].as_f64()?,
            min: v["min"].as_f64()?,
            max: v["max"].as_f64()?,
        })
    }
}

/// One benchmark run, as `cargo xtask bench` wrote it.
pub struct Bench {
    json: Value,
}

/// The implementations of the `[N, C]` table, in the order the chapter lists them.
pub const PEERS: [&str; 6] = [
    "ours (in place)",
    "ours (THP)",
    "ours",
    "torch (THP)",
    "torch (default)",
    "candle-nn",
];

impl Bench {
    /// The committed run.
    ///
    /// ```
    /// let bench = listings::machinery::speed::Bench::load().unwrap();
    /// assert!(bench.machine().contains("核"));
    /// ```
    pub fn load() -> Result<Bench, SpeedError> {
        Bench::parse(RESULTS)
    }

    /// A run from its JSON text.
    ///
    /// ```
    /// use listings::machinery::speed::{Bench, SpeedError};
    /// let empty = Bench::parse("{}").unwrap();
    /// assert!(matches!(empty.seconds(1, 1, 1, "ours", "forward"), Err(SpeedError::Missing(_))));
    /// assert!(matches!(Bench::parse("not json"), Err(SpeedError::Json(_))));
    /// ```
    pub fn parse(text: &str) -> Result<Bench, SpeedError> {
        let json = serde_json::from_str(text).map_err(|e| SpeedError::Json(e.to_string()))?;
        Ok(Bench { json })
    }

    /// The machine and the versions, in one line.
    pub fn machine(&self) -> String {
        let m = &self.json["machine"];
        let v = &self.json["versions"];
        let simd: Vec<&str> = m["simd"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        format!(
            "{}，{} 核，{}，{} GiB，THP {}；{}，torch {}，candle-nn {}；{}，{} 轮",
            m["cpu"].as_str().unwrap_or("?"),
            m["cores"],
            simd.join("+"),
            m["memory_gib"],
            m["transparent_hugepage"].as_str().unwrap_or("?"),
            v["rustc"].as_str().unwrap_or("?"),
            v["torch"].as_str().unwrap_or("?"),
            v["candle-nn"].as_str().unwrap_or("?"),
            self.json["date"].as_str().unwrap_or("?"),
            self.json["rounds"],
        )
    }

    fn entry(&self, n: usize, c: usize, threads: usize, peer: &str, op: &str) -> Option<&Value> {
        self.json["cross_entropy"].as_array()?.iter().find(|e| {
            e["n"].as_u64() == Some(n as u64)
                && e["c"].as_u64() == Some(c as u64)
                && e["threads"].as_u64() == Some(threads as u64)
                && e["impl"] == peer
                && e["op"] == op
        })
    }

    /// Median, min and max of `what` (`seconds` or `peak_bytes`) of one cell.
    fn spread(
        &self,
        cell: (usize, usize, usize),
        peer: &str,
        op: &str,
        what: &str,
    ) -> Result<Spread, SpeedError> {
        let (n, c, threads) = cell;
        self.entry(n, c, threads, peer, op)
            .and_then(|e| Spread::from(&e[what]))
            .ok_or_else(|| {
                SpeedError::Missing(format!("{what} of {peer} {op} [{n}, {c}] × {threads}"))
            })
    }

    /// How many timed calls one cell gathered over all rounds (`None` if not recorded).
    pub fn samples(&self, n: usize, c: usize, threads: usize, peer: &str, op: &str) -> Option<u64> {
        self.entry(n, c, threads, peer, op)?["seconds"]["samples"].as_u64()
    }

    /// The samples per cell of `rows`, in words: the count most cells have, then the
    /// peers that differ (`每格 6 次，candle-nn 3 次`).
    fn samples_note(&self, n: usize, c: usize, rows: &[(&str, &str)]) -> String {
        let counts: Vec<(&str, Option<u64>)> = rows
            .iter()
            .map(|&(peer, op)| (peer, self.samples(n, c, 1, peer, op)))
            .collect();
        let mut common = None;
        let mut most = 0;
        for (_, k) in &counts {
            let times = counts.iter().filter(|(_, j)| j == k).count();
            if times > most {
                most = times;
                common = *k;
            }
        }
        let Some(common) = common else {
            return String::new();
        };
        let mut note = format!("每格 {common} 次");
        for (peer, k) in &counts {
            if let Some(k) = k.filter(|&k| k != common) {
                note += &format!("，{peer} {k} 次");
            }
        }
        note
    }

    /// Seconds per call of `peer` doing `op` (`forward`, `forward_backward`, or
    /// `read_once` for the peer `read once`) on `[n, c]` with `threads` threads.
    pub fn seconds(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: &str,
        op: &str,
    ) -> Result<Spread, SpeedError> {
        self.spread((n, c, threads), peer, op, "seconds")
    }

    /// Median peak memory (bytes) one call of `peer` doing `op` added.
    pub fn peak_bytes(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: &str,
        op: &str,
    ) -> Result<f64, SpeedError> {
        Ok(self.spread((n, c, threads), peer, op, "peak_bytes")?.median)
    }

    /// How many times longer `peer` takes than `ours` (median over median).
    pub fn ratio(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: &str,
        ours: &str,
        op: &str,
    ) -> Result<f64, SpeedError> {
        Ok(self.seconds(n, c, threads, peer, op)?.median
            / self.seconds(n, c, threads, ours, op)?.median)
    }

    /// The table of one problem and one operation: every peer at 1 and 2 threads, median
    /// (min–max) in milliseconds, the peak memory a call added, and the time relative to
    /// `ours (in place)` (forward+backward) or `ours` (forward). The forward table ends
    /// with the time to read the logits once and our forward time over it.
    pub fn table(&self, n: usize, c: usize, op: &str) -> Result<String, SpeedError> {
        let reference = if op == "forward" {
            "ours"
        } else {
            "ours (in place)"
        };
        // Milliseconds, or microseconds where a call takes less than 10 ms.
        let small = self.seconds(n, c, 1, reference, op)?.median < 0.01;
        let (unit, scale) = if small {
            ("微秒", 1e6)
        } else {
            ("毫秒", 1e3)
        };
        let mut rows: Vec<(&str, &str)> = PEERS
            .iter()
            // A forward allocates nothing: the in-place and huge-page variants are the same.
            .filter(|p| op == "forward_backward" || !p.starts_with("ours ("))
            .map(|p| (*p, op))
            .collect();
        if op == "forward" {
            rows.push(("read once", "read_once"));
        }
        let mut lines = vec![format!(
            "[{n}, {c}]，{}（{unit}：中位数（最小–最大），{}；倍数：相对 {reference}）",
            if op == "forward" {
                "前向"
            } else {
                "前向 + 反向"
            },
            self.samples_note(n, c, &rows)
        )];
        // Headers padded by display width (CJK characters show two columns wide): each
        // thread count takes 28 columns, the memory 19.
        lines.push(format!(
            "{}{}{}{}",
            pad("", 16),
            rjust("1 线程", 28),
            rjust("2 线程", 28),
            rjust("新增内存（1 线程）", 19)
        ));
        for &(peer, row_op) in &rows {
            let mut line = format!("{peer:<16}");
            for threads in [1, 2] {
                let s = self.seconds(n, c, threads, peer, row_op)?;
                let times = self.seconds(n, c, threads, reference, op)?;
                let range = format!("({:.0}–{:.0})", s.min * scale, s.max * scale);
                line += &format!(
                    " {:>6.0} {range:>13} {:>5.1}×",
                    s.median * scale,
                    s.median / times.median
                );
            }
            line += &format!(
                " {:>15.0} MB",
                self.peak_bytes(n, c, 1, peer, row_op)? / 1e6
            );
            lines.push(line);
        }
        if op == "forward" {
            let over = |t| -> Result<f64, SpeedError> {
                Ok(self.seconds(n, c, t, "ours", op)?.median
                    / self.seconds(n, c, t, "read once", "read_once")?.median)
            };
            lines.push(format!(
                "ours 的用时 ÷ read once 的用时：{:.1}×（1 线程），{:.1}×（2 线程）",
                over(1)?,
                over(2)?
            ));
        }
        Ok(lines.join("\n"))
    }

    /// The bytes moved and the bandwidth they imply on `[n, c]`: reading the logits once,
    /// and our in-place forward+backward (read, read, write: three passes), with the
    /// estimate of a forward+backward floor, three times reading once.
    pub fn passes(&self, n: usize, c: usize) -> Result<String, SpeedError> {
        let gb = logits_bytes(n, c) as f64 / 1e9;
        let mut lines = vec![
            format!("[{n}, {c}]：一遍 = {gb:.2} GB；带宽 = 搬运的字节 ÷ 中位数用时"),
            format!(
                "{}{}{}",
                pad("", 24),
                rjust("1 线程", 34),
                rjust("2 线程", 34)
            ),
        ];
        for (label, peer, op, passes) in [
            ("read once：读 1 遍", "read once", "read_once", 1.0),
            (
                "ours (in place)：3 遍",
                "ours (in place)",
                "forward_backward",
                3.0,
            ),
        ] {
            // Each label has CJK characters shown two columns wide: pad by display width.
            let mut line = pad(label, 24);
            for threads in [1, 2] {
                let s = self.seconds(n, c, threads, peer, op)?;
                let range = format!("({:.0}–{:.0})", s.min * 1e3, s.max * 1e3);
                line += &format!(
                    " {:>5.0} {range:>11} 毫秒 {:>5.1} GB/s",
                    s.median * 1e3,
                    passes * gb / s.median
                );
            }
            lines.push(line);
        }
        let mut line = pad("估计：3 × read once", 24);
        for threads in [1, 2] {
            let s = self.seconds(n, c, threads, "read once", "read_once")?;
            line += &format!(" {:>5.0} {:>11} 毫秒 {:>10}", 3.0 * s.median * 1e3, "", "");
        }
        lines.push(line.trim_end().to_string());
        Ok(lines.join("\n"))
    }

    fn linear_entry(&self, threads: usize, peer: &str) -> Option<&Value> {
        self.json["linear_cross_entropy"]
            .as_array()?
            .iter()
            .find(|e| e["threads"].as_u64() == Some(threads as u64) && e["impl"] == peer)
    }

    /// Seconds and peak extra bytes of fused linear cross-entropy, forward and backward.
    pub fn linear(&self, threads: usize, peer: &str) -> Result<(Spread, f64), SpeedError> {
        let missing = || SpeedError::Missing(format!("linear cross-entropy {peer} × {threads}"));
        let e = self.linear_entry(threads, peer).ok_or_else(missing)?;
        let seconds = Spread::from(&e["seconds"]).ok_or_else(missing)?;
        let peak = e["peak_bytes"]["median"].as_f64().ok_or_else(missing)?;
        Ok((seconds, peak))
    }

    /// The fused linear cross-entropy table.
    pub fn linear_table(&self) -> Result<String, SpeedError> {
        let first = self.json["linear_cross_entropy"]
            .as_array()
            .and_then(|a| a.first())
            .ok_or_else(|| SpeedError::Missing("linear cross-entropy".into()))?;
        let mut lines = vec![format!(
            "N = {}，H = {}，C = {}，前向 + 反向（秒：中位数（最小–最大）；峰值新增内存）",
            first["n"], first["h"], first["c"]
        )];
        // Each thread count takes 30 columns: 19 for the time, 11 for the memory (the
        // labels' Chinese characters show two columns wide).
        lines.push(format!(
            "{:<28} {:>14}{:>9} {:>14}{:>9}",
            "", "1 线程：秒", "内存", "2 线程：秒", "内存"
        ));
        for peer in LINEAR_PEERS {
            let mut line = format!("{peer:<28}");
            for threads in [1, 2] {
                let (s, peak) = self.linear(threads, peer)?;
                let range = format!("({:.2}–{:.2})", s.min, s.max);
                line += &format!(" {:>5.2} {range:>12} {:>7.0} MB", s.median, peak / 1e6);
            }
            lines.push(line);
        }
        Ok(lines.join("\n"))
    }

    /// PyTorch's forward+backward time over ours on `[n, c]`, like for like: both writing
    /// a fresh gradient in 4 KiB pages, both in huge pages, and (a different thing,
    /// labelled so) ours writing the gradient over the logits. Each ratio of medians comes
    /// with the smallest and largest ratio the two cells' min and max allow.
    pub fn comparisons(&self, n: usize, c: usize) -> Result<String, SpeedError> {
        let mut lines = vec![
            format!(
                "[{n}, {c}]，前向 + 反向：PyTorch 的用时 ÷ 本书的用时（中位数之比；括号里：两边的最小、最大值能拼出的最小之比–最大之比）"
            ),
            format!(
                "{}{}{}",
                pad("", 32),
                rjust("1 线程", 19),
                rjust("2 线程", 19)
            ),
        ];
        for (torch, ours, what) in COMPARISONS {
            let mut line = format!("{:<32}", format!("{torch} ÷ {ours}"));
            for threads in [1, 2] {
                let (r, low, high) = self.ratio_spread(n, c, threads, torch, ours)?;
                let range = format!("({low:.1}–{high:.1})");
                line += &format!(" {r:>6.1}× {range:>10}");
            }
            line += &format!("   {what}");
            lines.push(line);
        }
        Ok(lines.join("\n"))
    }

    /// The forward+backward ratio `peer ÷ ours` of medians, and the smallest and largest
    /// ratio the cells' extremes give (`peer`'s min over `ours`' max, max over min).
    pub fn ratio_spread(
        &self,
        n: usize,
        c: usize,
        threads: usize,
        peer: &str,
        ours: &str,
    ) -> Result<(f64, f64, f64), SpeedError> {
        let (p, o) = (
            self.seconds(n, c, threads, peer, "forward_backward")?,
            self.seconds(n, c, threads, ours, "forward_backward")?,
        );
        Ok((p.median / o.median, p.min / o.max, p.max / o.min))
    }

    /// The least memory our fused linear cross-entropy can add at its peak, from the
    /// shapes the run used: the gradients `dL/dH` (`[N, H]`) and `dL/dW` (`[C, H]`) and one
    /// chunk of logits (`[chunk, C]`), all `f32`, in bytes: `[dH, dW, chunk, total]`.
    pub fn linear_floor_bytes(&self) -> Result<[f64; 4], SpeedError> {
        let missing = || SpeedError::Missing("linear cross-entropy shapes".into());
        let ours = self.linear_entry(1, "ours").ok_or_else(missing)?;
        let size = |key: &str| ours[key].as_u64().map(|v| v as usize).ok_or_else(missing);
        let (n, h, c, chunk) = (size("n")?, size("h")?, size("c")?, size("chunk")?);
        let d_hidden = logits_bytes(n, h) as f64;
        let d_weight = logits_bytes(c, h) as f64;
        let block = logits_bytes(chunk, c) as f64;
        Ok([d_hidden, d_weight, block, d_hidden + d_weight + block])
    }

    /// The issue's targets, as ratios of this run.
    pub fn targets(&self) -> Result<Targets, SpeedError> {
        let (n, c) = BIG;
        let per_thread =
            |f: &dyn Fn(usize) -> Result<f64, SpeedError>| -> Result<[f64; 2], SpeedError> {
                Ok([f(1)?, f(2)?])
            };
        let torch_over_in_place = per_thread(&|t| {
            self.ratio(
                n,
                c,
                t,
                "torch (THP)",
                "ours (in place)",
                "forward_backward",
            )
        })?;
        let torch_default_over_fresh =
            per_thread(&|t| self.ratio(n, c, t, "torch (default)", "ours", "forward_backward"))?;
        let torch_over_thp =
            per_thread(&|t| self.ratio(n, c, t, "torch (THP)", "ours (THP)", "forward_backward"))?;
        let forward_over_floor = per_thread(&|t| {
            Ok(self.seconds(n, c, t, "ours", "forward")?.median
                / self.seconds(n, c, t, "read once", "read_once")?.median)
        })?;
        let ours_thp_over_in_place = per_thread(&|t| {
            self.ratio(n, c, t, "ours (THP)", "ours (in place)", "forward_backward")
        })?;
        let gb = logits_bytes(n, c) as f64 / 1e9;
        let read_once_gb_per_s =
            per_thread(&|t| Ok(gb / self.seconds(n, c, t, "read once", "read_once")?.median))?;
        let in_place_gb_per_s = per_thread(&|t| {
            Ok(3.0 * gb
                / self
                    .seconds(n, c, t, "ours (in place)", "forward_backward")?
                    .median)
        })?;
        let floor_ms = per_thread(&|t| {
            Ok(3.0 * self.seconds(n, c, t, "read once", "read_once")?.median * 1e3)
        })?;
        let (mid_n, mid_c) = MID;
        let mid_default = per_thread(&|t| {
            self.ratio(
                mid_n,
                mid_c,
                t,
                "torch (default)",
                "ours",
                "forward_backward",
            )
        })?;
        let mid_thp = per_thread(&|t| {
            self.ratio(
                mid_n,
                mid_c,
                t,
                "torch (THP)",
                "ours (THP)",
                "forward_backward",
            )
        })?;
        let (_, low, high) = self.ratio_spread(n, c, 2, "torch (THP)", "ours (THP)")?;
        let (small_n, small_c) = SMALL;
        let small_read_once_us = self
            .seconds(small_n, small_c, 1, "read once", "read_once")?
            .median
            * 1e6;
        let floor = self.linear_floor_bytes()?;
        let mut linear_memory_vs_unfused = [0.0; 2];
        let mut linear_time_vs_faster = [0.0; 2];
        let mut linear_unfused_over_floor = [0.0; 2];
        for (i, t) in [1, 2].into_iter().enumerate() {
            let (ours, ours_peak) = self.linear(t, "ours")?;
            let (unfused, unfused_peak) = self.linear(t, "torch unfused")?;
            let (chunked, _) = self.linear(t, "torch linear_cross_entropy")?;
            linear_memory_vs_unfused[i] = unfused_peak / ours_peak;
            linear_unfused_over_floor[i] = unfused_peak / floor[3];
            linear_time_vs_faster[i] = ours.median / unfused.median.min(chunked.median);
        }
        Ok(Targets {
            torch_over_in_place,
            torch_over_thp,
            torch_default_over_fresh,
            forward_over_floor,
            ours_thp_over_in_place,
            read_once_gb_per_s,
            in_place_gb_per_s,
            floor_ms,
            mid_torch_default_over_fresh: mid_default,
            mid_torch_over_thp: mid_thp,
            torch_over_thp_range_2_threads: [low, high],
            small_read_once_us,
            linear_memory_vs_unfused,
            linear_unfused_over_floor,
            linear_time_vs_faster,
        })
    }
}

/// The problem the targets are stated on: `[8192, 50257]` (GPT-2's vocabulary).
pub const BIG: (usize, usize) = (8192, 50_257);

/// The middle problem, `[4096, 32000]`.
pub const MID: (usize, usize) = (4096, 32_000);

/// The tiny problem, `[512, 5]`.
pub const SMALL: (usize, usize) = (512, 5);

/// The like-for-like rows of [`Bench::comparisons`]: PyTorch's peer, ours, what they share.
pub const COMPARISONS: [(&str, &str, &str); 3] = [
    (
        "torch (default)",
        "ours",
        "都写一块新梯度（torch 另外新申请两块 [N, C]），默认 4 KiB 页",
    ),
    (
        "torch (THP)",
        "ours (THP)",
        "都写一块新梯度（torch 另外新申请两块 [N, C]），2 MiB 大页",
    ),
    (
        "torch (THP)",
        "ours (in place)",
        "不同的做法：本书原地写梯度，torch 写新梯度",
    ),
];

/// The peers of the fused linear cross-entropy table.
pub const LINEAR_PEERS: [&str; 3] = ["ours", "torch linear_cross_entropy", "torch unfused"];

/// `text` padded with spaces on the left to `width` display columns (see [`pad`]).
fn rjust(text: &str, width: usize) -> String {
    format!(
        "{}{text}",
        " ".repeat(width.saturating_sub(shown_width(text)))
    )
}

/// `text` padded with spaces on the right to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(shown_width(text)))
    )
}

/// Display columns of `text`: CJK and full-width characters take two.
fn shown_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}') {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The ratios the chapter quotes, of one run, at 1 and 2 threads (`[0]`, `[1]`) where a
/// field has two values. All on `[8192, 50257]` unless named otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
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
    /// Ours with a fresh gradient in huge pages over ours in place: what fresh memory
    /// still costs when its faults are few.
    pub ours_thp_over_in_place: [f64; 2],
    /// GB/s of reading the logits once.
    pub read_once_gb_per_s: [f64; 2],
    /// GB/s our in-place forward+backward moves (three passes: read, read, write).
    pub in_place_gb_per_s: [f64; 2],
    /// Milliseconds of three times reading once: an estimate of a forward+backward floor.
    pub floor_ms: [f64; 2],
    /// [`Targets::torch_default_over_fresh`] on `[4096, 32000]`.
    pub mid_torch_default_over_fresh: [f64; 2],
    /// [`Targets::torch_over_thp`] on `[4096, 32000]`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_run_has_every_cell_the_chapter_shows() {
        let bench = Bench::load().unwrap();
        for (n, c) in [(512, 5), (4096, 32_000), BIG] {
            for op in ["forward", "forward_backward"] {
                let table = bench.table(n, c, op).unwrap();
                assert!(table.lines().count() >= 6, "{table}");
            }
        }
        assert_eq!(bench.linear_table().unwrap().lines().count(), 5);
        let t = bench.targets().unwrap();
        for r in t.torch_over_in_place.iter().chain(&t.forward_over_floor) {
            assert!(r.is_finite() && *r > 0.0);
        }
    }

    #[test]
    fn cells_ratios_and_memory_are_read_as_written() {
        let cell = |peer: &str, median: f64, peak: f64| {
            format!(
                r#"{{"n": 2, "c": 3, "threads": 1, "impl": "{peer}", "op": "forward",
                    "seconds": {{"median": {median}, "min": 0.5, "max": 4.0}},
                    "peak_bytes": {{"median": {peak}, "min": 0, "max": {peak}}}}}"#
            )
        };
        let text = format!(
            r#"{{"cross_entropy": [{}, {}]}}"#,
            cell("ours", 1.0, 0.0),
            cell("torch (THP)", 3.0, 96.0)
        );
        let bench = Bench::parse(&text).unwrap();
        let s = bench.seconds(2, 3, 1, "torch (THP)", "forward").unwrap();
        assert_eq!(
            s,
            Spread {
                median: 3.0,
                min: 0.5,
                max: 4.0
            }
        );
        assert_eq!(
            bench.ratio(2, 3, 1, "torch (THP)", "ours", "forward"),
            Ok(3.0)
        );
        assert_eq!(
            bench.peak_bytes(2, 3, 1, "torch (THP)", "forward"),
            Ok(96.0)
        );
        assert!(bench.seconds(2, 3, 2, "ours", "forward").is_err());
    }

    /// A run holding only the `[8192, 50257]` cells and linear entries the targets read,
    /// with the medians (seconds, bytes) of the committed run of 2026-11-29.
    fn real_cells() -> Bench {
        let cell = |peer: &str, op: &str, threads: u32, median: f64, peak: f64| {
            format!(
                r#"{{"n": 8192, "c": 50257, "threads": {threads}, "impl": "{peer}", "op": "{op}",
                    "seconds": {{"median": {median}, "min": {median}, "max": {median}}},
                    "peak_bytes": {{"median": {peak}, "min": 0, "max": {peak}}}}}"#
            )
        };
        let linear = |peer: &str, threads: u32, median: f64, peak: f64| {
            format!(
                r#"{{"n": 4096, "h": 512, "c": 32000, "chunk": 128, "threads": {threads}, "impl": "{peer}",
                    "seconds": {{"median": {median}, "min": {median}, "max": {median}}},
                    "peak_bytes": {{"median": {peak}}}}}"#
            )
        };
        let fb = "forward_backward";
        let cells = [
            cell("ours (in place)", fb, 1, 0.761774156, 0.0),
            cell("ours (in place)", fb, 2, 0.411033572, 24576.0),
            cell("ours (THP)", fb, 1, 1.3308762215, 1646788608.0),
            cell("ours (THP)", fb, 2, 0.586796127, 1646825472.0),
            cell("ours", fb, 1, 2.2966805655, 1646678016.0),
            cell("ours", fb, 2, 1.3476762115, 1646737408.0),
            cell("torch (THP)", fb, 1, 2.6017965254995943, 4940333056.0),
            cell("torch (THP)", fb, 2, 1.595369424000637, 4940201984.0),
            cell("torch (default)", fb, 1, 7.889844010000161, 4940265472.0),
            cell("torch (default)", fb, 2, 4.798363531000177, 4940247040.0),
            cell("ours", "forward", 1, 0.405740, 6144.0),
            cell("ours", "forward", 2, 0.232320, 6144.0),
            cell("read once", "read_once", 1, 0.152901, 32768.0),
            cell("read once", "read_once", 2, 0.144213, 63488.0),
        ];
        // The `[4096, 32000]` and `[512, 5]` cells the targets read.
        let other = |n: u32, c: u32, peer: &str, op: &str, threads: u32, median: f64| {
            format!(
                r#"{{"n": {n}, "c": {c}, "threads": {threads}, "impl": "{peer}", "op": "{op}",
                    "seconds": {{"median": {median}, "min": {median}, "max": {median}}},
                    "peak_bytes": {{"median": 0, "min": 0, "max": 0}}}}"#
            )
        };
        let others = [
            other(4096, 32000, "ours", fb, 1, 0.735158174),
            other(4096, 32000, "ours", fb, 2, 0.405636136),
            other(4096, 32000, "ours (THP)", fb, 1, 0.323606621),
            other(4096, 32000, "ours (THP)", fb, 2, 0.237698259),
            other(4096, 32000, "torch (default)", fb, 1, 1.563948798000638),
            other(4096, 32000, "torch (default)", fb, 2, 1.0603276860001642),
            other(4096, 32000, "torch (THP)", fb, 1, 0.6890217489999486),
            other(4096, 32000, "torch (THP)", fb, 2, 0.41492665499936265),
            other(512, 5, "read once", "read_once", 1, 3.01e-07),
        ];
        let linears = [
            linear("ours", 1, 8.011866377, 80580608.0),
            linear("ours", 2, 5.967940668, 73777152.0),
            linear(
                "torch linear_cross_entropy",
                1,
                8.996104720001313,
                90226688.0,
            ),
            linear(
                "torch linear_cross_entropy",
                2,
                5.672528627001157,
                90222592.0,
            ),
            linear("torch unfused", 1, 8.772962186001678, 1572610048.0),
            linear("torch unfused", 2, 5.638918459999331, 1572716544.0),
        ];
        let text = format!(
            r#"{{"cross_entropy": [{}, {}], "linear_cross_entropy": [{}]}}"#,
            cells.join(", "),
            others.join(", "),
            linears.join(", ")
        );
        Bench::parse(&text).unwrap()
    }

    #[test]
    fn targets_are_ratios_of_medians_like_for_like() {
        let t = real_cells().targets().unwrap();
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

    #[test]
    fn the_comparison_table_says_which_is_which() {
        let table = real_cells().comparisons(8192, 50_257).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(lines[2].starts_with("torch (default) ÷ ours ") && lines[2].contains("3.4×"));
        assert!(lines[3].contains("ours (THP)") && lines[3].contains("2.7×"));
        // The fixture's min and max equal its medians: the range is the ratio itself.
        assert!(lines[3].contains("(2.0–2.0)"), "{table}");
        assert!(lines[4].contains("ours (in place)") && lines[4].contains("原地"));
    }

    #[test]
    fn the_linear_table_shows_the_memory_of_both_thread_counts() {
        let table = real_cells().linear_table().unwrap();
        let ours = table.lines().nth(2).unwrap();
        assert!(ours.contains("81 MB") && ours.contains("74 MB"), "{table}");
    }

    #[test]
    fn a_missing_cell_is_an_error_that_says_what_to_run() {
        let bench = Bench::parse(r#"{"cross_entropy": []}"#).unwrap();
        let e = bench.table(8, 8, "forward").unwrap_err();
        assert!(e.to_string().contains("cargo xtask bench"), "{e}");
    }
}
