//! Chapter 3, PyTorch 式的交叉熵：LogSoftmax 与 NLLLoss: the worked batch of six positions.

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::fused::{
    BATCH_TARGETS, Reduction, batch_logits, cross_entropy, cross_entropy_grad, per_row_losses,
    softmax,
};

use ndarray::Array2;

const CHAPTER: &str = "ch03-fused";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    let logits = batch_logits();
    let grad = cross_entropy_grad(logits.view(), &BATCH_TARGETS, Reduction::Mean)?;
    // The probability the model gives each right answer, row by row.
    let y_hat = softmax(logits.view())?;
    let picked: Vec<f64> = (0..BATCH_TARGETS.len())
        .map(|i| y_hat[[i, BATCH_TARGETS[i]]])
        .collect();
    let sentence: f64 = picked[..3].iter().product();
    Ok(vec![
        // Chapter 3: the fused loss.
        // Where exp overflows (ln of the largest finite number), where its result is
        // subnormal (ln of the smallest normal number) and where it rounds to 0 (ln of half
        // the smallest subnormal): f16 from its constants 65504, 2^-14, 2^-24; f32; f64.
        quote!(
            CHAPTER,
            "exp_overflow",
            Computed,
            [65504.0_f64.ln(), f64::from(f32::MAX).ln(), f64::MAX.ln()]
        ),
        quote!(
            CHAPTER,
            "exp_subnormal",
            Computed,
            [
                2.0_f64.powi(-14).ln(),
                f64::from(f32::MIN_POSITIVE).ln(),
                f64::MIN_POSITIVE.ln()
            ]
        ),
        quote!(
            CHAPTER,
            "exp_zero",
            Computed,
            [
                2.0_f64.powi(-24).ln() - 2.0_f64.ln(),
                f64::from(f32::from_bits(1)).ln() - 2.0_f64.ln(),
                f64::from_bits(1).ln() - 2.0_f64.ln()
            ]
        ),
        // The smallest normal f64 is 2.2 × 10^-308; its machine epsilon 2.2 × 10^-16.
        quote!(
            CHAPTER,
            "f64_min_normal_mantissa",
            Computed,
            f64::MIN_POSITIVE * 1e308
        ),
        quote!(
            CHAPTER,
            "f64_epsilon_mantissa",
            Computed,
            f64::EPSILON * 1e16
        ),
        // 10^4 ≈ 2^13.3: between 2^13 and 2^14, where f32's spacing is 2^(13 - 23).
        quote!(CHAPTER, "log2_of_1e4", Computed, 10000.0_f64.log2()),
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
            "likelihood",
            Computed,
            picked.iter().product::<f64>()
        ),
        quote!(CHAPTER, "sentence_probability", Computed, sentence),
        quote!(CHAPTER, "sentence_surprise", Computed, -sentence.ln()),
        quote!(
            CHAPTER,
            "uniform_loss",
            Computed,
            [
                cross_entropy(
                    Array2::<f64>::zeros((6, 5)).view(),
                    &BATCH_TARGETS,
                    Reduction::Mean
                )?,
                cross_entropy(
                    Array2::<f64>::zeros((1, 50257)).view(),
                    &[0],
                    Reduction::Mean
                )?
            ]
        ),
        quote!(
            CHAPTER,
            "gpt2_logits_gb",
            Computed,
            (8192.0 * 50257.0 * 4.0) / 1e9
        ),
    ])
}
