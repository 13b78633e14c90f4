//! Chapter 4, PyTorch 的全部选项: label smoothing's finite minimum.

use plotters::prelude::*;

use super::{ACCENT, CURVE, FONT, FigureError, INK, Language, MUTED, axes, chart, legend, svg};
use crate::one_hot::GOOD_PREDICTION;
use crate::{CrossEntropyLoss, LossError, Target};

/// The point the chapter-4 figure marks: label smoothing `ε = 0.1` over chapter 2's five
/// classes, answer "苹果" (t = 3), only the answer's logit `z_t` varied, the other logits
/// held at chapter 2's `ln ŷ`. There `dℓ/dz_t = ŷ_t − ỹ_t` (the smoothed target sums to 1),
/// which is 0 where `ŷ_t = ỹ_t = 1 − ε + ε/C`, that is at
/// `z_t = ln(ỹ_t / (1 − ỹ_t)) + ln Σ_{j≠t} e^{z_j}`. Returns `(z_t, the loss there)`.
///
/// ```
/// let (z, loss) = listings::machinery::figures::smoothing_minimum().unwrap();
/// assert!((z - 4.6_f64.ln()).abs() < 1e-12 && (loss - 0.4035).abs() < 1e-4);
/// ```
pub fn smoothing_minimum() -> Result<(f64, f64), LossError> {
    let (eps, target) = (0.1, 3);
    let classes = GOOD_PREDICTION.len();
    let y_t = 1.0 - eps + eps / classes as f64;
    let others: f64 = (0..classes)
        .filter(|&j| j != target)
        .map(|j| GOOD_PREDICTION[j])
        .sum();
    let z = (y_t / (1.0 - y_t)).ln() + others.ln();
    let mut logits = ndarray::arr2(&[GOOD_PREDICTION]).mapv(f64::ln).into_dyn();
    logits[[0, target]] = z;
    let answer = ndarray::arr1(&[target as i64]).into_dyn();
    let loss = CrossEntropyLoss::new()
        .label_smoothing(eps)
        .forward(logits.view(), Target::Indices(answer.view()))?;
    Ok((z, loss[[]]))
}

/// Chapter 4: with label smoothing the loss has a minimum at a finite logit; without it,
/// the loss keeps falling as the logit of the answer grows without bound. The dot is the
/// exact minimiser ([`smoothing_minimum`]); the dashed line is the floor `H(ỹ)`, reached
/// only when every logit may move.
///
/// ```
/// use listings::machinery::figures::{Language, label_smoothing};
/// let svg = label_smoothing(Language::Chinese).unwrap();
/// assert!(svg.contains("ε = 0.1") && svg.contains("最低点：z = 1.526"));
/// let svg = label_smoothing(Language::English).unwrap();
/// assert!(svg.contains("No smoothing (ε = 0)") && svg.contains("Minimum: z = 1.526"));
/// ```
pub fn label_smoothing(language: Language) -> Result<String, FigureError> {
    let target = 3;
    let answer = ndarray::arr1(&[target as i64]).into_dyn();
    let mut logits = ndarray::arr2(&[GOOD_PREDICTION]).mapv(f64::ln).into_dyn();
    let curves: Vec<(f64, Vec<(f64, f64)>)> = [0.0, 0.1]
        .into_iter()
        .map(|eps| {
            let loss = CrossEntropyLoss::new().label_smoothing(eps);
            let points = (0..=240)
                .map(|i| {
                    let z = -3.0 + 12.0 * f64::from(i) / 240.0;
                    logits[[0, target]] = z;
                    let l = loss.forward(logits.view(), Target::Indices(answer.view()))?;
                    Ok((z, l[[]]))
                })
                .collect::<Result<Vec<_>, LossError>>()?;
            Ok((eps, points))
        })
        .collect::<Result<_, LossError>>()?;
    let lowest = smoothing_minimum()?;
    // The smoothed target (1 − ε)·one-hot + ε/C, and its entropy: the floor.
    let smoothed: Vec<f64> = (0..GOOD_PREDICTION.len())
        .map(|k| {
            if k == target {
                0.9 + 0.1 / 5.0
            } else {
                0.1 / 5.0
            }
        })
        .collect();
    let floor = crate::surprise::entropy(&smoothed)?;
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "标签平滑让损失在有限的 logit 处取到最小值",
                "Label smoothing gives the loss a minimum at a finite logit",
            ),
            -3.0..9.0,
            0.0..4.0,
        )?;
        axes(
            &mut chart,
            language.pick(
                "“苹果”的 logit z（其余 logit 固定为第 2 章预测的 ln ŷ）",
                "Logit z of “苹果” (the other logits fixed at ln ŷ of chapter 2's prediction)",
            ),
            language.pick("损失", "Loss"),
        )?;
        for (eps, points) in &curves {
            let color = if *eps > 0.0 { ACCENT } else { CURVE };
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(3),
                ))?
                .label(if *eps > 0.0 {
                    "ε = 0.1".to_string()
                } else {
                    language
                        .pick("不平滑（ε = 0）", "No smoothing (ε = 0)")
                        .to_string()
                })
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3))
                });
        }
        chart.draw_series(DashedLineSeries::new(
            [(-3.0, floor), (9.0, floor)],
            6,
            4,
            MUTED.stroke_width(2),
        ))?;
        chart.draw_series([EmptyElement::at((3.2, floor))
            + Text::new(
                language.pick(
                    format!("H(ỹ) ≈ {floor:.3}：所有 logit 都可调时的下限"),
                    format!("H(ỹ) ≈ {floor:.3}: the floor when every logit may move"),
                ),
                // 英文的标注更长：左移，免得超出图的右边
                language.pick((0, 8), (-30, 8)),
                (FONT, 15).into_font().color(&INK),
            )])?;
        chart.draw_series([Circle::new(lowest, 6, ACCENT.filled())])?;
        chart.draw_series([EmptyElement::at(lowest)
            + Text::new(
                language.pick(
                    format!("最低点：z = {:.3}，损失 ≈ {:.3}", lowest.0, lowest.1),
                    format!("Minimum: z = {:.3}, loss ≈ {:.3}", lowest.0, lowest.1),
                ),
                // 英文的标注更宽，左端会碰到曲线：稍微抬高
                language.pick((-110, -36), (-110, -46)),
                (FONT, 16).into_font().color(&ACCENT),
            )])?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}
