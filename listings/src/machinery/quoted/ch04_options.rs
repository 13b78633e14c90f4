//! Chapter 4, PyTorch 的全部选项: the batch with padding and weights; chapter 2's row with
//! label smoothing and a soft target; the general gradient; the pitfalls (a double softmax,
//! `[B, T, C]` logits, the loss of a uniform guess).

use ndarray::{Axis, arr0, array};

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::fused::{BATCH_TARGETS, Reduction, batch_logits, cross_entropy, softmax};
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
    let padded_sum = ce
        .clone()
        .reduction(Reduce::Sum)
        .forward(batch.view(), Target::Indices(padded.view()))?[[]];
    let (loud_largest, loud_entropy, loud_lse_minus_mean) = loud_shape()?;
    let weighted = CrossEntropyLoss::new().weight(array![1.0, 1.0, 1.0, 2.0, 1.0]);
    let smooth = CrossEntropyLoss::new().label_smoothing(0.1);
    let (best_z, best_loss) = crate::machinery::figures::smoothing_minimum()?;
    let mut at_best = array![GOOD_PREDICTION].mapv(f64::ln);
    at_best[[0, 3]] = best_z;
    let two_answers = array![[0.0, 0.0, 0.0, 1.0, 1.0]].into_dyn();
    // A double softmax: the loss of softmax(row) taken as logits, and its gradient with
    // respect to the real logits (the loss's gradient g pulled back through the softmax).
    let probabilities = softmax(array![GOOD_PREDICTION].mapv(f64::ln).view())?.into_dyn();
    let wrong = ce.forward(probabilities.view(), Target::Indices(answer.view()))?[[]];
    let g = ce.backward(
        probabilities.view(),
        Target::Indices(answer.view()),
        one.view(),
    )?;
    let dot: f64 = (0..5).map(|k| probabilities[[0, k]] * g[[0, k]]).sum();
    let mut double = vec![wrong];
    double.extend((0..5).map(|j| probabilities[[0, j]] * (g[[0, j]] - dot)));
    // The double softmax's floor: the loss of a one-hot "logit" row, C = 5 and GPT-2's C.
    let floor = |c: usize| -> Result<f64, crate::LossError> {
        let mut row = ndarray::ArrayD::<f64>::zeros(vec![1, c]);
        row[[0, 0]] = 1.0;
        let first = array![0_i64].into_dyn();
        Ok(ce.forward(row.view(), Target::Indices(first.view()))?[[]])
    };
    let uniform = |c: usize| -> Result<f64, crate::LossError> {
        let zeros = ndarray::ArrayD::<f64>::zeros(vec![4, c]);
        let targets = array![0_i64, 1, 2, 3].into_dyn();
        Ok(ce.forward(zeros.view(), Target::Indices(targets.view()))?[[]])
    };
    let btc = batch_logits()
        .into_shape_with_order((2, 3, 5))
        .map_err(|source| QuotedError::Shape {
            shape: vec![6, 5],
            source,
        })?;
    let square = btc_square()?;
    let square_targets = array![[1_i64, 2, 3, 2, 3]].into_dyn();
    let square_flat = array![1_i64, 2, 3, 2, 3].into_dyn();
    let soft_two = array![GOOD_PREDICTION, GOOD_PREDICTION]
        .mapv(f64::ln)
        .into_dyn();
    let soft_padded = array![[0.0, 0.0, 0.0, 0.7, 0.3], [0.0; 5]].into_dyn();
    let first_five = batch_logits()
        .slice(ndarray::s![0..5, ..])
        .to_owned()
        .into_dyn();
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
        quote!(CHAPTER, "padded_sum", Computed, padded_sum),
        quote!(CHAPTER, "padded_sum_over_six", Computed, padded_sum / 6.0),
        quote!(CHAPTER, "mean_of_means", Computed, mean_of_means()?),
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
            "soft_padding_diluted",
            Computed,
            ce.forward(soft_two.view(), Target::Probabilities(soft_padded.view()))?[[]]
        ),
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
        quote!(CHAPTER, "smoothing_best_z", Computed, best_z),
        quote!(CHAPTER, "smoothing_best_loss", Computed, best_loss),
        quote!(
            CHAPTER,
            "smoothing_best_grad",
            Computed,
            smooth.backward(
                at_best.view().into_dyn(),
                Target::Indices(answer.view()),
                one.view()
            )?
        ),
        quote!(
            CHAPTER,
            "smoothing_gap",
            Computed,
            crate::information::kl_divergence(
                smoothed_target.as_slice().unwrap_or(&[]),
                softmax(at_best.view())?.as_slice().unwrap_or(&[])
            )?
        ),
        quote!(
            CHAPTER,
            "grad_weighted_soft",
            Computed,
            weighted.backward(
                row.view(),
                Target::Probabilities(teacher.view()),
                one.view()
            )?
        ),
        quote!(
            CHAPTER,
            "grad_two_answers",
            Computed,
            ce.backward(
                row.view(),
                Target::Probabilities(two_answers.view()),
                one.view()
            )?
        ),
        quote!(CHAPTER, "double_softmax", Computed, double),
        quote!(
            CHAPTER,
            "double_softmax_floor",
            Computed,
            [floor(5)?, floor(50257)?]
        ),
        quote!(
            CHAPTER,
            "btc_mean",
            Computed,
            ce.forward(
                btc.view().permuted_axes([0, 2, 1]).into_dyn(),
                Target::Indices(array![[1_i64, 2, 3], [2, 3, 4]].into_dyn().view())
            )?[[]]
        ),
        quote!(
            CHAPTER,
            "btc_silent",
            Computed,
            [
                ce.forward(square.view(), Target::Indices(square_targets.view()))?[[]],
                ce.forward(first_five.view(), Target::Indices(square_flat.view()))?[[]]
            ]
        ),
        quote!(CHAPTER, "uniform_loss", Computed, uniform(50257)?),
        quote!(CHAPTER, "loud_loss", Computed, loud_loss()?),
        quote!(CHAPTER, "small_loss", Computed, small_loss()?),
        quote!(CHAPTER, "loud_largest_probability", Computed, loud_largest),
        quote!(CHAPTER, "loud_entropy", Computed, loud_entropy),
        quote!(CHAPTER, "loud_lse_minus_mean", Computed, loud_lse_minus_mean),
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

/// The first five positions of the batch as one sentence, `[B, T, C] = [1, 5, 5]`.
fn btc_square() -> Result<ndarray::ArrayD<f64>, QuotedError> {
    batch_logits()
        .slice(ndarray::s![0..5, ..])
        .to_owned()
        .into_shape_with_order((1, 5, 5))
        .map(|a| a.into_dyn())
        .map_err(|source| QuotedError::Shape {
            shape: vec![5, 5],
            source,
        })
}

/// The pitfall's stand-in logits over GPT-2's 50257 tokens: `0.01·sin`, times `scale`.
fn stand_in(scale: f64) -> ndarray::Array2<f64> {
    let c = 50257;
    ndarray::Array2::from_shape_fn((4, c), |(i, k)| scale * (0.01 * ((i * c + k) as f64).sin()))
}

/// The mean loss of the stand-in logits at the pitfall's four answers.
fn stand_in_loss(scale: f64) -> Result<f64, QuotedError> {
    let logits = stand_in(scale).into_dyn();
    let targets = array![464_i64, 3290, 318, 257].into_dyn();
    Ok(CrossEntropyLoss::new().forward(logits.view(), Target::Indices(targets.view()))?[[]])
}

/// The pitfall's too-large start: the small logits scaled by 1000.
fn loud_loss() -> Result<f64, QuotedError> {
    stand_in_loss(1000.0)
}

/// A normal start: the small logits themselves, slightly above `ln C`.
fn small_loss() -> Result<f64, QuotedError> {
    stand_in_loss(1.0)
}

/// The scaled logits are not confident: their largest probability, their mean entropy,
/// and the loss averaged over every possible answer, `LSE(z) - mean(z)` (rows averaged).
fn loud_shape() -> Result<(f64, f64, f64), QuotedError> {
    let loud = stand_in(1000.0);
    let y_pred = softmax(loud.view())?;
    let c = loud.ncols();
    let mut largest = 0.0;
    let mut mean_entropy = 0.0;
    let mut lse_minus_mean = 0.0;
    for i in 0..loud.nrows() {
        for k in 0..c {
            largest = f64::max(largest, y_pred[[i, k]]);
        }
        mean_entropy += entropy(&y_pred.row(i).to_vec())? / 4.0;
        lse_minus_mean +=
            (crate::fused::log_sum_exp(loud.row(i)) - loud.row(i).sum() / c as f64) / 4.0;
    }
    Ok((largest, mean_entropy, lse_minus_mean))
}

/// Gradient accumulation done wrong: the mean of the two sentences' own means.
fn mean_of_means() -> Result<f64, QuotedError> {
    let logits = batch_logits().into_dyn();
    let targets = array![1_i64, 2, 3, 2, 3, -100].into_dyn();
    let mut mean_of_means = 0.0;
    for rows in [0..3, 3..6] {
        let part = logits.slice_axis(Axis(0), ndarray::Slice::from(rows.clone()));
        let part_targets = targets.slice_axis(Axis(0), ndarray::Slice::from(rows));
        mean_of_means +=
            CrossEntropyLoss::new().forward(part, Target::Indices(part_targets))?[[]] / 2.0;
    }
    Ok(mean_of_means)
}
