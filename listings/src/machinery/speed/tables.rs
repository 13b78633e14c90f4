//! The chapter's tables, as the text its listings print: columns padded by display width,
//! since the Chinese headers show two columns per character.

use super::{Bench, LINEAR_PEERS, Op, PEERS, Peer, SpeedError};
use crate::fast::logits_bytes;

/// The like-for-like rows of [`Bench::comparisons`]: PyTorch's peer, ours, what they share.
pub const COMPARISONS: [(Peer, Peer, &str); 3] = [
    (
        Peer::TorchDefault,
        Peer::OursSmallPages,
        "都写一块新梯度（torch 另外新申请两块 [N, C]），默认 4 KiB 页",
    ),
    (
        Peer::TorchThp,
        Peer::Ours,
        "都写一块新梯度（torch 另外新申请两块 [N, C]），2 MiB 大页",
    ),
    (
        Peer::TorchThp,
        Peer::OursInPlace,
        "不同的做法：本书原地写梯度，torch 写新梯度",
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
            "{}，{} 核，{}，{} GiB，THP {}；{}，torch {}，candle-nn {}；{}，{} 轮",
            m.cpu,
            m.cores,
            m.simd.join("+"),
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

    /// The table of one problem and one operation: every peer at 1 and 2 threads, median
    /// (min–max) in milliseconds, the peak memory a call added, and the time relative to
    /// `ours (in place)` (forward+backward) or `ours` (forward). The forward table ends
    /// with the time to read the logits once and our forward time over it.
    pub fn table(&self, n: usize, c: usize, op: Op) -> Result<String, SpeedError> {
        let forward = op == Op::Forward;
        let reference = if forward {
            Peer::OursSmallPages
        } else {
            Peer::OursInPlace
        };
        // Milliseconds, or microseconds where a call takes less than 10 ms.
        let small = self.seconds(n, c, 1, reference, op)?.median < 0.01;
        let (unit, scale) = if small {
            ("微秒", 1e6)
        } else {
            ("毫秒", 1e3)
        };
        let mut rows: Vec<(Peer, Op)> = PEERS
            .iter()
            // A forward allocates nothing: the in-place and huge-page variants are the same.
            .filter(|p| op == Op::ForwardBackward || !matches!(p, Peer::OursInPlace | Peer::Ours))
            .map(|&p| (p, op))
            .collect();
        if forward {
            rows.push((Peer::ReadOnce, Op::ReadOnce));
        }
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
        if forward {
            let over = |t| -> Result<f64, SpeedError> {
                Ok(self.seconds(n, c, t, Peer::OursSmallPages, op)?.median
                    / self.seconds(n, c, t, Peer::ReadOnce, Op::ReadOnce)?.median)
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
            ("read once：读 1 遍", Peer::ReadOnce, Op::ReadOnce, 1.0),
            (
                "ours (in place)：3 遍",
                Peer::OursInPlace,
                Op::ForwardBackward,
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
            let s = self.seconds(n, c, threads, Peer::ReadOnce, Op::ReadOnce)?;
            line += &format!(" {:>5.0} {:>11} 毫秒 {:>10}", 3.0 * s.median * 1e3, "", "");
        }
        lines.push(line.trim_end().to_string());
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
    fn chinese_characters_take_two_columns() {
        assert_eq!(shown_width("1 线程"), 6);
        assert_eq!(pad("线程", 6), "线程  ");
        assert_eq!(rjust("（1）", 7), "  （1）");
    }
}
