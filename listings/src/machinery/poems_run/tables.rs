//! Chapter 7's tables, printed from the committed run: the training curve, the baselines
//! beside the model, the sampled poems and the most and least surprising characters.

use super::PoemsRun;
use crate::poems::reading::CharSurprise;

/// How many columns `text` takes in a terminal: CJK characters and full-width
/// punctuation take two.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| if c >= '\u{2e80}' { 2 } else { 1 })
        .sum()
}

/// `text` right-aligned (`right`) or left-aligned in `columns` terminal columns.
fn pad(text: &str, columns: usize, right: bool) -> String {
    let fill = " ".repeat(columns.saturating_sub(width(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// Nats to bits: `log₂ x = ln x / ln 2`.
fn bits(nats: f64) -> f64 {
    nats / std::f64::consts::LN_2
}

impl PoemsRun {
    /// The training curve as the chapter prints it: every epoch's mean surprise on the
    /// training and validation poems, in nats and bits per character, and the validation
    /// perplexity `e^loss`.
    ///
    /// ```
    /// let run = listings::machinery::poems_run::PoemsRun::load().unwrap();
    /// assert!(run.curve_table().lines().count() == run.epochs.len() + 1);
    /// ```
    pub fn curve_table(&self) -> String {
        let header = [
            "轮",
            "步",
            "训练（奈特）",
            "验证（奈特）",
            "验证（比特）",
            "验证困惑度",
        ];
        let columns = [4, 6, 14, 14, 14, 12];
        let row = |cells: [String; 6]| {
            cells
                .iter()
                .zip(columns)
                .map(|(c, w)| pad(c, w, true))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut lines = vec![row(header.map(String::from))];
        for e in &self.epochs {
            let mark = if e.epoch == self.best_epoch {
                " ←"
            } else {
                ""
            };
            lines.push(
                row([
                    e.epoch.to_string(),
                    e.steps.to_string(),
                    format!("{:.3}", e.train),
                    format!("{:.3}", e.valid),
                    format!("{:.2}", bits(e.valid)),
                    format!("{:.0}", e.valid.exp()),
                ]) + mark,
            );
        }
        lines.join("\n")
    }

    /// The baselines beside the kept model, on the validation poems.
    pub fn baselines_table(&self) -> String {
        let b = &self.baselines;
        let best = self.best().map_or(f64::NAN, |e| e.valid);
        let rows = [
            ("均匀猜测 ln C".to_string(), b.uniform),
            (format!("一元（α = {}）", b.unigram.alpha), b.unigram.loss),
            (format!("二元（α = {}）", b.bigram.alpha), b.bigram.loss),
            ("混合计数（知道位置）".to_string(), b.interpolated.loss),
            (format!("本章的模型（第 {} 轮）", self.best_epoch), best),
        ];
        rows.iter()
            .map(|(name, nats)| {
                format!(
                    "{} {nats:>6.3} 奈特  {:>5.2} 比特  困惑度 {:>5.0}",
                    pad(name, 22, false),
                    bits(*nats),
                    nats.exp()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The poems written at each temperature.
    pub fn samples_table(&self) -> String {
        self.samples
            .iter()
            .map(|s| {
                let poems: Vec<String> = s.poems.iter().map(|p| format!("  {p}")).collect();
                format!("T = {}：\n{}", s.temperature, poems.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The least and the most surprising characters.
    pub fn chars_table(&self) -> String {
        let show = |list: &[CharSurprise]| {
            list.iter()
                .map(|c| {
                    let shown = if c.char == "\n" {
                        "⏎"
                    } else {
                        c.char.as_str()
                    };
                    format!("{shown} {:.2}（{} 次）", c.surprise, c.count)
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        format!(
            "最不惊讶：{}\n最惊讶：  {}",
            show(&self.least_surprising),
            show(&self.most_surprising)
        )
    }
}
