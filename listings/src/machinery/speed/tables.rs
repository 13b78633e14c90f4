//! The chapter's tables, as the text its listings print: columns padded by display width,
//! since the Chinese headers show two columns per character.
//!
//! Why this file is long: every table chapter 6 prints is here (forward, forward+backward,
//! the roofline, the like-for-like comparisons, the LM head), each with its test.

use super::{Bench, LINEAR_PEERS, Op, PEERS, Peer, SpeedError};
use crate::fast::logits_bytes;

/// The rows of [`Bench::comparisons`]: PyTorch's peer, ours, what they share. The first
/// two are like for like; the last two are labelled as the different things they are.
pub const COMPARISONS: [(Peer, Peer, &str); 4] = [
    (
        Peer::TorchDefault,
        Peer::OursSmallPages,
        "条件相同：都写一块新梯度，都用 4 KiB 页",
    ),
    (
        Peer::TorchThp,
        Peer::Ours,
        "条件相同：都写一块新梯度，都用 2 MiB 大页",
    ),
    (
        Peer::TorchThp,
        Peer::OursInto,
        "不同的做法：本书写进一块留着重复用的缓冲区",
    ),
    (
        Peer::TorchThp,
        Peer::OursInPlace,
        "不同的做法：本书把梯度写回 logits",
    ),
];

impl Bench {
    /// The machine and the versions, in one line.
    ///
    /// ```
    /// let line = listings::machinery::speed::Bench::load().unwrap().machine();
    /// assert!(line.contains("2 核") && line.contains("24.0 GiB") && line.ends_with("3 轮"));
    /// ```
    pub fn machine(&self) -> String {
        let (r, m, v) = (&self.results, &self.results.machine, &self.results.versions);
        format!(
            "{}，{} 核，{}（运行的是 {} 那一份），{} GiB，THP {}；{}，torch {}，candle-nn {}；{}，{} 轮",
            m.cpu,
            m.cores,
            m.simd.join("+"),
            m.kernels,
            // As the file writes it: `24.0`, not `24`.
            serde_json::json!(m.memory_gib),
            m.transparent_hugepage,
            v.rustc,
            v.torch,
            v.candle_nn,
            r.date,
            r.rounds,
        )
    }

    /// The samples per cell of `rows`, in words: the count most cells have, then the
    /// peers that differ (`每格 6 次，candle-nn 3 次`).
    fn samples_note(&self, n: usize, c: usize, rows: &[(Peer, Op)]) -> String {
        let counts: Vec<(Peer, Option<u64>)> = rows
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

    /// The table of one problem and one operation: every peer the run measured there at 1
    /// and 2 threads, median (min–max) in milliseconds, the peak memory a call added, and
    /// the time relative to `ours` (our public API). Below them the floors: reading the
    /// logits once (and, for forward+backward, reading and writing them back), and our
    /// own arithmetic on rows that stay in cache.
    pub fn table(&self, n: usize, c: usize, op: Op) -> Result<String, SpeedError> {
        let forward = op == Op::Forward;
        let reference = Peer::Ours;
        // Milliseconds, or microseconds where a call takes less than 10 ms.
        let small = self.seconds(n, c, 1, reference, op)?.median < 0.01;
        let (unit, scale) = if small {
            ("微秒", 1e6)
        } else {
            ("毫秒", 1e3)
        };
        let mut rows: Vec<(Peer, Op)> = PEERS
            .iter()
            // A forward writes no gradient: where it would go makes no difference there.
            .filter(|p| {
                !forward || !matches!(p, Peer::OursSmallPages | Peer::OursInto | Peer::OursInPlace)
            })
            .map(|&p| (p, op))
            .collect();
        rows.push((Peer::ReadOnce, Op::ReadOnce));
        if !forward {
            rows.push((Peer::ReadWrite, Op::ReadWrite));
        }
        // Our arithmetic alone, on the big problem only: on shorter rows a call of the
        // worker's few rows can fall below the size the kernels run in parallel.
        if (n, c) == super::BIG {
            rows.push((Peer::OursInCache, op));
        }
        rows.retain(|&(peer, row_op)| {
            self.has(n, c, 1, peer, row_op) && self.has(n, c, 2, peer, row_op)
        });
        let mut lines = vec![format!(
            "[{n}, {c}]，{}（{unit}：中位数（最小–最大），{}；倍数：相对 {reference}）",
            if forward { "前向" } else { "前向 + 反向" },
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
        Ok(lines.join("\n"))
    }

    /// Each of our calls against the floors on `[n, c]`: its time over the time to read
    /// the logits once, and over the time to read and write them back (the least any
    /// call that writes a gradient can take), at 1 and 2 threads; and the floors
    /// themselves, in milliseconds and GB/s.
    pub fn roofline(&self, n: usize, c: usize) -> Result<String, SpeedError> {
        use Op::{Forward, ForwardBackward as Fb};
        let gb = logits_bytes(n, c) as f64 / 1e9;
        let floor = |t, peer, op| -> Result<f64, SpeedError> {
            Ok(self.seconds(n, c, t, peer, op)?.median)
        };
        let mut lines = vec![format!("[{n}, {c}]：一遍 = {gb:.2} GB；下限（中位数）")];
        for t in [1, 2] {
            let read = floor(t, Peer::ReadOnce, Op::ReadOnce)?;
            let both = floor(t, Peer::ReadWrite, Op::ReadWrite)?;
            lines.push(format!(
                "{t} 线程：读一遍 {:.0} 毫秒（{:.1} GB/s）；读一遍、写回一遍 {:.0} 毫秒（读一遍的 {:.1}×）",
                read * 1e3,
                gb / read,
                both * 1e3,
                both / read
            ));
        }
        lines.push(String::new());
        lines.push(format!(
            "{}{}{}",
            pad("用时 ÷ 下限", 34),
            rjust("1 线程：÷ 读一遍  ÷ 读写", 26),
            rjust("2 线程：÷ 读一遍  ÷ 读写", 26)
        ));
        for (label, peer, op) in [
            ("前向（ours）", Peer::Ours, Forward),
            (
                "前向，只有算术（ours (in cache)）",
                Peer::OursInCache,
                Forward,
            ),
            ("前向 + 反向，原地（in place）", Peer::OursInPlace, Fb),
            ("前向 + 反向，缓冲区（into）", Peer::OursInto, Fb),
            ("前向 + 反向，新梯度（ours）", Peer::Ours, Fb),
            ("前向 + 反向，只有算术（in cache）", Peer::OursInCache, Fb),
        ] {
            let mut line = pad(label, 34);
            for t in [1, 2] {
                let s = floor(t, peer, op)?;
                let read = floor(t, Peer::ReadOnce, Op::ReadOnce)?;
                let both = floor(t, Peer::ReadWrite, Op::ReadWrite)?;
                line += &format!("{:>16.1}× {:>6.1}×", s / read, s / both);
            }
            lines.push(line);
        }
        Ok(lines.join("\n"))
    }

    /// The fused linear cross-entropy table.
    pub fn linear_table(&self) -> Result<String, SpeedError> {
        let first = self.linear_cell(1, LINEAR_PEERS[0])?;
        let mut lines = vec![format!(
            "N = {}，H = {}，C = {}，前向 + 反向（秒：中位数（最小–最大）；峰值新增内存）",
            first.n, first.h, first.c
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
        // The three computed on the very same inputs: their answers, side by side.
        lines.push(String::new());
        lines.push("同一组输入上的答案（1 线程）：损失、‖∂L/∂h‖、‖∂L/∂W‖".to_string());
        for peer in LINEAR_PEERS {
            let cell = self.linear_cell(1, peer)?;
            let norms: Vec<String> = cell.grad_norm.iter().map(|g| format!("{g:.7}")).collect();
            lines.push(format!("{peer:<28} {:.7}  {}", cell.loss, norms.join("  ")));
        }
        Ok(lines.join("\n"))
    }

    /// PyTorch's forward+backward time over ours on `[n, c]` ([`COMPARISONS`]): like for
    /// like (both writing a fresh gradient, in 4 KiB pages and in huge pages), then,
    /// labelled so, ours into a kept buffer and ours in place. Each ratio of medians comes
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
}

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

#[cfg(test)]
mod tests {
    use super::super::fixture::real_cells;
    use super::*;

    #[test]
    fn the_comparison_table_says_which_is_which() {
        let table = real_cells().comparisons(8192, 50_257).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 6, "{table}");
        // 2.4 s over 0.8 s, 1.6 s over 0.5 s.
        assert!(
            lines[2].starts_with("torch (default) ÷ ours (4 KiB)") && lines[2].contains("3.0×")
        );
        assert!(lines[2].contains("3.2×") && lines[2].contains("条件相同"));
        // The fixture's min and max equal its medians: the range is the ratio itself.
        assert!(lines[3].starts_with("torch (THP) ÷ ours ") && lines[3].contains("(3.2–3.2)"));
        assert!(lines[4].contains("ours (into)") && lines[4].contains("不同的做法"));
        assert!(lines[5].contains("ours (in place)") && lines[5].contains("5.0×"));
    }

    #[test]
    fn tables_leave_out_what_the_run_did_not_measure_and_end_with_the_floors() {
        let bench = real_cells();
        let table = bench.table(8192, 50_257, Op::ForwardBackward).unwrap();
        assert!(!table.contains("candle-nn"), "{table}");
        let last: Vec<&str> = table.lines().rev().take(3).collect();
        assert!(last[0].starts_with("ours (in cache)") && last[2].starts_with("read once"));
        // ours in place: 0.32 s, 0.625 of ours; the memory column is the 1-thread peak.
        let in_place = table
            .lines()
            .find(|l| l.starts_with("ours (in place)"))
            .unwrap();
        assert!(
            in_place.contains("320") && in_place.contains("0.6×"),
            "{in_place}"
        );
        let forward = bench.table(8192, 50_257, Op::Forward).unwrap();
        assert!(!forward.contains("(in place)") && forward.contains("torch (THP)"));
    }

    #[test]
    fn the_roofline_divides_each_call_by_both_floors() {
        let table = real_cells().roofline(8192, 50_257).unwrap();
        let in_place = table.lines().find(|l| l.contains("原地")).unwrap();
        // 0.32 / 0.16 = 2.0, 0.32 / 0.17 = 1.88; 0.18 / 0.09 = 2.0 at 2 threads.
        assert_eq!(in_place.matches("2.0×").count(), 2, "{in_place}");
        assert!(in_place.contains("1.9×"), "{in_place}");
        assert!(table.contains("读一遍 160 毫秒（10.3 GB/s）"), "{table}");
        assert!(
            table.contains("读一遍、写回一遍 170 毫秒（读一遍的 1.1×）"),
            "{table}"
        );
    }

    #[test]
    fn the_linear_table_shows_memory_and_the_answers_on_the_same_inputs() {
        let table = real_cells().linear_table().unwrap();
        let ours = table.lines().nth(2).unwrap();
        assert!(ours.contains("81 MB") && ours.contains("74 MB"), "{table}");
        assert!(
            table.contains("10.5000001  0.2500000  1.5000000"),
            "{table}"
        );
    }

    #[test]
    fn chinese_characters_take_two_columns() {
        assert_eq!(shown_width("1 线程"), 6);
        assert_eq!(pad("线程", 6), "线程  ");
        assert_eq!(rjust("（1）", 7), "  （1）");
    }
}
