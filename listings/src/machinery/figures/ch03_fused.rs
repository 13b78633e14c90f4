//! Chapter 3, PyTorch 式的交叉熵：LogSoftmax 与 NLLLoss: one row's loss and gradient against the answer's logit.

use plotters::prelude::*;

use super::{ACCENT, CURVE, FONT, FigureError, INK, Language, axes, chart, legend, svg};
use crate::fused::{BATCH_TARGETS, Reduction, batch_logits, cross_entropy_grad, per_row_losses};

/// Chapter 3: one row's loss and its gradient as the logit of the right answer varies.
///
/// ```
/// use listings::machinery::figures::{Language, loss_vs_logit};
/// assert!(loss_vs_logit(Language::Chinese).unwrap().contains("梯度"));
/// assert!(loss_vs_logit(Language::English).unwrap().contains("Gradient ∂loss/∂z₃"));
/// ```
pub fn loss_vs_logit(language: Language) -> Result<String, FigureError> {
    let row = 2; // "我 爱 吃" → "苹果", chapter 2's example
    let target = BATCH_TARGETS[row];
    let mut logits = batch_logits()
        .row(row)
        .to_owned()
        .insert_axis(ndarray::Axis(0));
    let at = logits[[0, target]];
    let mut points = Vec::new();
    for i in 0..=240 {
        let z = -4.0 + 10.0 * f64::from(i) / 240.0;
        logits[[0, target]] = z;
        let loss = per_row_losses(logits.view(), &[target])?[0];
        let grad = cross_entropy_grad(logits.view(), &[target], Reduction::Sum)?[[0, target]];
        points.push((z, loss, grad));
    }
    logits[[0, target]] = at;
    let loss_at = per_row_losses(logits.view(), &[target])?[0];
    let grad_at = cross_entropy_grad(logits.view(), &[target], Reduction::Sum)?[[0, target]];
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "答案的 logit 越大，损失越小，梯度越接近 0",
                "As the answer's logit grows, the loss falls and the gradient nears 0",
            ),
            -4.0..6.0,
            -1.2..6.0,
        )?;
        axes(
            &mut chart,
            language.pick(
                "“苹果”的 logit z₃（其余 logit 不变）",
                "Logit z₃ of “苹果” (the other logits fixed)",
            ),
            language.pick("损失 / 梯度", "Loss / gradient"),
        )?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(z, l, _)| (z, l)),
                CURVE.stroke_width(3),
            ))?
            .label(language.pick("损失 = logsumexp(z) − z₃", "Loss = logsumexp(z) − z₃"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], CURVE.stroke_width(3)));
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(z, _, g)| (z, g)),
                ACCENT.stroke_width(3),
            ))?
            .label(language.pick("梯度 ∂损失/∂z₃ = ŷ₃ − 1", "Gradient ∂loss/∂z₃ = ŷ₃ − 1"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], ACCENT.stroke_width(3)));
        chart.draw_series([
            Circle::new((at, loss_at), 6, CURVE.filled()),
            Circle::new((at, grad_at), 6, ACCENT.filled()),
        ])?;
        chart.draw_series([EmptyElement::at((at, loss_at))
            + Text::new(
                language.pick(
                    format!("z₃ = {at}：损失 ≈ {loss_at:.3}，梯度 ≈ {grad_at:.3}"),
                    format!("z₃ = {at}: loss ≈ {loss_at:.3}, gradient ≈ {grad_at:.3}"),
                ),
                (10, -26),
                (FONT, 16).into_font().color(&INK),
            )])?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}
