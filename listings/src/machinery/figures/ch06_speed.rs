//! Chapter 6, 为什么要融合：速度与内存: the measured times and memory, from
//! `bench/results.json`.

use plotters::prelude::*;

use super::{
    ACCENT, CURVE, FONT, FigureError, INK, Language, MUTED, bar_series, category_axes, chart,
    legend, svg,
};
use crate::machinery::speed::{BIG, Bench, LINEAR_PEERS, Op, Peer};

/// The bars of the roofline figure, each with the short label it gets under its bars
/// (seven names in full would run into each other), in Chinese and in English: the
/// read+write floor, ours by where the gradient goes, then torch.
const ROOFLINE: [(Peer, &str, &str); 7] = [
    (Peer::ReadWrite, "read+write", "read+write"),
    (Peer::OursInPlace, "in place", "in place"),
    (Peer::OursInto, "into", "into"),
    (Peer::Ours, "ours", "ours"),
    (Peer::OursSmallPages, "ours 4 KiB", "ours 4 KiB"),
    (Peer::TorchThp, "torch THP", "torch THP"),
    (Peer::TorchDefault, "torch 默认", "torch default"),
];

/// Chapter 6's roofline: forward+backward on `[8192, 50257]`, each peer's time over the
/// time to read the logits once at the same thread count (so the read floor is 1), on a
/// log scale, at 1 and 2 threads, from `bench/results.json`. The read+write floor is a bar
/// of its own.
///
/// ```
/// use listings::machinery::figures::{Language, speed_roofline};
/// let svg = speed_roofline(Language::Chinese).unwrap();
/// assert!(svg.contains("torch THP") && svg.contains("2 线程") && svg.contains("读一遍"));
/// let svg = speed_roofline(Language::English).unwrap();
/// assert!(svg.contains("torch default") && !svg.contains("torch 默认"));
/// assert!(svg.contains("1 thread") && !svg.contains("1 threads"));
/// assert!(svg.contains("2 threads") && svg.contains("Read once (floor)"));
/// ```
pub fn speed_roofline(language: Language) -> Result<String, FigureError> {
    let bench = Bench::load()?;
    let (n, c) = BIG;
    let (peers, names): (Vec<Peer>, Vec<&str>) = ROOFLINE
        .into_iter()
        .filter(|&(p, ..)| [1, 2].iter().all(|&t| bench.has(n, c, t, p, op_of(p))))
        .map(|(p, chinese, english)| (p, language.pick(chinese, english)))
        .unzip();
    let mut bars = Vec::new();
    for (i, &peer) in peers.iter().enumerate() {
        for (threads, offset) in [(1, -0.2), (2, 0.2)] {
            let s = bench.seconds(n, c, threads, peer, op_of(peer))?.median;
            let read = bench
                .seconds(n, c, threads, Peer::ReadOnce, Op::ReadOnce)?
                .median;
            bars.push((i as f64 + offset, threads, s / read));
        }
    }
    let high = bars
        .iter()
        .map(|b| b.2.log10())
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil()
        .max(1.0);
    let low = -0.3;
    svg(|root| {
        let caption = language.pick(
            format!("[{n}, {c}] 前向 + 反向：用时是读一遍 logits 的几倍"),
            format!("[{n}, {c}] forward + backward: time over one read of the logits"),
        );
        let mut chart = chart(root, &caption, -0.5..peers.len() as f64 - 0.5, low..high)?;
        let times = |y: &f64| {
            if (y - y.round()).abs() > 1e-9 {
                String::new()
            } else {
                format!("{}×", 10f64.powf(*y))
            }
        };
        category_axes(
            &mut chart,
            &names,
            (
                language.pick("实现", "Implementation"),
                language.pick("÷ 读一遍（对数刻度）", "÷ read once (log scale)"),
            ),
            Some(&times),
        )?;
        for (threads, color) in [(1, MUTED), (2, CURVE)] {
            let mine: Vec<_> = bars
                .iter()
                .filter(|b| b.1 == threads)
                .map(|&(x, _, r)| (x, r.log10(), format!("{r:.1}")))
                .collect();
            bar_series(
                &mut chart,
                &mine,
                (low, -16),
                color,
                &language.pick(
                    format!("{threads} 线程"),
                    format!("{threads} thread{}", if threads == 1 { "" } else { "s" }),
                ),
            )?;
        }
        // The read floor: 1×.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, 0.0), (peers.len() as f64 - 0.5, 0.0)],
            ACCENT.stroke_width(2),
        )))?;
        let end = (peers.len() as f64 - 0.5, 0.0);
        // 英文的标注更宽，横跨两根深色的柱子：衬一块白底，字才看得清
        if language == Language::English {
            chart.draw_series(std::iter::once(
                EmptyElement::at(end)
                    + Rectangle::new([(-124, -23), (0, -5)], WHITE.mix(0.9).filled()),
            ))?;
        }
        chart.draw_series(std::iter::once(
            EmptyElement::at(end)
                + Text::new(
                    language.pick("读一遍（下限）", "Read once (floor)"),
                    language.pick((-110, -20), (-120, -20)),
                    (FONT, 15).into_font().color(&INK),
                ),
        ))?;
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// What a roofline bar times: the floors their own operation, the rest forward+backward.
fn op_of(peer: Peer) -> Op {
    match peer {
        Peer::ReadWrite => Op::ReadWrite,
        Peer::ReadOnce => Op::ReadOnce,
        _ => Op::ForwardBackward,
    }
}

/// Chapter 6: peak extra memory of fused linear cross-entropy (forward and backward) for
/// our chunked version and torch's two, from `bench/results.json`.
///
/// ```
/// use listings::machinery::figures::{Language, linear_memory};
/// let svg = linear_memory(Language::Chinese).unwrap();
/// assert!(svg.contains("torch unfused") && svg.contains("峰值新增内存"));
/// let svg = linear_memory(Language::English).unwrap();
/// assert!(svg.contains("torch unfused") && svg.contains("peak added memory"));
/// ```
pub fn linear_memory(language: Language) -> Result<String, FigureError> {
    let bench = Bench::load()?;
    let mut bars = Vec::new();
    for peer in LINEAR_PEERS {
        let (seconds, peak) = bench.linear(1, peer)?;
        bars.push((peak / 1e6, seconds.median));
    }
    // What ours must hold at least (its two gradients and one chunk of logits): the
    // measured peak of ours falls below it, so the measurement undercounts.
    let floor = bench.linear_floor_bytes()?[3] / 1e6;
    let top = bars.iter().map(|b| b.0).fold(0.0, f64::max) * 1.2;
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "LM 头 + 交叉熵（前向 + 反向）：峰值新增内存",
                "LM head + cross-entropy (forward + backward): peak added memory",
            ),
            -0.5..LINEAR_PEERS.len() as f64 - 0.5,
            0.0..top,
        )?;
        let megabytes = |y: &f64| format!("{y:.0}");
        category_axes(
            &mut chart,
            &LINEAR_PEERS.map(|p| p.name()),
            (
                language.pick("实现（1 线程）", "Implementation (1 thread)"),
                "MB",
            ),
            Some(&megabytes),
        )?;
        chart.draw_series(bars.iter().enumerate().map(|(i, &(mb, _))| {
            let x = i as f64;
            let color = if i == 0 { ACCENT } else { MUTED };
            Rectangle::new([(x - 0.3, 0.0), (x + 0.3, mb)], color.filled())
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(i, &(mb, s))| {
            EmptyElement::at((i as f64, mb))
                + Text::new(
                    language.pick(
                        format!("{mb:.0} MB，{s:.1} s"),
                        format!("{mb:.0} MB, {s:.1} s"),
                    ),
                    (-50, -20),
                    (FONT, 15).into_font().color(&INK),
                )
        }))?;
        // Ours: the measured value is too low; say what it must be at least.
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.0, bars[0].0))
                + Text::new(
                    language.pick(
                        format!("（实测偏低：至少 {floor:.0} MB）"),
                        format!("(undercounted: at least {floor:.0} MB)"),
                    ),
                    (-50, -40),
                    (FONT, 15).into_font().color(&INK),
                ),
        ))?;
        Ok(())
    })
}
