//! Every number the book's prose quotes, with the code that produces it.
//!
//! The book test `tests/numbers.rs` reads each chapter, finds every decimal number in its
//! text and formulas, and fails for any number that no entry of that chapter rounds to
//! *as written* (`0.51` must be some value `v` with `format!("{v:.2}") == "0.51"`). The
//! chapters' listings tests assert that their code computes these same values, so the
//! prose, the listings and (later) the notebooks all rest on this one table.

use ndarray::{Array2, Axis, arr0, array};

use crate::fused::{Reduction, cross_entropy, cross_entropy_grad, per_row_losses, softmax};
use crate::one_hot::surprise_at;
use crate::surprise::{entropy, nats_to_bits, surprise};
use crate::{CrossEntropyLoss, LossError, Real, Reduction as Reduce, Target};

/// Whether a quoted number is given (an input of an example) or computed from inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Given by the example, like the coin's 0.9 or the prediction vector.
    Input,
    /// Produced by listings code, like `-ln 0.6 ≈ 0.51`.
    Computed,
}

/// One quoted value (or vector of values) and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Quoted {
    /// The chapter's file stem, e.g. `ch01-coin`.
    pub chapter: &'static str,
    /// A short name, unique within the chapter.
    pub name: &'static str,
    pub kind: Kind,
    /// The Rust expression that produces the value, as written below.
    pub code: &'static str,
    /// The value, or every entry of a vector or matrix, in `f64`.
    pub values: Vec<f64>,
}

impl Quoted {
    /// Whether `text` (a decimal such as `0.51` or `-2.996`) is one of the values rounded
    /// to as many decimals as `text` shows.
    ///
    /// ```
    /// use listings::quoted::{Kind, Quoted};
    /// let q = Quoted { chapter: "ch", name: "x", kind: Kind::Computed, code: "", values: vec![0.5108] };
    /// assert!(q.matches("0.51") && q.matches("0.511") && !q.matches("0.52"));
    /// ```
    pub fn matches(&self, text: &str) -> bool {
        let decimals = text.split_once('.').map_or(0, |(_, frac)| frac.len());
        self.values.iter().any(|&v| {
            let shown = format!("{v:.decimals$}");
            // A tiny negative value prints as "-0.000", which is the number "0.000".
            let negative_zero =
                shown.starts_with('-') && shown[1..].chars().all(|c| c == '0' || c == '.');
            shown == text || (negative_zero && shown[1..] == *text)
        })
    }
}

/// Anything the registry can hold: a number, a vector or a matrix.
pub trait Values {
    /// All entries, widened to `f64`.
    fn values(&self) -> Vec<f64>;
}

impl<A: Real> Values for A {
    fn values(&self) -> Vec<f64> {
        vec![self.widen()]
    }
}

impl<A: Real, const N: usize> Values for [A; N] {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|x| x.widen()).collect()
    }
}

impl<A: Real> Values for Vec<A> {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|x| x.widen()).collect()
    }
}

impl<A: Real, D: ndarray::Dimension> Values for ndarray::Array<A, D> {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|x| x.widen()).collect()
    }
}

macro_rules! quote {
    ($chapter:expr, $name:expr, $kind:ident, $e:expr) => {
        Quoted {
            chapter: $chapter,
            name: $name,
            kind: Kind::$kind,
            code: stringify!($e),
            values: Values::values(&$e),
        }
    };
}

/// The logits of chapter 3's worked batch: bsz = 2 sentences, seq_len = 3 positions,
/// C = 5 classes, flattened to `[N, C] = [6, 5]`. Rows follow "我 爱 吃 苹果" and
/// "我 吃 苹果 eos"; row 2 is the source's prediction in disguise (a shifted log).
pub fn batch_logits() -> Array2<f64> {
    array![
        [0.2, 2.1, 0.5, 0.3, -1.0],
        [-0.5, 0.1, 2.4, 0.9, -0.7],
        [-1.1, -0.4, 0.3, 1.4, -1.1],
        [0.1, 1.8, 0.4, 0.2, -0.9],
        [-1.0, -0.3, 0.2, 1.6, -0.8],
        [-0.6, -0.8, -0.2, -0.1, 1.9],
    ]
}

/// The class ids of chapter 3's worked batch: the next word at every position.
pub const BATCH_TARGETS: [usize; 6] = [1, 2, 3, 2, 3, 4];

/// Chapter 2's prediction after "我 爱 吃", and the bad one.
pub const GOOD_PREDICTION: [f64; 5] = [0.05, 0.10, 0.20, 0.60, 0.05];
/// The prediction that gives "苹果" only 5%.
pub const BAD_PREDICTION: [f64; 5] = [0.3, 0.3, 0.3, 0.05, 0.05];

/// Why the registry could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum QuotedError {
    #[error(transparent)]
    Loss(#[from] LossError),
    #[error(transparent)]
    Speed(#[from] crate::speed::SpeedError),
}

/// The whole registry, computed now.
pub fn registry() -> Result<Vec<Quoted>, QuotedError> {
    const CH1: &str = "ch01-coin";
    const CH2: &str = "ch02-one-hot";
    const CH3: &str = "ch03-fused";
    const CH4: &str = "ch04-options";
    const CH5: &str = "ch05-training";
    const CH6: &str = "ch06-speed";
    let bench = crate::speed::Bench::load()?;
    let speed = bench.targets()?;
    let (inputs, targets) = crate::training::pairs(&crate::training::SENTENCES)?;
    let uniform = crate::training::Bigram::uniform(5);
    let (trained, losses) = crate::training::train(uniform.clone(), &inputs, &targets, 2.0, 200)?;
    let floor = crate::training::data_entropy(&inputs, &targets, 5)?;
    let (h_wo, kl_wo) = crate::information::cross_entropy_decomposed(
        &[0.0, 2.0 / 3.0, 1.0 / 3.0, 0.0, 0.0],
        &[0.2; 5],
    )?;
    let logits = batch_logits();
    let grad = cross_entropy_grad(logits.view(), &BATCH_TARGETS, Reduction::Mean)?;
    // Chapter 4's examples: the batch with padding, weights; chapter 2's row with options.
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
        // Chapter 1: the 90/10 coin.
        quote!(CH1, "coin", Input, [0.9, 0.1]),
        quote!(CH1, "heads", Computed, surprise(0.9)?),
        quote!(CH1, "tails", Computed, surprise(0.1)?),
        quote!(CH1, "doubling", Input, [0.2, 0.4]),
        quote!(CH1, "inverse", Computed, [1.0 / 0.2, 1.0 / 0.4]),
        quote!(CH1, "surprise_0.2", Computed, surprise(0.2)?),
        quote!(CH1, "surprise_0.4", Computed, surprise(0.4)?),
        quote!(CH1, "fair_coin", Computed, surprise(0.5)?),
        quote!(CH1, "entropy_nats", Computed, entropy(&[0.9, 0.1])?),
        quote!(
            CH1,
            "entropy_bits",
            Computed,
            nats_to_bits(entropy(&[0.9, 0.1])?)
        ),
        quote!(CH1, "heads_bits", Computed, nats_to_bits(surprise(0.9)?)),
        quote!(CH1, "tails_bits", Computed, nats_to_bits(surprise(0.1)?)),
        quote!(CH1, "nat_in_bits", Computed, nats_to_bits(1.0)),
        quote!(CH1, "not_a_probability", Input, [1.5]),
        // Chapter 2: the one-hot sum.
        quote!(CH2, "good", Input, GOOD_PREDICTION),
        quote!(CH2, "bad", Input, BAD_PREDICTION),
        quote!(CH2, "with_zero", Input, [0.0, 0.10, 0.25, 0.60, 0.05]),
        quote!(CH2, "ln_good", Computed, GOOD_PREDICTION.map(f64::ln)),
        quote!(
            CH2,
            "loss_good",
            Computed,
            surprise_at(&GOOD_PREDICTION, 3)?
        ),
        quote!(CH2, "loss_bad", Computed, surprise_at(&BAD_PREDICTION, 3)?),
        quote!(
            CH2,
            "ratio",
            Computed,
            surprise_at(&BAD_PREDICTION, 3)? / surprise_at(&GOOD_PREDICTION, 3)?
        ),
        // Chapter 3: the fused loss.
        quote!(CH3, "f32_exp_limit", Computed, f32::MAX.ln()),
        quote!(CH3, "f64_exp_limit", Computed, f64::MAX.ln()),
        quote!(
            CH3,
            "f32_spacing_at_1e4",
            Computed,
            10000.0_f32.next_up() - 10000.0
        ),
        quote!(
            CH3,
            "row2_target_logit",
            Input,
            logits[[2, BATCH_TARGETS[2]]]
        ),
        quote!(
            CH3,
            "row_losses",
            Computed,
            per_row_losses(logits.view(), &BATCH_TARGETS)?
        ),
        quote!(
            CH3,
            "mean",
            Computed,
            cross_entropy(logits.view(), &BATCH_TARGETS, Reduction::Mean)?
        ),
        quote!(
            CH3,
            "sum",
            Computed,
            cross_entropy(logits.view(), &BATCH_TARGETS, Reduction::Sum)?
        ),
        quote!(
            CH3,
            "row2_softmax",
            Computed,
            softmax(logits.view())?.row(2).to_owned()
        ),
        quote!(CH3, "row2_grad", Computed, grad.row(2).to_owned()),
        quote!(
            CH3,
            "row2_grad_times_n",
            Computed,
            grad.row(2).to_owned() * 6.0
        ),
        quote!(
            CH3,
            "gpt2_logits_gb",
            Computed,
            (8192.0 * 50257.0 * 4.0) / 1e9
        ),
        // Chapter 4: every option of nn.CrossEntropyLoss.
        // The version of PyTorch whose outputs the golden tests compare against.
        quote!(CH4, "pytorch_version", Input, [2.15]),
        quote!(
            CH4,
            "padded_mean",
            Computed,
            ce.forward(batch.view(), Target::Indices(padded.view()))?[[]]
        ),
        quote!(
            CH4,
            "padded_sum",
            Computed,
            ce.clone()
                .reduction(Reduce::Sum)
                .forward(batch.view(), Target::Indices(padded.view()))?[[]]
        ),
        quote!(
            CH4,
            "padded_grad_row0",
            Computed,
            ce.backward(batch.view(), Target::Indices(padded.view()), one.view())?
                .index_axis(Axis(0), 0)
                .to_owned()
        ),
        quote!(
            CH4,
            "weighted_mean",
            Computed,
            weighted.forward(batch.view(), Target::Indices(full.view()))?[[]]
        ),
        quote!(
            CH4,
            "weighted_sum",
            Computed,
            weighted
                .clone()
                .reduction(Reduce::Sum)
                .forward(batch.view(), Target::Indices(full.view()))?[[]]
        ),
        quote!(CH4, "smoothing", Input, [0.1]),
        quote!(
            CH4,
            "smoothed_loss",
            Computed,
            smooth.forward(row.view(), Target::Indices(answer.view()))?[[]]
        ),
        quote!(CH4, "smoothed_target", Computed, smoothed_target.clone()),
        quote!(
            CH4,
            "smoothing_floor",
            Computed,
            entropy(smoothed_target.as_slice().unwrap_or(&[]))?
        ),
        quote!(CH4, "teacher", Input, [0.7, 0.3]),
        quote!(
            CH4,
            "soft_loss",
            Computed,
            ce.forward(row.view(), Target::Probabilities(teacher.view()))?[[]]
        ),
        quote!(
            CH4,
            "grad_plain",
            Computed,
            ce.backward(row.view(), Target::Indices(answer.view()), one.view())?
        ),
        quote!(
            CH4,
            "grad_smooth",
            Computed,
            smooth.backward(row.view(), Target::Indices(answer.view()), one.view())?
        ),
        quote!(
            CH4,
            "grad_soft",
            Computed,
            ce.backward(
                row.view(),
                Target::Probabilities(teacher.view()),
                one.view()
            )?
        ),
        // Chapter 5: training a bigram model.
        quote!(
            CH5,
            "start_loss",
            Computed,
            uniform.loss(&inputs, &targets)?
        ),
        quote!(CH5, "learning_rate", Input, [2.0]),
        quote!(
            CH5,
            "losses",
            Computed,
            [losses[10], losses[50], losses[100]]
        ),
        quote!(CH5, "final_loss", Computed, losses[200]),
        quote!(CH5, "uniform_probability", Computed, 1.0 / 5.0),
        quote!(CH5, "final_apple", Computed, trained.next_word(2)?[3]),
        quote!(CH5, "floor", Computed, floor),
        quote!(CH5, "h_after_wo", Computed, h_wo),
        quote!(CH5, "kl_after_wo", Computed, kl_wo),
        quote!(
            CH5,
            "perplexities",
            Computed,
            [
                crate::information::perplexity(losses[200]),
                crate::information::perplexity(floor)
            ]
        ),
        // The exercises' answers.
        quote!(CH1, "die", Computed, surprise(1.0 / 6.0)?),
        quote!(
            CH1,
            "die_bits",
            Computed,
            nats_to_bits(surprise(1.0 / 6.0)?)
        ),
        quote!(CH1, "exercise_ps", Input, [0.1, 0.3, 0.5, 0.7, 0.9]),
        quote!(
            CH1,
            "coin_entropies",
            Computed,
            [0.1, 0.3, 0.5, 0.7, 0.9]
                .iter()
                .map(|&p: &f64| entropy(&[p, 1.0 - p]))
                .collect::<Result<Vec<f64>, _>>()?
        ),
        quote!(CH2, "exercise_ps", Input, [0.9, 0.99]),
        quote!(
            CH2,
            "ex_confident",
            Computed,
            [surprise(0.9)?, surprise(0.99)?]
        ),
        quote!(
            CH4,
            "ex_full_smoothing",
            Computed,
            CrossEntropyLoss::new()
                .label_smoothing(1.0)
                .forward(row.view(), Target::Indices(answer.view()))?[[]]
        ),
        quote!(
            CH4,
            "ex_doubled_sum",
            Computed,
            2.0 * cross_entropy(logits.view(), &BATCH_TARGETS, Reduction::Sum)?
        ),
        quote!(CH5, "ex_learning_rate", Input, [0.5]),
        quote!(
            CH5,
            "ex_slow",
            Computed,
            crate::training::train(uniform.clone(), &inputs, &targets, 0.5, 200)?.1[200]
        ),
        quote!(CH5, "ex_more_floor", Computed, {
            let more = [
                "我 爱 吃 苹果 eos",
                "我 吃 苹果 eos",
                "我 爱 苹果 eos",
                "我 爱 吃 苹果 eos",
            ];
            let (x, y) = crate::training::pairs(&more)?;
            crate::training::data_entropy(&x, &y, 5)?
        }),
        quote!(
            CH6,
            "big_logits_gb",
            Computed,
            [crate::speed::logits_bytes(8192, 50_257) as f64 / 1e9]
        ),
        quote!(
            CH6,
            "forward_over_floor",
            Computed,
            speed.forward_over_floor
        ),
        quote!(
            CH6,
            "torch_over_in_place",
            Computed,
            speed.torch_over_in_place
        ),
        quote!(CH6, "torch_over_fresh", Computed, speed.torch_over_fresh),
        quote!(CH6, "torch_over_thp", Computed, speed.torch_over_thp),
        quote!(
            CH6,
            "linear_memory_vs_unfused",
            Computed,
            speed.linear_memory_vs_unfused
        ),
        quote!(
            CH6,
            "linear_memory_vs_torch",
            Computed,
            speed.linear_memory_vs_torch
        ),
        quote!(
            CH6,
            "linear_time_vs_faster",
            Computed,
            speed.linear_time_vs_faster
        ),
        quote!(CH6, "ex_unfused_fused", Computed, {
            let bytes = crate::speed::logits_bytes;
            [
                2.0 * bytes(8192, 50_257) as f64 / 1e9,
                bytes(128, 50_257) as f64 / 1e6,
            ]
        }),
        quote!(
            CH6,
            "ex_online_sum",
            Computed,
            [1.0_f64, 3.0, 2.0, 7.0, 5.0, 6.0]
                .iter()
                .map(|x| (x - 7.0).exp())
                .sum::<f64>()
        ),
    ])
}

/// The entry `name` of `chapter`, if there is one.
///
/// ```
/// use listings::quoted::lookup;
/// let q = lookup("ch02-one-hot", "loss_good").unwrap();
/// assert!(q.matches("0.51"));
/// ```
pub fn lookup(chapter: &str, name: &str) -> Option<Quoted> {
    registry()
        .ok()?
        .into_iter()
        .find(|q| q.chapter == chapter && q.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_within_a_chapter() {
        let all = registry().unwrap();
        for (i, a) in all.iter().enumerate() {
            assert!(
                !all[i + 1..]
                    .iter()
                    .any(|b| a.chapter == b.chapter && a.name == b.name),
                "{} / {} is registered twice",
                a.chapter,
                a.name
            );
        }
    }

    #[test]
    fn code_is_the_expression_as_written() {
        let q = lookup("ch01-coin", "heads").unwrap();
        assert_eq!(q.code, "surprise(0.9)?");
        assert_eq!(q.kind, Kind::Computed);
        assert!(q.matches("0.105") && q.matches("0.1054") && !q.matches("0.106"));
    }

    #[test]
    fn rounding_to_the_shown_decimals() {
        let q = lookup("ch02-one-hot", "loss_bad").unwrap();
        assert!(q.matches("3.0") && q.matches("2.996") && !q.matches("2.99"));
        let ln = lookup("ch02-one-hot", "ln_good").unwrap();
        assert!(ln.matches("-0.511") && !ln.matches("0.511"));
    }
}
