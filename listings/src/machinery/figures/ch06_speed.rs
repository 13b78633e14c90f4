//! Chapter 6, 为什么要融合：速度与内存: the measured times and memory, from
//! `bench/results.json`.

use plotters::prelude::*;

use super::{
    ACCENT, CURVE, FONT, FigureError, INK, MUTED, bar_series, category_axes, chart, legend, svg,
};
use crate::machinery::speed::{BIG, Bench, LINEAR_PEERS, Op, PEERS};

/// Chapter 6: forward+backward on `[8192, 50257]`, every peer at 1 and 2 threads, on a
/// log scale (the slowest takes a hundred times the fastest), from `bench/results.json`.
///
/// ```
/// let svg = listings::machinery::figures::speed_forward_backward().unwrap();
/// assert!(svg.contains("torch (THP)") && svg.contains("2 线程"));
/// ```
pub fn speed_forward_backward() -> Result<String, FigureError> {
    let bench = Bench::load()?;
    let (n, c) = BIG;
    let mut bars = Vec::new();
    for (i, peer) in PEERS.iter().enumerate() {
        for (threads, offset) in [(1, -0.2), (2, 0.2)] {
            let s = bench.seconds(n, c, threads, *peer, Op::ForwardBackward)?;
            bars.push((i as f64 + offset, threads, s.median));
        }
    }
    let low = bars
        .iter()
        .map(|b| b.2.log10())
        .fold(f64::INFINITY, f64::min)
        .floor();
    let high = bars
        .iter()
        .map(|b| b.2.log10())
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil();
    svg(|root| {
        let caption = format!("[{n}, {c}] 前向 + 反向：每次调用的时间（中位数，对数刻度）");
        let mut chart = chart(root, &caption, -0.5..PEERS.len() as f64 - 0.5, low..high)?;
        let seconds = |y: &f64| {
            let s = 10f64.powf(*y);
            if (y - y.round()).abs() > 1e-9 {
                String::new()
            } else if s < 1.0 {
                format!("{s} s")
            } else {
                format!("{s:.0} s")
            }
        };
        category_axes(
            &mut chart,
            &PEERS.map(|p| p.name()),
            ("实现", "秒（对数刻度）"),
            Some(&seconds),
        )?;
        for (threads, color) in [(1, MUTED), (2, CURVE)] {
            let mine: Vec<_> = bars
                .iter()
                .filter(|b| b.1 == threads)
                .map(|&(x, _, s)| (x, s.log10(), format!("{s:.2}")))
                .collect();
            bar_series(
                &mut chart,
                &mine,
                (low, -16),
                color,
                &format!("{threads} 线程"),
            )?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// Chapter 6: peak extra memory of fused linear cross-entropy (forward and backward) for
/// our chunked version and torch's two, from `bench/results.json`.
///
/// ```
/// let svg = listings::machinery::figures::linear_memory().unwrap();
/// assert!(svg.contains("torch unfused") && svg.contains("MB"));
/// ```
pub fn linear_memory() -> Result<String, FigureError> {
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
            "LM 头 + 交叉熵（前向 + 反向）：峰值新增内存",
            -0.5..LINEAR_PEERS.len() as f64 - 0.5,
            0.0..top,
        )?;
        let megabytes = |y: &f64| format!("{y:.0}");
        category_axes(
            &mut chart,
            &LINEAR_PEERS.map(|p| p.name()),
            ("实现（1 线程）", "MB"),
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
                    format!("{mb:.0} MB，{s:.1} s"),
                    (-50, -20),
                    (FONT, 15).into_font().color(&INK),
                )
        }))?;
        // Ours: the measured value is too low; say what it must be at least.
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.0, bars[0].0))
                + Text::new(
                    format!("（实测偏低：至少 {floor:.0} MB）"),
                    (-50, -40),
                    (FONT, 15).into_font().color(&INK),
                ),
        ))?;
        Ok(())
    })
}
