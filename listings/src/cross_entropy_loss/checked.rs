//! One call's options, checked once against its shapes: what both paths compute from, the
//! reference loops of this chapter and chapter 6's fast path, so that the two cannot
//! disagree on what a class id means, what `Mean` divides by, or how a reduction reduces.
//!
//! Why this file is long: each rule is small, and each has its test beside it (half the
//! file), the PyTorch conventions it follows spelled out.

use std::borrow::Cow;

use ndarray::{Array, ArrayD, ArrayView, ArrayView1, Dimension, IxDyn};

use super::shapes::Layout;
use super::{CrossEntropyLoss, Reduction};
use crate::{LossError, Real};

/// The elements of `a` in row-major (logical) order: borrowed when they already lie so in
/// memory, copied otherwise (a transposed, column-major or strided array).
pub(crate) fn row_major<'a, A: Clone, D: Dimension>(a: ArrayView<'a, A, D>) -> Cow<'a, [A]> {
    match a.to_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(a.iter().cloned().collect()),
    }
}

/// A `[N, C]` call with class ids, checked and ready for chapter 6's passes: what every
/// fast entry point computes before it reads a logit.
#[derive(Debug)]
pub(crate) struct CheckedRows<'a, A: Clone> {
    pub(crate) checked: Checked<'a, A>,
    /// Each row's class, `None` where it is ignored.
    pub(crate) classes: Vec<Option<usize>>,
    /// What `Mean` divides by: [`Checked::denominator`] of `classes`.
    pub(crate) denominator: A,
    /// What each row's gradient is multiplied by: [`Checked::scale`] of an upstream 1.
    pub(crate) scale: A,
}

/// The options of a [`CrossEntropyLoss`] and the layout of one call, checked.
#[derive(Debug)]
pub(crate) struct Checked<'a, A: Clone> {
    layout: Layout,
    /// One weight per class (length checked against `C`), in row-major order.
    weight: Option<Cow<'a, [A]>>,
    /// `Σ_k w_k`, or `C` without weights.
    total_weight: A,
    ignore_index: i64,
    /// The label smoothing in effect.
    smoothing: A,
    reduction: Reduction,
}

impl<'a, A: Real> Checked<'a, A> {
    /// `loss`'s options for a call whose shapes passed the checks and gave `layout`.
    pub(super) fn new(loss: &'a CrossEntropyLoss<A>, layout: Layout) -> Self {
        let weight = loss.weight.as_ref().map(|w| row_major(w.view()));
        let total_weight = weight
            .as_deref()
            .map_or(A::from_count(layout.c), |w| w.iter().copied().sum());
        Checked {
            layout,
            weight,
            total_weight,
            ignore_index: loss.ignore_index,
            // PyTorch smooths only when `label_smoothing > 0`: a negative (or NaN) value
            // means none; only a value above 1 is an error (refused by the shape checks).
            smoothing: if loss.label_smoothing > A::zero() {
                loss.label_smoothing
            } else {
                A::zero()
            },
            reduction: loss.reduction,
        }
    }

    /// `loss`'s checks for `[N, C]` logits (`dim = (N, C)`) and these class ids, then the
    /// ids' classes, `Mean`'s denominator and the gradient's scale: all of them depend on
    /// the targets alone, so they are known before the first pass over the logits.
    pub(crate) fn rows(
        loss: &'a CrossEntropyLoss<A>,
        dim: (usize, usize),
        targets: ArrayView1<i64>,
    ) -> Result<CheckedRows<'a, A>, LossError> {
        let checked = loss.check_rows(dim, targets.len())?;
        let classes = checked.classes_of(targets.iter().copied())?;
        let denominator = checked.denominator(&classes);
        let scale = checked.scale(A::one(), denominator);
        Ok(CheckedRows {
            checked,
            classes,
            denominator,
            scale,
        })
    }

    /// The batch size `N`.
    pub(crate) fn n(&self) -> usize {
        self.layout.n
    }

    /// The number of classes `C`.
    pub(crate) fn c(&self) -> usize {
        self.layout.c
    }

    /// The positions per row `S = d1·d2·…` (1 for `[N, C]`).
    pub(crate) fn s(&self) -> usize {
        self.layout.s
    }

    /// The class weights, if any: one per class.
    pub(crate) fn weights(&self) -> Option<&[A]> {
        self.weight.as_deref()
    }

    /// The weight `w_k` of class `k` (1 without weights).
    pub(crate) fn class_weight(&self, k: usize) -> A {
        self.weight.as_ref().map_or(A::one(), |w| w[k])
    }

    /// `Σ_k w_k` (`C` without weights).
    pub(crate) fn total_weight(&self) -> A {
        self.total_weight
    }

    /// The label smoothing `ε` in effect, in `[0, 1]`.
    pub(crate) fn smoothing(&self) -> A {
        self.smoothing
    }

    /// The shape of the output (and of `grad_output`): the target's for `None`, 0-d else.
    pub(crate) fn output_shape(&self) -> &[usize] {
        match self.reduction {
            Reduction::None => &self.layout.per_position,
            Reduction::Mean | Reduction::Sum => &[],
        }
    }

    /// `grad_output` must have the output's shape: the target's for `None`, 0-d else.
    pub(crate) fn check_grad_output(&self, shape: &[usize]) -> Result<(), LossError> {
        let expected = self.output_shape();
        if shape == expected {
            Ok(())
        } else {
            Err(LossError::GradOutputShape {
                expected: expected.to_vec(),
                got: shape.to_vec(),
            })
        }
    }

    /// Each position's class, `None` where the id is `ignore_index` (checked first, so that
    /// an `ignore_index` inside `[0, C)` wins, as in PyTorch); the first id outside
    /// `[0, C)` is an error.
    pub(crate) fn classes_of(
        &self,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Vec<Option<usize>>, LossError> {
        let c = self.layout.c;
        // Collected without stopping at a bad id (so that the loop allocates once and stays
        // small); the first bad id is the one reported.
        let mut first_bad = None;
        let classes = ids
            .into_iter()
            .map(|t| {
                if t == self.ignore_index {
                    return None;
                }
                let class = usize::try_from(t).ok().filter(|&class| class < c);
                if class.is_none() {
                    first_bad.get_or_insert(t);
                }
                class
            })
            .collect();
        if let Some(target) = first_bad {
            return Err(LossError::TargetOutOfBounds { target, classes: c });
        }
        // PyTorch gathers the weights of the ids for a smoothed, weighted mean, and its
        // `gather` refuses byte indices (after the ids' own bounds check).
        if self.layout.bytes
            && self.smoothing > A::zero()
            && self.weight.is_some()
            && self.reduction == Reduction::Mean
        {
            return Err(LossError::ByteIndexGather);
        }
        Ok(classes)
    }

    /// What `Mean` divides by for class ids: `Σ w_t` over the positions not ignored. It
    /// depends on the targets alone, so it is known before any logit is read.
    pub(crate) fn denominator(&self, classes: &[Option<usize>]) -> A {
        let counted = classes.iter().flatten();
        match self.weights() {
            Some(w) => counted.fold(A::zero(), |total, &t| total + w[t]),
            None => counted.fold(A::zero(), |total, _| total + A::one()),
        }
    }

    /// The per-position `losses` (in position order) reduced as the options say: shaped
    /// like the target for `None`, their total for `Sum`, the total over `denominator`
    /// for `Mean` (0/0 = NaN for an empty batch or when every target is ignored, as in
    /// PyTorch).
    pub(crate) fn reduce<D: Dimension>(
        &self,
        losses: Array<A, D>,
        denominator: A,
    ) -> Result<ArrayD<A>, LossError> {
        Ok(match self.reduction {
            Reduction::None => {
                let shape = losses.shape().to_vec();
                losses
                    .into_shape_with_order(IxDyn(&self.layout.per_position))
                    .map_err(|e| LossError::reshape(&shape, e))?
            }
            Reduction::Sum => ArrayD::from_elem(IxDyn(&[]), losses.sum()),
            Reduction::Mean => ArrayD::from_elem(IxDyn(&[]), losses.sum() / denominator),
        })
    }

    /// The upstream gradient `d(out)/d(loss)` a position's gradient is multiplied by:
    /// `upstream / denominator` for `Mean`, `upstream` itself for `Sum` and `None`.
    pub(crate) fn scale(&self, upstream: A, denominator: A) -> A {
        match self.reduction {
            Reduction::Mean => upstream / denominator,
            Reduction::None | Reduction::Sum => upstream,
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{ShapeBuilder, array};

    use super::super::shapes::Dtype;
    use super::*;

    fn checked(loss: &CrossEntropyLoss<f64>, n: usize, c: usize) -> Checked<'_, f64> {
        loss.check_rows((n, c), n).unwrap()
    }

    #[test]
    fn row_major_borrows_what_is_row_major_and_copies_the_rest() {
        let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        assert!(matches!(
            row_major(a.view()),
            Cow::Borrowed([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        ));
        let t = row_major(a.t());
        assert!(matches!(t, Cow::Owned(_)));
        assert_eq!(*t, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let mut f = ndarray::Array2::zeros((2, 3).f());
        f.assign(&a);
        assert_eq!(*row_major(f.view()), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn a_strided_weight_is_read_in_class_order() {
        let every_other = array![1.0, 9.0, 2.0, 9.0, 3.0].slice_move(ndarray::s![..;2]);
        assert!(every_other.as_slice().is_none());
        let loss = CrossEntropyLoss::new().weight(every_other);
        let checked = checked(&loss, 1, 3);
        assert_eq!(checked.weights(), Some(&[1.0, 2.0, 3.0][..]));
        assert_eq!(checked.total_weight(), 6.0);
    }

    #[test]
    fn ignored_ids_are_none_and_the_first_id_out_of_range_is_the_error() {
        let loss = CrossEntropyLoss::new();
        let checked = checked(&loss, 4, 3);
        assert_eq!(
            checked.classes_of([2, -100, 0, 1]).unwrap(),
            [Some(2), None, Some(0), Some(1)]
        );
        assert_eq!(
            checked.classes_of([0, 7, -1]).unwrap_err(),
            LossError::TargetOutOfBounds {
                target: 7,
                classes: 3
            }
        );
    }

    #[test]
    fn the_mean_divides_by_the_weights_of_the_targets_not_ignored() {
        let loss = CrossEntropyLoss::new().weight(array![1.0, 2.0, 4.0]);
        let checked = checked(&loss, 3, 3);
        let classes = checked.classes_of([2, -100, 1]).unwrap();
        assert_eq!(checked.denominator(&classes), 6.0);
        assert_eq!(checked.scale(3.0, 6.0), 0.5);
        let mean = checked.reduce(array![1.0, 0.0, 2.0], 6.0).unwrap();
        assert_eq!(mean[[]], 0.5);
    }

    #[test]
    fn rows_checks_once_and_knows_the_mean_before_any_logit() {
        let loss = CrossEntropyLoss::new().weight(array![1.0, 2.0, 4.0]);
        let targets = array![2_i64, -100, 1];
        let rows = Checked::rows(&loss, (3, 3), targets.view()).unwrap();
        assert_eq!(rows.classes, [Some(2), None, Some(1)]);
        assert_eq!(rows.denominator, 6.0);
        assert_eq!(rows.scale, 1.0 / 6.0);
        assert_eq!(rows.checked.n(), 3);
        let sum = CrossEntropyLoss::<f64>::new().reduction(Reduction::Sum);
        assert_eq!(
            Checked::rows(&sum, (3, 3), targets.view()).unwrap().scale,
            1.0
        );
        assert_eq!(
            Checked::rows(&sum, (3, 3), array![0_i64, 3, 1].view()).unwrap_err(),
            LossError::TargetOutOfBounds {
                target: 3,
                classes: 3
            }
        );
        assert_eq!(
            Checked::rows(&sum, (2, 3), targets.view()).unwrap_err(),
            LossError::BatchSizeMismatch {
                input: 2,
                target: 3
            }
        );
    }

    #[test]
    fn sum_and_none_keep_the_upstream_gradient_and_none_keeps_the_shape() {
        for reduction in [Reduction::Sum, Reduction::None] {
            let loss = CrossEntropyLoss::new().reduction(reduction);
            assert_eq!(checked(&loss, 2, 3).scale(3.0, 6.0), 3.0);
        }
        let sum = CrossEntropyLoss::new().reduction(Reduction::Sum);
        assert_eq!(
            checked(&sum, 2, 3).reduce(array![1.0, 2.0], 9.0).unwrap()[[]],
            3.0
        );
        let none = CrossEntropyLoss::new().reduction(Reduction::None);
        let spatial = none.check(&[1, 3, 2], &[1, 2], Dtype::Long).unwrap();
        let out = spatial.reduce(array![[1.0, 2.0]], 9.0).unwrap();
        assert_eq!(out, array![[1.0, 2.0]].into_dyn());
        assert_eq!(spatial.output_shape(), [1, 2]);
    }

    #[test]
    fn an_empty_mean_is_nan_as_in_pytorch() {
        let loss = CrossEntropyLoss::new();
        let checked = checked(&loss, 0, 3);
        let denominator = checked.denominator(&[]);
        assert!(
            checked
                .reduce(ndarray::Array1::<f64>::zeros(0), denominator)
                .unwrap()[[]]
            .is_nan()
        );
    }
}
