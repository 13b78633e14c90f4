//! Chapter 6: what the measurements say. `cargo xtask bench` runs our fast path, PyTorch
//! and candle-nn side by side and writes `bench/results.json`; this module reads that file
//! (compiled in, so the book, its tests and the notebook all see the same run) and turns it
//! into the chapter's tables, ratios and figures.
//!
//! Every timing is a median over the run's samples, shown with its min and max; memory is
//! the peak resident memory one call added (see `bench/peers/src/main.rs`).

use serde_json::Value;
use thiserror::Error;

/// The committed results of the last `cargo xtask bench`.
pub const RESULTS: &str = include_str!("../../bench/results.json");

/// What went wrong reading the results.
#[derive(Debug, Error, PartialEq)]
pub enum SpeedError {
    #[error("bench/results.json is not valid JSON: {0}")]
    Json(String),
    #[error("bench/results.json has no measurement for {0}; run `cargo xtask bench`")]
    Missing(String),
}

/// The bytes of a `[N, C]` array of `f32`: what one pass over the logits reads.
///
/// ```
/// assert_eq!(listings::speed::logits_bytes(8192, 50257), 1_646_821_376);
/// ```
pub fn logits_bytes(n: usize, c: usize) -> usize {
    n * c * std::mem::size_of::<f32>()
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
    /// let bench = listings::speed::Bench::load().unwrap();
    /// assert!(bench.machine().contains("cores"));
    /// ```
    pub fn load() -> Result<Bench, SpeedError> {
        Bench::parse(RESULTS)
    }

    /// A run from its JSON text.
    ///
    /// ```
    /// use listings::speed::{Bench, SpeedError};
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
            "{}，{} cores，{}，{} GiB，THP {}；{}，torch {}，candle-nn {}；{}，{} rounds",
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
    /// with the time to read the logits once.
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
        let mut lines = vec![format!(
            "[{n}, {c}]，{}（{unit}：中位数（最小–最大）；倍数：相对 {reference}）",
            if op == "forward" {
                "前向"
            } else {
                "前向 + 反向"
            }
        )];
        lines.push(format!(
            "{:<16} {:>26} {:>26} {:>10}",
            "", "1 线程", "2 线程", "新增内存"
        ));
        let mut rows: Vec<(&str, &str)> = PEERS
            .iter()
            // A forward allocates nothing: the in-place and huge-page variants are the same.
            .filter(|p| op == "forward_backward" || !p.starts_with("ours ("))
            .map(|p| (*p, op))
            .collect();
        if op == "forward" {
            rows.push(("read once", "read_once"));
        }
        for (peer, row_op) in rows {
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
            line += &format!(" {:>7.0} MB", self.peak_bytes(n, c, 1, peer, row_op)? / 1e6);
            lines.push(line);
        }
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
        lines.push(format!(
            "{:<28} {:>18} {:>18} {:>10}",
            "", "1 线程", "2 线程", "内存"
        ));
        for peer in LINEAR_PEERS {
            let mut line = format!("{peer:<28}");
            for threads in [1, 2] {
                let (s, _) = self.linear(threads, peer)?;
                let range = format!("({:.2}–{:.2})", s.min, s.max);
                line += &format!(" {:>5.2} {range:>12}", s.median);
            }
            let (_, peak) = self.linear(1, peer)?;
            line += &format!(" {:>7.0} MB", peak / 1e6);
            lines.push(line);
        }
        Ok(lines.join("\n"))
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
        let torch_over_fresh =
            per_thread(&|t| self.ratio(n, c, t, "torch (THP)", "ours", "forward_backward"))?;
        let torch_over_thp =
            per_thread(&|t| self.ratio(n, c, t, "torch (THP)", "ours (THP)", "forward_backward"))?;
        let forward_over_floor = per_thread(&|t| {
            Ok(self.seconds(n, c, t, "ours", "forward")?.median
                / self.seconds(n, c, t, "read once", "read_once")?.median)
        })?;
        let mut linear_memory_vs_unfused = [0.0; 2];
        let mut linear_memory_vs_torch = [0.0; 2];
        let mut linear_time_vs_faster = [0.0; 2];
        for (i, t) in [1, 2].into_iter().enumerate() {
            let (ours, ours_peak) = self.linear(t, "ours")?;
            let (unfused, unfused_peak) = self.linear(t, "torch unfused")?;
            let (chunked, chunked_peak) = self.linear(t, "torch linear_cross_entropy")?;
            linear_memory_vs_unfused[i] = unfused_peak / ours_peak;
            linear_memory_vs_torch[i] = ours_peak / chunked_peak;
            linear_time_vs_faster[i] = ours.median / unfused.median.min(chunked.median);
        }
        Ok(Targets {
            torch_over_in_place,
            torch_over_thp,
            torch_over_fresh,
            forward_over_floor,
            linear_memory_vs_unfused,
            linear_memory_vs_torch,
            linear_time_vs_faster,
        })
    }
}

/// The problem the targets are stated on: `[8192, 50257]` (GPT-2's vocabulary).
pub const BIG: (usize, usize) = (8192, 50_257);

/// The peers of the fused linear cross-entropy table.
pub const LINEAR_PEERS: [&str; 3] = ["ours", "torch linear_cross_entropy", "torch unfused"];

/// The issue's targets as ratios of one run, at 1 and 2 threads (`[0]`, `[1]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// torch (THP) forward+backward time over ours in place (target ≥ 2).
    pub torch_over_in_place: [f64; 2],
    /// torch (THP) forward+backward time over ours with a fresh gradient buffer in huge
    /// pages (glibc's `hugetlb` tunable, the counterpart of torch's THP setting).
    pub torch_over_thp: [f64; 2],
    /// torch (THP) forward+backward time over ours with a fresh gradient buffer in the
    /// default 4 KiB pages.
    pub torch_over_fresh: [f64; 2],
    /// Our forward time over the time to read the logits once (target ≤ 3).
    pub forward_over_floor: [f64; 2],
    /// Unfused peak memory over ours (target ≥ 10).
    pub linear_memory_vs_unfused: [f64; 2],
    /// Our peak memory over torch's `linear_cross_entropy` (target ≤ 1).
    pub linear_memory_vs_torch: [f64; 2],
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

    #[test]
    fn a_missing_cell_is_an_error_that_says_what_to_run() {
        let bench = Bench::parse(r#"{"cross_entropy": []}"#).unwrap();
        let e = bench.table(8, 8, "forward").unwrap_err();
        assert!(e.to_string().contains("cargo xtask bench"), "{e}");
    }
}
