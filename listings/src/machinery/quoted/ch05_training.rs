//! Chapter 5, 让模型少一点惊讶: the bigram model trained for 200 steps.

use super::{Kind, Quoted, QuotedError, Values, quote};

const CHAPTER: &str = "ch05-training";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    use crate::information::{cross_entropy_decomposed, kl_divergence, perplexity};
    use crate::training::{
        chapter_run, conditional_entropy, corpus_surprise, empirical_next, next_word_entropy,
        pairs, train,
    };
    let run = chapter_run()?;
    let (inputs, targets) = (&run.inputs, &run.targets);
    let (uniform, trained, losses, floor) = (&run.uniform, &run.trained, &run.losses, run.floor);
    let (longer, longer_losses) = train(uniform.clone(), inputs, targets, 2.0, 2000)?;
    // The counted frequencies as a model: the product of each position's frequency.
    let mut best = 1.0_f64;
    for (&prev, &next) in inputs.iter().zip(targets) {
        best *= empirical_next(inputs, targets, prev, 5)?[next as usize];
    }
    let totals = [
        corpus_surprise(uniform, inputs, targets)?,
        corpus_surprise(trained, inputs, targets)?,
        -f64::ln(best),
    ];
    let mut max_weight = 0.0_f64;
    for word in 0..5 {
        let n_a = inputs.iter().filter(|&&a| a == word).count() as f64;
        max_weight = max_weight.max(n_a / inputs.len() as f64);
    }
    let (h_wo, kl_wo) =
        cross_entropy_decomposed(&[0.0, 2.0 / 3.0, 1.0 / 3.0, 0.0, 0.0], &[0.2; 5])?;
    Ok(vec![
        // Chapter 5: training a bigram model.
        quote!(
            CHAPTER,
            "start_loss",
            Computed,
            uniform.loss(inputs, targets)?
        ),
        quote!(CHAPTER, "learning_rate", Input, [2.0]),
        quote!(
            CHAPTER,
            "losses",
            Computed,
            [losses[10], losses[50], losses[100]]
        ),
        quote!(CHAPTER, "final_loss", Computed, losses[200]),
        quote!(CHAPTER, "uniform_probability", Computed, 1.0 / 5.0),
        quote!(CHAPTER, "final_apple", Computed, trained.next_word(2)?[3]),
        // 苹果 is a context 3 times, 吃 only twice: its row learns faster.
        quote!(CHAPTER, "final_eos", Computed, trained.next_word(3)?[4]),
        // The largest weight n_a / N of a row in the gradient, and the learning rate below
        // which every step is sure to go down: 2 / (max n_a/N · ½), the Hessian's largest
        // eigenvalue being at most (n_a / N) · ½.
        quote!(CHAPTER, "max_row_weight", Computed, max_weight),
        quote!(CHAPTER, "descent_bound", Computed, 2.0 / (max_weight * 0.5)),
        // Maximum likelihood: the whole corpus's total surprise and probability, for the
        // uniform model, the trained one and the counted frequencies.
        quote!(CHAPTER, "corpus_surprise", Computed, totals),
        quote!(
            CHAPTER,
            "corpus_probability",
            Computed,
            [(-totals[0]).exp(), (-totals[1]).exp(), best]
        ),
        quote!(CHAPTER, "floor", Computed, floor),
        quote!(
            CHAPTER,
            "next_word_entropy",
            Computed,
            next_word_entropy(targets, 5)?
        ),
        quote!(CHAPTER, "h_after_wo", Computed, h_wo),
        quote!(CHAPTER, "kl_after_wo", Computed, kl_wo),
        quote!(
            CHAPTER,
            "kl_both_ways",
            Computed,
            [
                kl_divergence(&[0.9, 0.1], &[0.5, 0.5])?,
                kl_divergence(&[0.5, 0.5], &[0.9, 0.1])?
            ]
        ),
        // The trained table approaches the counts: P(爱 | 我) after 200 and 2000 steps.
        quote!(
            CHAPTER,
            "wo_ai",
            Computed,
            [trained.next_word(0)?[1], longer.next_word(0)?[1]]
        ),
        quote!(CHAPTER, "longer_loss", Computed, longer_losses[2000]),
        // How far above the floor after 200 and 2000 steps: roughly 2 / steps.
        quote!(
            CHAPTER,
            "gaps",
            Computed,
            [losses[200] - floor, longer_losses[2000] - floor]
        ),
        quote!(
            CHAPTER,
            "perplexities",
            Computed,
            [perplexity(losses[200]), perplexity(floor)]
        ),
        quote!(CHAPTER, "ex_learning_rate", Input, [0.5]),
        quote!(
            CHAPTER,
            "ex_slow",
            Computed,
            train(uniform.clone(), inputs, targets, 0.5, 200)?.1[200]
        ),
        // Exercise 1: a learning rate of 13 still falls at every step; 20 jumps across.
        quote!(
            CHAPTER,
            "ex_lr13_final",
            Computed,
            train(uniform.clone(), inputs, targets, 13.0, 200)?.1[200]
        ),
        quote!(CHAPTER, "ex_lr20_first", Computed, {
            let jumpy = train(uniform.clone(), inputs, targets, 20.0, 5)?.1;
            [jumpy[1], jumpy[2], jumpy[3], jumpy[4], jumpy[5]]
        }),
        quote!(CHAPTER, "ex_lr20_last", Computed, {
            let jumpy = train(uniform.clone(), inputs, targets, 20.0, 200)?.1;
            [jumpy[199], jumpy[200]]
        }),
        quote!(CHAPTER, "ex_more_floor", Computed, {
            let more = [
                "我 爱 吃 苹果 eos",
                "我 吃 苹果 eos",
                "我 爱 苹果 eos",
                "我 爱 吃 苹果 eos",
            ];
            let (x, y) = pairs(&more)?;
            conditional_entropy(&x, &y, 5)?
        }),
        quote!(CHAPTER, "ex_chi_floor", Computed, {
            use crate::surprise::entropy;
            (3.0 * entropy(&[1.0])? + 3.0 * entropy(&[2.0 / 3.0, 1.0 / 3.0])?) / 6.0
        }),
        quote!(CHAPTER, "ex_gpt2_loss", Computed, {
            let loss = -(1.0_f64 / 50257.0).ln();
            [loss, crate::surprise::nats_to_bits(loss)]
        }),
    ])
}
