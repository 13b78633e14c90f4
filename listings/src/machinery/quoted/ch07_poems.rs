//! Chapter 7, 让模型读唐诗: the data and the baselines computed now; the training run's
//! numbers read from the committed `train/results.json`.

use super::{Kind, Quoted, QuotedError, Values, quote};

const CHAPTER: &str = "ch07-poems";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    use crate::machinery::poems_run::{PoemsRun, baselines};
    use crate::poems::run::Data;
    use crate::poems::sample::softmax_at;
    let data = Data::poems(crate::poems::run::FULL.context).map_err(crate::poems::run::RunError::from)?;
    let b = baselines(&data)?;
    let run = PoemsRun::load()?;
    let best = run.best().copied().unwrap_or(crate::poems::run::Epoch {
        epoch: 0,
        steps: 0,
        train: f64::NAN,
        valid: f64::NAN,
    });
    let last = run.epochs.last().copied().unwrap_or(best);
    let bits = |nats: f64| nats / std::f64::consts::LN_2;
    let z: ndarray::Array1<f32> = [0.05_f32, 0.10, 0.20, 0.60, 0.05]
        .iter()
        .map(|p| p.ln())
        .collect();
    let mut apple = Vec::new();
    for t in [0.5, 1.0, 2.0] {
        apple.push(f64::from(softmax_at(z.view(), t).map_err(crate::poems::run::RunError::from)?[3]));
    }
    let p = &run.by_position;
    // The bigram at each position too: where the model's margin over it comes from.
    let counted = crate::poems::baselines::CountedBigram::new(&data.train, data.vocabulary.len())?;
    let q = crate::poems::reading::by_position(
        &counted.surprises(&data.valid, b.bigram.alpha)?,
        &data.valid,
    )?;
    let mean = |v: &[f64], keep: &dyn Fn(usize) -> bool| {
        let kept: Vec<f64> = (0..v.len()).filter(|&i| keep(i)).map(|i| v[i]).collect();
        kept.iter().sum::<f64>() / kept.len() as f64
    };
    let is_char = |i: usize| i < 24 && i % 6 != 5;
    let is_mark = |i: usize| i % 6 == 5;
    let (model_chars, bigram_chars) = (mean(p, &is_char), mean(&q, &is_char));
    let (model_marks, bigram_marks) = (mean(p, &is_mark), mean(&q, &is_mark));
    let punctuation = [p[5], p[11], p[17], p[23]];
    let line_starts = [p[0], p[6], p[12], p[18]];
    let characters: Vec<f64> = (0..24).filter(|i| i % 6 != 5).map(|i| p[i]).collect();
    let char_positions = [
        characters.iter().copied().fold(f64::INFINITY, f64::min),
        characters.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ];
    Ok(vec![
        quote!(
            CHAPTER,
            "baselines",
            Computed,
            [b.uniform, b.unigram_entropy, b.unigram.loss, b.bigram.loss]
        ),
        quote!(CHAPTER, "apple_at_temperatures", Computed, apple),
        // The committed run.
        quote!(CHAPTER, "start", Computed, [run.epochs[0].train, run.epochs[0].valid]),
        quote!(CHAPTER, "first_epoch", Computed, [run.epochs[1].train, run.epochs[1].valid]),
        quote!(CHAPTER, "best", Computed, [best.train, best.valid]),
        quote!(CHAPTER, "best_bits", Computed, bits(best.valid)),
        quote!(CHAPTER, "last", Computed, [last.train, last.valid]),
        quote!(
            CHAPTER,
            "margin_over_bigram",
            Computed,
            [b.bigram.loss - best.valid, bits(b.bigram.loss - best.valid)]
        ),
        quote!(
            CHAPTER,
            "perplexity_ratio",
            Computed,
            b.bigram.loss.exp() / best.valid.exp()
        ),
        quote!(CHAPTER, "gap_at_best", Computed, best.valid - best.train),
        quote!(CHAPTER, "gap_at_last", Computed, last.valid - last.train),
        quote!(CHAPTER, "train_minutes", Computed, run.train_seconds / 60.0),
        quote!(CHAPTER, "punctuation", Computed, punctuation),
        quote!(CHAPTER, "line_starts", Computed, line_starts),
        quote!(CHAPTER, "char_positions", Computed, char_positions),
        quote!(CHAPTER, "end", Computed, p[24]),
        quote!(CHAPTER, "bigram_third_line", Computed, q[12]),
        quote!(
            CHAPTER,
            "on_characters",
            Computed,
            [model_chars, bigram_chars, bigram_chars - model_chars]
        ),
        quote!(CHAPTER, "on_marks", Computed, [model_marks, bigram_marks]),
        // Of the margin per prediction: what the 20 character positions, the 4 marks and
        // the end contribute (each position is 1/25 of the predictions).
        quote!(
            CHAPTER,
            "margin_parts",
            Computed,
            [
                (bigram_chars - model_chars) * 20.0 / 25.0,
                ((bigram_marks - model_marks) * 4.0 + (q[24] - p[24])) / 25.0
            ]
        ),
        quote!(CHAPTER, "ln_2", Computed, std::f64::consts::LN_2),
        quote!(
            CHAPTER,
            "interpolated",
            Computed,
            [b.interpolated.loss, b.interpolated.bigram, b.interpolated.position, best.valid - b.interpolated.loss]
        ),
        quote!(CHAPTER, "unseen_surprise", Computed, run.unseen_surprise),
        // The probability the model gives the end after the fourth line: e^(-surprise).
        quote!(CHAPTER, "end_probability", Computed, (-p[24]).exp()),
        quote!(
            CHAPTER,
            "unseen_share",
            Computed,
            run.unseen_surprise * run.unseen_count as f64 / run.data.valid_predictions as f64
        ),
        quote!(
            CHAPTER,
            "chars",
            Computed,
            run.least_surprising
                .iter()
                .chain(&run.most_surprising)
                .map(|c| c.surprise)
                .collect::<Vec<f64>>()
        ),
        quote!(CHAPTER, "temperatures", Input, crate::machinery::poems_run::TEMPERATURES),
        quote!(CHAPTER, "learning_rate", Input, [run.config.learning_rate]),
        // Adam's defaults, as torch.optim.Adam's.
        quote!(CHAPTER, "adam_betas", Input, [0.9, 0.999]),
    ])
}
