//! Chapter 2, 独热向量与交叉熵: the prediction after "我 爱 吃".

use plotters::prelude::*;

use super::{ACCENT, FONT, FigureError, INK, Language, MUTED, chart, svg, vocab_axes};
use crate::one_hot::GOOD_PREDICTION;
use crate::surprise::surprise;

/// Chapter 2: the prediction after "我 爱 吃" as bars, the answer "苹果" highlighted.
///
/// ```
/// use listings::machinery::figures::{Language, prediction_bars};
/// let svg = prediction_bars(Language::Chinese).unwrap();
/// assert!(svg.contains("苹果") && svg.contains("0.51"));
/// let svg = prediction_bars(Language::English).unwrap();
/// assert!(svg.contains("(true answer: 苹果, id 3)") && svg.contains("Surprise −ln 0.60 ≈ 0.51"));
/// ```
pub fn prediction_bars(language: Language) -> Result<String, FigureError> {
    let target = 3;
    let loss = surprise(GOOD_PREDICTION[target])?;
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "“我 爱 吃”之后：模型给每个词的概率",
                "After “我 爱 吃”: the model's probability for each token",
            ),
            -0.5..4.5,
            0.0..0.8,
        )?;
        vocab_axes(
            &mut chart,
            language.pick(
                "下一个词元（真实答案：苹果，id 3）",
                "Next token (true answer: 苹果, id 3)",
            ),
            language.pick("预测概率 ŷ", "Predicted probability ŷ"),
        )?;
        chart.draw_series(GOOD_PREDICTION.iter().enumerate().map(|(i, &p)| {
            let x = i as f64;
            let color = if i == target { ACCENT } else { MUTED };
            Rectangle::new([(x - 0.32, 0.0), (x + 0.32, p)], color.filled())
        }))?;
        chart.draw_series(GOOD_PREDICTION.iter().enumerate().map(|(i, &p)| {
            EmptyElement::at((i as f64, p))
                + Text::new(
                    format!("{p:.2}"),
                    (-16, -22),
                    (FONT, 16).into_font().color(&INK),
                )
        }))?;
        let x = target as f64;
        chart.draw_series([EmptyElement::at((x, GOOD_PREDICTION[target]))
            + Text::new(
                format!(
                    "{} −ln {:.2} ≈ {loss:.2}",
                    language.pick("惊讶度", "Surprise"),
                    GOOD_PREDICTION[target]
                ),
                language.pick((-80, -48), (-90, -48)),
                (FONT, 18).into_font().color(&ACCENT),
            )])?;
        Ok(())
    })
}
