//! Chapter 3, PyTorch 式的融合损失: the worked batch of six positions.

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::fused::{
    BATCH_TARGETS, Reduction, batch_logits, cross_entropy, cross_entropy_grad, per_row_losses,
    softmax,
};

const CHAPTER: &str = "ch03-fused";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    let logits = batch_logits();
    let grad = cross_entropy_grad(logits.view(), &BATCH_TARGETS, Reduction::Mean)?;
    Ok(vec![
        // Chapter 3: the fused loss.
        quote!(CHAPTER, "f32_exp_limit", Computed, f32::MAX.ln()),
        quote!(CHAPTER, "f64_exp_limit", Computed, f64::MAX.ln()),
        quote!(
            CHAPTER,
            "f32_spacing_at_1e4",
            Computed,
            10000.0_f32.next_up() - 10000.0
        ),
        quote!(
            CHAPTER,
            "row2_target_logit",
            Input,
            logits[[2, BATCH_TARGETS[2]]]
        ),
        quote!(
            CHAPTER,
            "row_losses",
            Computed,
            per_row_losses(logits.view(), &BATCH_TARGETS)?
        ),
        quote!(
            CHAPTER,
            "mean",
            Computed,
            cross_entropy(logits.view(), &BATCH_TARGETS, Reduction::Mean)?
        ),
        quote!(
            CHAPTER,
            "sum",
            Computed,
            cross_entropy(logits.view(), &BATCH_TARGETS, Reduction::Sum)?
        ),
        quote!(
            CHAPTER,
            "row2_softmax",
            Computed,
            softmax(logits.view())?.row(2).to_owned()
        ),
        quote!(CHAPTER, "row2_grad", Computed, grad.row(2).to_owned()),
        quote!(
            CHAPTER,
            "row2_grad_times_n",
            Computed,
            grad.row(2).to_owned() * 6.0
        ),
        quote!(
            CHAPTER,
            "gpt2_logits_gb",
            Computed,
            (8192.0 * 50257.0 * 4.0) / 1e9
        ),
    ])
}
