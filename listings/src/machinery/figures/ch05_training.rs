//! Chapter 5, 让模型少一点惊讶: the falling loss and the prediction before and after.

use plotters::prelude::*;

use super::{
    ACCENT, CURVE, FONT, FigureError, INK, MUTED, axes, bar_series, chart, legend, svg, vocab_axes,
};

/// Chapter 5: the mean surprise falls step by step toward the data's conditional entropy.
///
/// ```
/// let svg = listings::machinery::figures::training_loss().unwrap();
/// assert!(svg.contains("下限"));
/// ```
pub fn training_loss() -> Result<String, FigureError> {
    let run = crate::training::chapter_run()?;
    let (losses, floor) = (run.losses, run.floor);
    svg(|root| {
        let mut chart = chart(
            root,
            "训练：模型的平均惊讶度一步步下降",
            0.0..200.0,
            0.0..1.8,
        )?;
        axes(&mut chart, "梯度下降的步数", "平均惊讶度（交叉熵，奈特）")?;
        chart
            .draw_series(LineSeries::new(
                losses.iter().enumerate().map(|(i, &l)| (i as f64, l)),
                CURVE.stroke_width(3),
            ))?
            .label("训练集上的平均损失")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], CURVE.stroke_width(3)));
        chart
            .draw_series(LineSeries::new(
                [(0.0, floor), (200.0, floor)],
                ACCENT.stroke_width(2),
            ))?
            .label(format!(
                "条件熵 H(下一个词 | 前一个词) ≈ {floor:.3}（损失的下限）"
            ))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], ACCENT.stroke_width(2)));
        chart.draw_series([EmptyElement::at((0.0, losses[0]))
            + Text::new(
                format!("起点 ln 5 ≈ {:.3}", losses[0]),
                (12, -4),
                (FONT, 16).into_font().color(&INK),
            )])?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// Chapter 5: after "我 爱 吃", the model's distribution before and after training.
///
/// ```
/// let svg = listings::machinery::figures::training_prediction().unwrap();
/// assert!(svg.contains("训练后"));
/// ```
pub fn training_prediction() -> Result<String, FigureError> {
    let run = crate::training::chapter_run()?;
    let before = run.uniform.next_word(2)?;
    let after = run.trained.next_word(2)?;
    svg(|root| {
        let mut chart = chart(root, "“我 爱 吃”之后：训练前后的预测", -0.5..4.5, 0.0..1.1)?;
        vocab_axes(&mut chart, "下一个词", "下一个词的概率")?;
        for (probabilities, offset, color, name) in [
            (&before, -0.2, MUTED, "训练前（均匀）"),
            (&after, 0.2, ACCENT, "训练后"),
        ] {
            let bars: Vec<_> = probabilities
                .iter()
                .enumerate()
                .map(|(i, &p)| (i as f64 + offset, p, format!("{p:.2}")))
                .collect();
            bar_series(&mut chart, &bars, (0.0, -14), color, name)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}
