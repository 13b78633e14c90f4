//! The figures of the book, drawn with plotters as SVG from the same functions the chapters
//! teach: one module per chapter, and here the list of them all and the style they share.
//! Each figure is drawn in the book's two languages ([`Language`]) by the same code, only
//! its text differs. `cargo xtask figures` writes them to `src/figures/` (Chinese) and
//! `src/figures/en/` (English); the book test `tests/figures.rs` fails when a committed
//! figure differs from what this code draws now.
//!
//! Text is laid out with plotters' built-in font metrics (no system fonts are read), so the
//! SVG is byte-for-byte the same on every machine; the browser draws the glyphs.

mod ch01_coin;
mod ch02_one_hot;
mod ch03_fused;
mod ch04_options;
mod ch05_training;
mod ch06_speed;
mod ch07_poems;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use thiserror::Error;

use crate::LossError;
use crate::machinery::speed::SpeedError;
use crate::one_hot::VOCAB;

pub use ch01_coin::surprise_curve;
pub use ch02_one_hot::prediction_bars;
pub use ch03_fused::loss_vs_logit;
pub use ch04_options::{label_smoothing, smoothing_minimum};
pub use ch05_training::{training_loss, training_prediction};
pub use ch06_speed::{linear_memory, speed_roofline};
pub use ch07_poems::{poems_curve, poems_positions};

/// Why a figure could not be drawn.
#[derive(Debug, Error)]
pub enum FigureError {
    /// plotters could not lay out or write the SVG (the source says which).
    #[error("plotters could not draw the SVG")]
    Drawing(#[from] DrawingAreaErrorKind<std::io::Error>),
    /// A lesson function refused the figure's inputs.
    #[error(transparent)]
    Loss(#[from] LossError),
    /// Chapter 5's training run could not be made.
    #[error(transparent)]
    Training(#[from] crate::training::TrainingError),
    /// The benchmark results a chapter-6 figure draws are missing or unreadable.
    #[error(transparent)]
    Bench(#[from] SpeedError),
    /// Chapter 7's data could not be read, or a counted baseline refused it.
    #[error(transparent)]
    PoemsData(#[from] crate::poems::run::RunError),
    /// Chapter 7's committed training run is missing or unreadable.
    #[error(transparent)]
    Poems(#[from] crate::machinery::poems_run::PoemsRunError),
}

/// The language a figure's text is written in: the book's own Chinese, or its English
/// edition. Only the text differs; the data (the vocabulary's tokens "我", "苹果", …) and
/// the numbers are the same in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Chinese,
    English,
}

impl Language {
    /// Both languages, the book's own first.
    pub const ALL: [Self; 2] = [Self::Chinese, Self::English];

    /// The one of the two texts (or offsets, or anything else) for this language.
    ///
    /// ```
    /// use listings::machinery::figures::Language;
    /// assert_eq!(Language::Chinese.pick("损失", "Loss"), "损失");
    /// assert_eq!(Language::English.pick((-232, -80), (-250, -80)), (-250, -80));
    /// ```
    pub fn pick<T>(self, chinese: T, english: T) -> T {
        match self {
            Self::Chinese => chinese,
            Self::English => english,
        }
    }

    /// The folder of this language's figures under `src/figures/`: "" for Chinese (the
    /// book's own), "en/" for English.
    pub fn folder(self) -> &'static str {
        self.pick("", "en/")
    }
}

/// A figure of the book: its file name under `src/figures/` and the code that draws it in
/// either language.
pub struct Figure {
    pub file: &'static str,
    pub draw: fn(Language) -> Result<String, FigureError>,
}

impl Figure {
    /// Where the figure in `language` lives, relative to `src/figures/`.
    ///
    /// ```
    /// use listings::machinery::figures::{Language, all};
    /// let first = &all()[0];
    /// assert_eq!(first.path(Language::Chinese), "surprise-curve.svg");
    /// assert_eq!(first.path(Language::English), "en/surprise-curve.svg");
    /// ```
    pub fn path(&self, language: Language) -> String {
        format!("{}{}", language.folder(), self.file)
    }
}

/// Every figure, in the order the chapters show them.
///
/// ```
/// let files: Vec<_> = listings::machinery::figures::all().iter().map(|f| f.file).collect();
/// assert_eq!(files, ["surprise-curve.svg", "prediction-bars.svg", "loss-vs-logit.svg",
///                    "label-smoothing.svg", "training-loss.svg", "training-prediction.svg",
///                    "speed-roofline.svg", "linear-memory.svg", "poems-curve.svg",
///                    "poems-positions.svg"]);
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
            file: "speed-roofline.svg",
            draw: speed_roofline,
        },
        Figure {
            file: "linear-memory.svg",
            draw: linear_memory,
        },
        Figure {
            file: "poems-curve.svg",
            draw: poems_curve,
        },
        Figure {
            file: "poems-positions.svg",
            draw: poems_positions,
        },
    ]
}

pub(super) const SIZE: (u32, u32) = (720, 440);
pub(super) const FONT: &str = "sans-serif";
pub(super) const INK: RGBColor = RGBColor(40, 40, 40);
pub(super) const CURVE: RGBColor = RGBColor(31, 119, 180);
pub(super) const ACCENT: RGBColor = RGBColor(214, 90, 20);
pub(super) const MUTED: RGBColor = RGBColor(150, 170, 200);

/// The charts of the book: f64 on both axes.
pub(super) type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart with the book's caption style, margins and axis areas.
pub(super) fn chart<'a, 'b>(
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

/// The book's axes: described in the figure's language, without the busy minor grid.
pub(super) fn axes(chart: &mut Chart, x_desc: &str, y_desc: &str) -> Result<(), FigureError> {
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
pub(super) fn vocab_axes(chart: &mut Chart, x_desc: &str, y_desc: &str) -> Result<(), FigureError> {
    category_axes(chart, &VOCAB, (x_desc, y_desc), None)
}

/// Axes whose x positions 0, 1, … are named by `labels` (for bar charts); `y_label`
/// writes the y axis's labels where plotters' own numbers would not do.
pub(super) fn category_axes(
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
pub(super) fn legend<'a, 'b: 'a>(
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
pub(super) fn bar_series<'a, 'b: 'a>(
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
pub(super) fn svg(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawing_error_keeps_what_plotters_said() {
        let error = FigureError::from(DrawingAreaErrorKind::<std::io::Error>::LayoutError);
        assert_eq!(error.to_string(), "plotters could not draw the SVG");
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("Bad layout"));
    }

    #[test]
    fn every_figure_has_its_own_file() {
        let files: std::collections::BTreeSet<_> = all().iter().map(|f| f.file).collect();
        assert_eq!(files.len(), all().len());
    }

    #[test]
    fn the_languages_have_their_own_folders() {
        assert_eq!(Language::ALL, [Language::Chinese, Language::English]);
        assert_eq!(Language::Chinese.folder(), "");
        assert_eq!(Language::English.folder(), "en/");
    }
}
