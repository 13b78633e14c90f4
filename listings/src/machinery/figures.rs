//! The figures of the book, drawn with plotters as SVG from the same functions the chapters
//! teach. `cargo xtask figures` writes them to `src/figures/`; the book test
//! `tests/figures.rs` fails when a committed figure differs from what this code draws now.
//!
//! Text is laid out with plotters' built-in font metrics (no system fonts are read), so the
//! SVG is byte-for-byte the same on every machine; the browser draws the glyphs.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use thiserror::Error;

use crate::fused::{BATCH_TARGETS, batch_logits};
use crate::fused::{Reduction, cross_entropy_grad, per_row_losses};
use crate::one_hot::GOOD_PREDICTION;
use crate::one_hot::VOCAB;
use crate::surprise::surprise;
use crate::{CrossEntropyLoss, LossError, Target};

/// Why a figure could not be drawn.
#[derive(Debug, Error)]
pub enum FigureError {
    #[error("drawing failed: {0}")]
    Drawing(String),
    #[error(transparent)]
    Loss(#[from] LossError),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for FigureError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        FigureError::Drawing(e.to_string())
    }
}

/// A figure of the book: its file name under `src/figures/` and the code that draws it.
pub struct Figure {
    pub file: &'static str,
    pub draw: fn() -> Result<String, FigureError>,
}

/// Every figure, in the order the chapters show them.
///
/// ```
/// let files: Vec<_> = listings::machinery::figures::all().iter().map(|f| f.file).collect();
/// assert_eq!(files, ["surprise-curve.svg", "prediction-bars.svg", "loss-vs-logit.svg",
///                    "label-smoothing.svg", "training-loss.svg", "training-prediction.svg",
///                    "speed-forward-backward.svg", "linear-memory.svg"]);
/// ```
pub fn all() -> Vec<Figure> {
    vec![
        Figure {
            file: "surprise-curve.svg",
            draw: surprise_curve,
        },
        Figure {
            file: "prediction-bars.svg",
            draw: prediction_bars,
        },
        Figure {
            file: "loss-vs-logit.svg",
            draw: loss_vs_logit,
        },
        Figure {
            file: "label-smoothing.svg",
            draw: label_smoothing,
        },
        Figure {
            file: "training-loss.svg",
            draw: training_loss,
        },
        Figure {
            file: "training-prediction.svg",
            draw: training_prediction,
        },
        Figure {
            file: "speed-forward-backward.svg",
            draw: speed_forward_backward,
        },
        Figure {
            file: "linear-memory.svg",
            draw: linear_memory,
        },
    ]
}

const SIZE: (u32, u32) = (720, 440);
const FONT: &str = "sans-serif";
const INK: RGBColor = RGBColor(40, 40, 40);
const CURVE: RGBColor = RGBColor(31, 119, 180);
const ACCENT: RGBColor = RGBColor(214, 90, 20);
const MUTED: RGBColor = RGBColor(150, 170, 200);

/// The charts of the book: f64 on both axes.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart with the book's caption style, margins and axis areas.
fn chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, 'b>, FigureError> {
    Ok(ChartBuilder::on(root)
        .caption(caption, (FONT, 22).into_font().color(&INK))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(x, y)?)
}

/// The book's axes: described in Chinese, without the busy minor grid.
fn axes(chart: &mut Chart, x_desc: &str, y_desc: &str) -> Result<(), FigureError> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .light_line_style(WHITE)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 15))
        .draw()?;
    Ok(())
}

/// Axes whose x positions 0..5 are the vocabulary's words (for bar charts).
fn vocab_axes(chart: &mut Chart, x_desc: &str, y_desc: &str) -> Result<(), FigureError> {
    category_axes(chart, &VOCAB, (x_desc, y_desc), None)
}

/// Axes whose x positions 0, 1, … are named by `labels` (for bar charts); `y_label`
/// writes the y axis's labels where plotters' own numbers would not do.
fn category_axes(
    chart: &mut Chart,
    labels: &[&str],
    (x_desc, y_desc): (&str, &str),
    y_label: Option<&dyn Fn(&f64) -> String>,
) -> Result<(), FigureError> {
    let x_label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-9 && (0.0..labels.len() as f64).contains(&i) {
            labels[i as usize].to_string()
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .x_labels(labels.len())
        .x_label_formatter(&x_label)
        .y_desc(y_desc)
        .x_desc(x_desc)
        .light_line_style(WHITE)
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 16));
    if let Some(y_label) = y_label {
        mesh.y_label_formatter(y_label);
    }
    mesh.draw()?;
    Ok(())
}

/// The legend of the labelled series, where it hides nothing.
fn legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    at: SeriesLabelPosition,
) -> Result<(), FigureError> {
    chart
        .configure_series_labels()
        .position(at)
        .label_font((FONT, 16))
        .background_style(WHITE.mix(0.9))
        .border_style(INK)
        .draw()?;
    Ok(())
}

/// One labelled series of bars `(x, top, text)`, 0.36 wide, rising from `base`, each with
/// its `text` above it (shifted `text_dx` pixels to centre it).
fn bar_series<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    bars: &[(f64, f64, String)],
    (base, text_dx): (f64, i32),
    color: RGBColor,
    name: &str,
) -> Result<(), FigureError> {
    chart
        .draw_series(bars.iter().map(|&(x, top, _)| {
            Rectangle::new([(x - 0.18, base), (x + 0.18, top)], color.filled())
        }))?
        .label(name)
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.filled()));
    chart.draw_series(bars.iter().map(|(x, top, text)| {
        EmptyElement::at((*x, *top))
            + Text::new(
                text.clone(),
                (text_dx, -18),
                (FONT, 13).into_font().color(&INK),
            )
    }))?;
    Ok(())
}

/// Draws on a fresh white SVG canvas and returns the SVG text.
fn svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), FigureError>,
) -> Result<String, FigureError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        // A white card keeps the figure readable on the book's dark themes too.
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(out)
}

/// Chapter 1: the curve `-ln p` with the coin's two outcomes marked.
///
/// ```
/// let svg = listings::machinery::figures::surprise_curve().unwrap();
/// assert!(svg.starts_with("<svg") && svg.contains("反面"));
/// ```
pub fn surprise_curve() -> Result<String, FigureError> {
    let heads = surprise(0.9_f64)?;
    let tails = surprise(0.1_f64)?;
    svg(|root| {
        let mut chart = chart(
            root,
            "惊讶度 = −ln p：越不可能的事，发生时越令人惊讶",
            0.0..1.0,
            0.0..5.0,
        )?;
        axes(&mut chart, "事件的概率 p", "惊讶度 −ln p（奈特）")?;
        // 曲线在这里（惊讶度 = 5）离开图的上边
        let first = (-5.0_f64).exp();
        let curve = (0..=400).map(|i| {
            let p = first + (1.0 - first) * f64::from(i) / 400.0;
            (p, -p.ln())
        });
        chart.draw_series(LineSeries::new(curve, CURVE.stroke_width(3)))?;
        // 标注的偏移（像素）：正面的标注放在曲线上方，免得压住曲线
        for (p, s, label, dx, dy) in [
            (0.9, heads, "正面", -232, -80),
            (0.1, tails, "反面", 14, -34),
        ] {
            chart.draw_series([Circle::new((p, s), 7, ACCENT.filled())])?;
            chart.draw_series([EmptyElement::at((p, s))
                + Text::new(
                    format!("{label}：p = {p}，惊讶度 ≈ {s:.3}"),
                    (dx, dy),
                    (FONT, 17).into_font().color(&ACCENT),
                )])?;
        }
        Ok(())
    })
}

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

/// Chapter 3: one row's loss and its gradient as the logit of the right answer varies.
///
/// ```
/// let svg = listings::machinery::figures::loss_vs_logit().unwrap();
/// assert!(svg.contains("梯度"));
/// ```
pub fn loss_vs_logit() -> Result<String, FigureError> {
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
            "答案的 logit 越大，损失越小，梯度越接近 0",
            -4.0..6.0,
            -1.2..6.0,
        )?;
        axes(
            &mut chart,
            "“苹果”的 logit z₃（其余 logit 不变）",
            "损失 / 梯度",
        )?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(z, l, _)| (z, l)),
                CURVE.stroke_width(3),
            ))?
            .label("损失 = logsumexp(z) − z₃")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], CURVE.stroke_width(3)));
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(z, _, g)| (z, g)),
                ACCENT.stroke_width(3),
            ))?
            .label("梯度 ∂损失/∂z₃ = ŷ₃ − 1")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], ACCENT.stroke_width(3)));
        chart.draw_series([
            Circle::new((at, loss_at), 6, CURVE.filled()),
            Circle::new((at, grad_at), 6, ACCENT.filled()),
        ])?;
        chart.draw_series([EmptyElement::at((at, loss_at))
            + Text::new(
                format!("z₃ = {at}：损失 ≈ {loss_at:.3}，梯度 ≈ {grad_at:.3}"),
                (10, -26),
                (FONT, 16).into_font().color(&INK),
            )])?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

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
/// let svg = listings::machinery::figures::label_smoothing().unwrap();
/// assert!(svg.contains("ε = 0.1") && svg.contains("z = 1.526"));
/// ```
pub fn label_smoothing() -> Result<String, FigureError> {
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
            "标签平滑让损失在有限的 logit 处取到最小值",
            -3.0..9.0,
            0.0..4.0,
        )?;
        axes(
            &mut chart,
            "“苹果”的 logit z（其余 logit 固定为第 2 章预测的 ln ŷ）",
            "损失",
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
                    "不平滑（ε = 0）".to_string()
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
                format!("H(ỹ) ≈ {floor:.3}：所有 logit 都可调时的下限"),
                (0, 8),
                (FONT, 15).into_font().color(&INK),
            )])?;
        chart.draw_series([Circle::new(lowest, 6, ACCENT.filled())])?;
        chart.draw_series([EmptyElement::at(lowest)
            + Text::new(
                format!("最低点：z = {:.3}，损失 ≈ {:.3}", lowest.0, lowest.1),
                (-110, -36),
                (FONT, 16).into_font().color(&ACCENT),
            )])?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

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

/// Chapter 6: forward+backward on `[8192, 50257]`, every peer at 1 and 2 threads, on a
/// log scale (the slowest takes a hundred times the fastest), from `bench/results.json`.
///
/// ```
/// let svg = listings::machinery::figures::speed_forward_backward().unwrap();
/// assert!(svg.contains("torch (THP)") && svg.contains("2 线程"));
/// ```
pub fn speed_forward_backward() -> Result<String, FigureError> {
    use crate::machinery::speed::{BIG, Bench, PEERS};
    let bench = Bench::load().map_err(|e| FigureError::Drawing(e.to_string()))?;
    let (n, c) = BIG;
    let mut bars = Vec::new();
    for (i, peer) in PEERS.iter().enumerate() {
        for (threads, offset) in [(1, -0.2), (2, 0.2)] {
            let s = bench
                .seconds(n, c, threads, peer, "forward_backward")
                .map_err(|e| FigureError::Drawing(e.to_string()))?;
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
            &PEERS,
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
    use crate::machinery::speed::{Bench, LINEAR_PEERS};
    let bench = Bench::load().map_err(|e| FigureError::Drawing(e.to_string()))?;
    let mut bars = Vec::new();
    for peer in LINEAR_PEERS {
        let (seconds, peak) = bench
            .linear(1, peer)
            .map_err(|e| FigureError::Drawing(e.to_string()))?;
        bars.push((peak / 1e6, seconds.median));
    }
    // What ours must hold at least (its two gradients and one chunk of logits): the
    // measured peak of ours falls below it, so the measurement undercounts.
    let floor = bench
        .linear_floor_bytes()
        .map_err(|e| FigureError::Drawing(e.to_string()))?[3]
        / 1e6;
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
            &LINEAR_PEERS,
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
