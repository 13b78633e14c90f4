//! Chapter 2, 独热向量与交叉熵: the prediction after "我 爱 吃".

use plotters::prelude::*;

use super::{ACCENT, FONT, FigureError, INK, MUTED, chart, svg, vocab_axes};
use crate::one_hot::GOOD_PREDICTION;
use crate::surprise::surprise;

/// Chapter 2: the prediction after "我 爱 吃" as bars, the answer "苹果" highlighted.
///
/// ```
/// let svg = listings::machinery::figures::prediction_bars().unwrap();
/// assert!(svg.contains("苹果") && svg.contains("0.51"));
/// ```
pub fn prediction_bars() -> Result<String, FigureError> {
    let target = 3;
    let loss = surprise(GOOD_PREDICTION[target])?;
    svg(|root| {
        let mut chart = chart(
            root,
            "“我 爱 吃”之后：模型给每个词的概率",
            -0.5..4.5,
            0.0..0.8,
        )?;
        vocab_axes(
            &mut chart,
            "下一个词元（真实答案：苹果，id 3）",
            "预测概率 ŷ",
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
                format!("惊讶度 −ln {:.2} ≈ {loss:.2}", GOOD_PREDICTION[target]),
                (-80, -48),
                (FONT, 18).into_font().color(&ACCENT),
            )])?;
        Ok(())
    })
}
