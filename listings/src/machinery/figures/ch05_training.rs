//! Chapter 5, 让模型少一点惊讶: the falling loss and the prediction before and after.

use plotters::prelude::*;

use super::{
    ACCENT, CURVE, FONT, FigureError, INK, Language, MUTED, axes, bar_series, chart, legend, svg,
    vocab_axes,
};

/// Chapter 5: the mean surprise falls step by step toward the data's conditional entropy.
///
/// ```
/// use listings::machinery::figures::{Language, training_loss};
/// assert!(training_loss(Language::Chinese).unwrap().contains("下限"));
/// assert!(training_loss(Language::English).unwrap().contains("previous word) ≈ 0.330 (the floor)"));
/// ```
pub fn training_loss(language: Language) -> Result<String, FigureError> {
    let run = crate::training::chapter_run()?;
    let (losses, floor) = (run.losses, run.floor);
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "训练：模型的平均惊讶度一步步下降",
                "Training: the model's mean surprise falls step by step",
            ),
            0.0..200.0,
            0.0..1.8,
        )?;
        axes(
            &mut chart,
            language.pick("梯度下降的步数", "Gradient descent steps"),
            language.pick(
                "平均惊讶度（交叉熵，奈特）",
                "Mean surprise (cross-entropy, nats)",
            ),
        )?;
        chart
            .draw_series(LineSeries::new(
                losses.iter().enumerate().map(|(i, &l)| (i as f64, l)),
                CURVE.stroke_width(3),
            ))?
            .label(language.pick("训练集上的平均损失", "Mean loss on the training set"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], CURVE.stroke_width(3)));
        chart
            .draw_series(LineSeries::new(
                [(0.0, floor), (200.0, floor)],
                ACCENT.stroke_width(2),
            ))?
            .label(language.pick(
                format!("条件熵 H(下一个词 | 前一个词) ≈ {floor:.3}（损失的下限）"),
                format!(
                    "Conditional entropy H(next word | previous word) ≈ {floor:.3} (the floor)"
                ),
            ))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], ACCENT.stroke_width(2)));
        chart.draw_series([EmptyElement::at((0.0, losses[0]))
            + Text::new(
                format!(
                    "{} ln 5 ≈ {:.3}",
                    language.pick("起点", "Start:"),
                    losses[0]
                ),
                (12, -4),
                (FONT, 16).into_font().color(&INK),
            )])?;
        // 英文的图例更宽，放在右上角会盖住起点的标注：放到右边中间的空白处
        legend(
            &mut chart,
            language.pick(
                SeriesLabelPosition::UpperRight,
                SeriesLabelPosition::MiddleRight,
            ),
        )
    })
}

/// Chapter 5: after "我 爱 吃", the model's distribution before and after training.
///
/// ```
/// use listings::machinery::figures::{Language, training_prediction};
/// assert!(training_prediction(Language::Chinese).unwrap().contains("训练后"));
/// assert!(training_prediction(Language::English).unwrap().contains("After training"));
/// ```
pub fn training_prediction(language: Language) -> Result<String, FigureError> {
    let run = crate::training::chapter_run()?;
    let before = run.uniform.next_word(2)?;
    let after = run.trained.next_word(2)?;
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "“我 爱 吃”之后：训练前后的预测",
                "After “我 爱 吃”: the prediction before and after training",
            ),
            -0.5..4.5,
            0.0..1.1,
        )?;
        vocab_axes(
            &mut chart,
            language.pick("下一个词", "Next word"),
            language.pick("下一个词的概率", "Probability of the next word"),
        )?;
        for (probabilities, offset, color, name) in [
            (
                &before,
                -0.2,
                MUTED,
                language.pick("训练前（均匀）", "Before training (uniform)"),
            ),
            (
                &after,
                0.2,
                ACCENT,
                language.pick("训练后", "After training"),
            ),
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
