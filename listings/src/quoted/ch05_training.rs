//! Chapter 5, 让模型少一点惊喜: the bigram model trained for 200 steps.

use super::{Kind, Quoted, QuotedError, Values, quote};

const CHAPTER: &str = "ch05-training";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    let (inputs, targets) = crate::training::pairs(&crate::training::SENTENCES)?;
    let uniform = crate::training::Bigram::uniform(5);
    let (trained, losses) = crate::training::train(uniform.clone(), &inputs, &targets, 2.0, 200)?;
    let floor = crate::training::data_entropy(&inputs, &targets, 5)?;
    let (h_wo, kl_wo) = crate::information::cross_entropy_decomposed(
        &[0.0, 2.0 / 3.0, 1.0 / 3.0, 0.0, 0.0],
        &[0.2; 5],
    )?;
    Ok(vec![
        // Chapter 5: training a bigram model.
        quote!(
            CHAPTER,
            "start_loss",
            Computed,
            uniform.loss(&inputs, &targets)?
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
        quote!(CHAPTER, "floor", Computed, floor),
        quote!(CHAPTER, "h_after_wo", Computed, h_wo),
        quote!(CHAPTER, "kl_after_wo", Computed, kl_wo),
        quote!(
            CHAPTER,
            "perplexities",
            Computed,
            [
                crate::information::perplexity(losses[200]),
                crate::information::perplexity(floor)
            ]
        ),
        quote!(CHAPTER, "ex_learning_rate", Input, [0.5]),
        quote!(
            CHAPTER,
            "ex_slow",
            Computed,
            crate::training::train(uniform.clone(), &inputs, &targets, 0.5, 200)?.1[200]
        ),
        quote!(CHAPTER, "ex_more_floor", Computed, {
            let more = [
                "我 爱 吃 苹果 eos",
                "我 吃 苹果 eos",
                "我 爱 苹果 eos",
                "我 爱 吃 苹果 eos",
            ];
            let (x, y) = crate::training::pairs(&more)?;
            crate::training::data_entropy(&x, &y, 5)?
        }),
    ])
}
