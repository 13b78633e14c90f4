//! Which path a call takes: chapter 6's kernels ([`crate::fast`]) whenever the type has them
//! ([`Real::kernels`]), the targets are class ids and the logits can be read as rows
//! `[M, C]` without a transposing copy; the reference loops otherwise. Both start from the
//! same [`Checked`] options, class ids and `Mean` denominator.

use ndarray::{Array2, ArrayBase, ArrayD, ArrayView2, Ix2, IxDyn, RawData};

use super::{Checked, Target, row_major};
use crate::fast::{Kernels, Rows, Upstream};
use crate::{LossError, Real};

/// The logits as rows `[M, C]`, one row per position, in the targets' row-major order:
/// `[C]` as one row, `[N, C]` as it is, `[N, C, d1, …]` as `[N·d1·…, C]` when its memory
/// is laid out with the class axis last (`[N, d1, …, C]` in memory, seen through a
/// permuted view). `None` when no such view exists: then the reference loops run.
pub(super) fn rows<S: RawData>(x: ArrayBase<S, IxDyn>) -> Option<ArrayBase<S, Ix2>> {
    let shape = x.shape().to_vec();
    match shape.len() {
        0 => None,
        1 => x.into_shape_with_order((1, shape[0])).ok(),
        2 => x.into_dimensionality::<Ix2>().ok(),
        d => {
            let last = x.permuted_axes(class_axis_last(d));
            // One row per position: every axis but the class axis.
            let m = (0..d).filter(|&a| a != 1).map(|a| shape[a]).product();
            last.is_standard_layout()
                .then(|| last.into_shape_with_order((m, shape[1])).ok())
                .flatten()
        }
    }
}

/// `[0, 2, 3, …, d-1, 1]`: the class axis (1) moved last.
fn class_axis_last(d: usize) -> Vec<usize> {
    let mut axes: Vec<usize> = (0..d).filter(|&a| a != 1).collect();
    axes.push(1);
    axes
}

/// A gradient computed as rows `[M, C]` (see [`rows`]) in the input's own shape.
pub(super) fn unrows<A>(grad: Array2<A>, shape: &[usize]) -> Result<ArrayD<A>, LossError> {
    let rows = grad.shape().to_vec();
    let reshape = |e| LossError::reshape(&rows, e);
    Ok(match shape.len() {
        2 => grad.into_dyn(),
        0 | 1 => grad.into_shape_with_order(IxDyn(shape)).map_err(reshape)?,
        d => {
            let axes = class_axis_last(d);
            let permuted: Vec<usize> = axes.iter().map(|&a| shape[a]).collect();
            // The inverse of `class_axis_last`: axis `axes[i]` of the input is axis `i` here.
            let mut inverse = vec![0; d];
            for (i, &a) in axes.iter().enumerate() {
                inverse[a] = i;
            }
            grad.into_shape_with_order(IxDyn(&permuted))
                .map_err(reshape)?
                .permuted_axes(inverse)
        }
    })
}

/// A call that the kernels take: its checked options, class ids and `Mean` denominator.
pub(super) struct Plan<'c, 'l, A: Real> {
    checked: &'c Checked<'l, A>,
    kernels: Kernels<A>,
    classes: Vec<Option<usize>>,
    denominator: A,
}

impl<'c, 'l, A: Real> Plan<'c, 'l, A> {
    /// The plan for `target`, or `None` when the kernels do not take it (no kernels for
    /// `A`, or probability targets). Class ids are checked here, as the reference checks
    /// them.
    pub(super) fn new(
        checked: &'c Checked<'l, A>,
        target: &Target<A>,
    ) -> Result<Option<Self>, LossError> {
        let Some(kernels) = A::kernels() else {
            return Ok(None);
        };
        let classes = match target {
            Target::Indices(t) => checked.classes_of(row_major(t.view()).iter().copied())?,
            Target::ByteIndices(t) => {
                checked.classes_of(row_major(t.view()).iter().map(|&b| i64::from(b)))?
            }
            Target::Probabilities(_) => return Ok(None),
        };
        let denominator = checked.denominator(&classes);
        Ok(Some(Plan {
            checked,
            kernels,
            classes,
            denominator,
        }))
    }

    /// The loss, reduced.
    pub(super) fn forward(&self, rows: ArrayView2<A>) -> Result<ArrayD<A>, LossError> {
        let losses = (self.kernels.forward)(self.checked, rows, &self.classes);
        self.checked.reduce(losses, self.denominator)
    }

    /// The loss, reduced, with the gradient times `upstream` written as `rows` says.
    pub(super) fn fused(
        &self,
        rows: Rows<A>,
        upstream: Upstream<A>,
    ) -> Result<ArrayD<A>, LossError> {
        let losses = (self.kernels.fused)(self.checked, rows, &self.classes, upstream);
        self.checked.reduce(losses, self.denominator)
    }

    /// The scale of the gradient of the output's sum (an upstream 1 everywhere).
    pub(super) fn of_the_sum(&self) -> Upstream<'static, A> {
        Upstream::All(self.checked.scale(A::one(), self.denominator))
    }

    /// The scale of each row's gradient for an upstream `grad_output` (already checked to
    /// have the output's shape): one number for `Mean` and `Sum`, one per row for `None`.
    pub(super) fn upstream<'g>(&self, grad_output: &'g [A]) -> Upstream<'g, A> {
        match grad_output {
            [g] if self.checked.output_shape().is_empty() => {
                Upstream::All(self.checked.scale(*g, self.denominator))
            }
            per_row => Upstream::PerRow(per_row),
        }
    }

    /// A fresh `[M, C]` gradient of `rows`' shape.
    pub(super) fn fresh(&self, rows: &ArrayView2<A>) -> Array2<A> {
        (self.kernels.fresh)(rows.nrows(), rows.ncols())
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array, Array3, ArrayViewD};

    use super::*;

    fn rows_of(x: ArrayViewD<f32>) -> Option<Vec<f32>> {
        rows(x).map(|r| r.iter().copied().collect())
    }

    #[test]
    fn what_can_be_read_as_rows_and_what_cannot() {
        let one = Array::from_vec(vec![1.0_f32, 2.0, 3.0]).into_dyn();
        assert_eq!(rows(one.view()).unwrap().dim(), (1, 3));
        let two = Array::from_shape_vec((2, 3), vec![0.0_f32; 6])
            .unwrap()
            .into_dyn();
        assert_eq!(rows(two.view()).unwrap().dim(), (2, 3));
        // [N, L, C] = [2, 2, 3] in memory, seen as [N, C, L]: rows are (n, l) in order.
        let stored = Array3::from_shape_fn((2, 2, 3), |(n, l, c)| (n * 100 + l * 10 + c) as f32);
        let seen = stored.view().permuted_axes([0, 2, 1]).into_dyn();
        assert_eq!(
            rows_of(seen.clone()).unwrap(),
            stored.iter().copied().collect::<Vec<_>>()
        );
        // The same shape stored as [N, C, L]: a row would need a transposing copy.
        let plain = seen.as_standard_layout().into_owned();
        assert!(plain.is_standard_layout() && rows(plain.view()).is_none());
        // With L = 1 the class axis is last anyway.
        let flat = Array::from_shape_vec((2, 3, 1), vec![0.0_f32; 6])
            .unwrap()
            .into_dyn();
        assert_eq!(rows(flat.view()).unwrap().dim(), (2, 3));
    }

    #[test]
    fn unrows_gives_the_input_its_shape_back() {
        let stored = Array3::from_shape_fn((2, 2, 3), |(n, l, c)| (n * 100 + l * 10 + c) as f32);
        let seen = stored.view().permuted_axes([0, 2, 1]).into_dyn();
        let grad = rows(seen.clone()).unwrap().to_owned();
        let back = unrows(grad, seen.shape()).unwrap();
        assert_eq!(back, seen);
        let one = Array2::from_shape_vec((1, 3), vec![1.0_f32, 2.0, 3.0]).unwrap();
        assert_eq!(unrows(one, &[3]).unwrap().shape(), [3]);
    }
}
