//! Chapter 7, 让模型读唐诗: the committed training run's curves, and where in a poem the
//! model is surprised.

use plotters::prelude::*;

use super::{
    ACCENT, CURVE, FONT, FigureError, INK, Language, MUTED, category_axes, chart, legend, svg,
};
use crate::machinery::poems_run::PoemsRun;
use crate::poems::baselines::CountedBigram;
use crate::poems::reading::by_position;

/// Chapter 7: the training and validation losses epoch by epoch, against the baselines.
///
/// ```
/// use listings::machinery::figures::{Language, poems_curve};
/// assert!(poems_curve(Language::Chinese).unwrap().contains("验证"));
/// assert!(poems_curve(Language::English).unwrap().contains("Validation"));
/// ```
pub fn poems_curve(language: Language) -> Result<String, FigureError> {
    let run = PoemsRun::load()?;
    let last = run.epochs.len().saturating_sub(1) as f64;
    let b = &run.baselines;
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "唐诗上的训练：训练损失一直降，验证损失先降后升",
                "Tang poems: the training loss falls, the validation loss turns",
            ),
            0.0..last,
            0.0..9.0,
        )?;
        // 轮数是整数：x 轴只标 0、1、2、…
        chart
            .configure_mesh()
            .x_labels(run.epochs.len())
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc(language.pick(
                "轮（把训练诗读完一遍是一轮）",
                "Epochs (passes over the training poems)",
            ))
            .y_desc(language.pick(
                "平均惊讶度（奈特/字）",
                "Mean surprise (nats per character)",
            ))
            .light_line_style(WHITE)
            .axis_desc_style((FONT, 18))
            .label_style((FONT, 15))
            .draw()?;
        for (values, color, name) in [
            (
                run.epochs.iter().map(|e| e.train).collect::<Vec<_>>(),
                CURVE,
                language.pick("训练诗", "Training poems"),
            ),
            (
                run.epochs.iter().map(|e| e.valid).collect(),
                ACCENT,
                language.pick("验证诗", "Validation poems"),
            ),
        ] {
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(i, &l)| (i as f64, l)),
                    color.stroke_width(3),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3))
                });
            chart.draw_series(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| Circle::new((i as f64, l), 3, color.filled())),
            )?;
        }
        // 一元和二元的线挨得很近：一个的标注写在线上方，一个写在线下方
        for (value, name, dy) in [
            (
                b.uniform,
                language.pick("均匀猜测 ln C", "Uniform guess ln C"),
                -18,
            ),
            (
                b.unigram.loss,
                language.pick("一元（字频）", "Unigram (character counts)"),
                -18,
            ),
            (
                b.bigram.loss,
                language.pick("二元（第 5 章）", "Bigram (chapter 5)"),
                4,
            ),
        ] {
            chart.draw_series(LineSeries::new(
                [(0.0, value), (last, value)],
                MUTED.stroke_width(2),
            ))?;
            // 标注写在第 1 轮附近：那里两条曲线都已经落到线下
            chart.draw_series([EmptyElement::at((1.3, value))
                + Text::new(
                    format!("{name} {value:.2}"),
                    (0, dy),
                    (FONT, 14).into_font().color(&INK),
                )])?;
        }
        if let Some(best) = run.best() {
            chart.draw_series([EmptyElement::at((best.epoch as f64, best.valid))
                + Circle::new((0, 0), 7, ACCENT.stroke_width(2))
                + Text::new(
                    format!("{} {:.2}", language.pick("最低", "lowest"), best.valid),
                    (-20, 14),
                    (FONT, 15).into_font().color(&INK),
                )])?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerLeft)
    })
}

/// Chapter 7: the kept model's mean surprise at each position of a validation poem.
///
/// ```
/// use listings::machinery::figures::{Language, poems_positions};
/// assert!(poems_positions(Language::Chinese).unwrap().contains("位置"));
/// assert!(poems_positions(Language::English).unwrap().contains("Position"));
/// ```
pub fn poems_positions(language: Language) -> Result<String, FigureError> {
    let run = PoemsRun::load()?;
    // The bigram at each position, for comparison: counted now, as the chapter does.
    let data = crate::poems::run::Data::poems(run.config.context)
        .map_err(crate::poems::run::RunError::from)?;
    let counted = CountedBigram::new(&data.train, data.vocabulary.len())?;
    let bigram = by_position(
        &counted.surprises(&data.valid, run.baselines.bigram.alpha)?,
        &data.valid,
    )?;
    let labels: Vec<String> = (1..=run.by_position.len())
        .map(|p| {
            if p == run.by_position.len() {
                "⏎".to_string()
            } else {
                p.to_string()
            }
        })
        .collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    svg(|root| {
        let mut chart = chart(
            root,
            language.pick(
                "诗里的每个位置上，模型平均有多惊讶（验证诗）",
                "How surprised the model is at each position of a poem (validation)",
            ),
            -0.5..(labels.len() as f64 - 0.5),
            // 上面留出图例的地方
            0.0..10.5,
        )?;
        category_axes(
            &mut chart,
            &labels,
            (
                language.pick(
                    "诗里的位置（6、12、18、24 是标点，⏎ 是诗的结束）",
                    "Position in the poem (6, 12, 18, 24 are punctuation; ⏎ is the end)",
                ),
                language.pick("平均惊讶度（奈特）", "Mean surprise (nats)"),
            ),
            None,
        )?;
        chart
            .draw_series(run.by_position.iter().enumerate().map(|(i, &s)| {
                let x = i as f64;
                // 每行的第一个字（位置 1、7、13、19）用强调色
                let color = if i % 6 == 0 && i < 24 { ACCENT } else { CURVE };
                Rectangle::new([(x - 0.35, 0.0), (x + 0.35, s)], color.filled())
            }))?
            .label(language.pick(
                format!("本章的模型（第 {} 轮）", run.best_epoch),
                format!("This chapter's model (epoch {})", run.best_epoch),
            ))
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], CURVE.filled()));
        // 二元模型：每个位置一道短横线
        chart
            .draw_series(bigram.iter().enumerate().map(|(i, &s)| {
                let x = i as f64;
                PathElement::new([(x - 0.45, s), (x + 0.45, s)], INK.stroke_width(3))
            }))?
            .label(language.pick("二元模型", "Bigram"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], INK.stroke_width(3)));
        chart.draw_series(run.by_position.iter().enumerate().map(|(i, &s)| {
            EmptyElement::at((i as f64, s))
                + Text::new(
                    format!("{s:.1}"),
                    (-9, -16),
                    (FONT, 11).into_font().color(&INK),
                )
        }))?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}
