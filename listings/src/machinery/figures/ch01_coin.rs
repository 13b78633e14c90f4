//! Chapter 1, 硬币的惊讶度: the surprise curve.

use plotters::prelude::*;

use super::{ACCENT, CURVE, FONT, FigureError, Language, axes, chart, svg};
use crate::surprise::surprise;

/// Chapter 1: the curve `-ln p` with the coin's two outcomes marked.
///
/// ```
/// use listings::machinery::figures::{Language, surprise_curve};
/// let svg = surprise_curve(Language::Chinese).unwrap();
/// assert!(svg.starts_with("<svg") && svg.contains("反面"));
/// let svg = surprise_curve(Language::English).unwrap();
/// assert!(svg.starts_with("<svg") && svg.contains("Tails: p = 0.1, surprise ≈ 2.303"));
/// ```
pub fn surprise_curve(language: Language) -> Result<String, FigureError> {
    let heads = surprise(0.9_f64)?;
    let tails = surprise(0.1_f64)?;
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "惊讶度 = −ln p：越不可能的事，发生时越令人惊讶",
                "Surprise = −ln p: the less likely the event, the greater the surprise",
            ),
            0.0..1.0,
            0.0..5.0,
        )?;
        axes(
            &mut chart,
            language.pick("事件的概率 p", "Probability p of the event"),
            language.pick("惊讶度 −ln p（奈特）", "Surprise −ln p (nats)"),
        )?;
        // 曲线在这里（惊讶度 = 5）离开图的上边
        let first = (-5.0_f64).exp();
        let curve = (0..=400).map(|i| {
            let p = first + (1.0 - first) * f64::from(i) / 400.0;
            (p, -p.ln())
        });
        chart.draw_series(LineSeries::new(curve, CURVE.stroke_width(3)))?;
        // 标注的偏移（像素）：正面的标注放在曲线上方，免得压住曲线；英文的标注更宽，
        // 再左移一些，免得碰到点
        for (p, s, label, (dx, dy)) in [
            (
                0.9,
                heads,
                language.pick("正面", "Heads"),
                language.pick((-232, -80), (-250, -80)),
            ),
            (0.1, tails, language.pick("反面", "Tails"), (14, -34)),
        ] {
            chart.draw_series([Circle::new((p, s), 7, ACCENT.filled())])?;
            chart.draw_series([EmptyElement::at((p, s))
                + Text::new(
                    language.pick(
                        format!("{label}：p = {p}，惊讶度 ≈ {s:.3}"),
                        format!("{label}: p = {p}, surprise ≈ {s:.3}"),
                    ),
                    (dx, dy),
                    (FONT, 17).into_font().color(&ACCENT),
                )])?;
        }
        Ok(())
    })
}
