//! Chapter 4, PyTorch 的全部选项: the batch with padding and weights; chapter 2's row with
//! label smoothing and a soft target.

use ndarray::{Axis, arr0, array};

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::fused::{BATCH_TARGETS, Reduction, batch_logits, cross_entropy};
use crate::one_hot::GOOD_PREDICTION;
use crate::surprise::entropy;
use crate::{CrossEntropyLoss, Reduction as Reduce, Target};

const CHAPTER: &str = "ch04-options";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    let logits = batch_logits();
    let batch = logits.clone().into_dyn();
    let padded = array![1_i64, 2, 3, 2, 3, -100].into_dyn();
    let full = array![1_i64, 2, 3, 2, 3, 4].into_dyn();
    let row = array![GOOD_PREDICTION].mapv(f64::ln).into_dyn();
    let answer = array![3_i64].into_dyn();
    let teacher = array![[0.0, 0.0, 0.0, 0.7, 0.3]].into_dyn();
    let smoothed_target = array![0.0, 0.0, 0.0, 1.0, 0.0].mapv(|t| 0.9 * t + 0.1 / 5.0);
    let one = arr0(1.0).into_dyn();
    let ce = CrossEntropyLoss::<f64>::new();
    let weighted = CrossEntropyLoss::new().weight(array![1.0, 1.0, 1.0, 2.0, 1.0]);
    let smooth = CrossEntropyLoss::new().label_smoothing(0.1);
    Ok(vec![
        // Chapter 4: every option of nn.CrossEntropyLoss.
        // The version of PyTorch whose outputs the golden tests compare against.
        quote!(CHAPTER, "pytorch_version", Input, [2.15]),
        quote!(
            CHAPTER,
            "padded_mean",
            Computed,
            ce.forward(batch.view(), Target::Indices(padded.view()))?[[]]
        ),
        quote!(
            CHAPTER,
            "padded_sum",
            Computed,
            ce.clone()
                .reduction(Reduce::Sum)
                .forward(batch.view(), Target::Indices(padded.view()))?[[]]
        ),
        quote!(
            CHAPTER,
            "padded_grad_row0",
            Computed,
            ce.backward(batch.view(), Target::Indices(padded.view()), one.view())?
                .index_axis(Axis(0), 0)
                .to_owned()
        ),
        quote!(
            CHAPTER,
            "weighted_mean",
            Computed,
            weighted.forward(batch.view(), Target::Indices(full.view()))?[[]]
        ),
        quote!(
            CHAPTER,
            "weighted_sum",
            Computed,
            weighted
                .clone()
                .reduction(Reduce::Sum)
                .forward(batch.view(), Target::Indices(full.view()))?[[]]
        ),
        quote!(CHAPTER, "smoothing", Input, [0.1]),
        quote!(
            CHAPTER,
            "smoothed_loss",
            Computed,
            smooth.forward(row.view(), Target::Indices(answer.view()))?[[]]
        ),
        quote!(
            CHAPTER,
            "smoothed_target",
            Computed,
            smoothed_target.clone()
        ),
        quote!(
            CHAPTER,
            "smoothing_floor",
            Computed,
            entropy(smoothed_target.as_slice().unwrap_or(&[]))?
        ),
        quote!(CHAPTER, "teacher", Input, [0.7, 0.3]),
        quote!(
            CHAPTER,
            "soft_loss",
            Computed,
            ce.forward(row.view(), Target::Probabilities(teacher.view()))?[[]]
        ),
        quote!(
            CHAPTER,
            "target_grad",
            Computed,
            ce.backward_target(
                row.view(),
                Target::Probabilities(teacher.view()),
                one.view()
            )?
        ),
        quote!(
            CHAPTER,
            "grad_plain",
            Computed,
            ce.backward(row.view(), Target::Indices(answer.view()), one.view())?
        ),
        quote!(
            CHAPTER,
            "grad_smooth",
            Computed,
            smooth.backward(row.view(), Target::Indices(answer.view()), one.view())?
        ),
        quote!(
            CHAPTER,
            "grad_soft",
            Computed,
            ce.backward(
                row.view(),
                Target::Probabilities(teacher.view()),
                one.view()
            )?
        ),
        quote!(
            CHAPTER,
            "ex_full_smoothing",
            Computed,
            CrossEntropyLoss::new()
                .label_smoothing(1.0)
                .forward(row.view(), Target::Indices(answer.view()))?[[]]
        ),
        quote!(
            CHAPTER,
            "ex_doubled_sum",
            Computed,
            2.0 * cross_entropy(logits.view(), &BATCH_TARGETS, Reduction::Sum)?
        ),
    ])
}
