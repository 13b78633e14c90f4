//! Chapter 4, PyTorch 的全部选项: `nn.CrossEntropyLoss`, complete — class weights,
//! `ignore_index`, label smoothing, probability ("soft") targets, the three reductions,
//! inputs `[C]`, `[N, C]` and `[N, C, d1, …]` — with its gradient, checked against PyTorch.
//!
//! At every position `s` (a row of `[N, C]`, or a pixel/token of `[N, C, d1, …]`), with
//! `logp = log_softmax(x_s)`, weights `w` (all 1 by default) and smoothing `ε`:
//!
//! - class-index target `t`: `ℓ_s = (1-ε)·w_t·(-logp_t) + (ε/C)·Σ_k w_k·(-logp_k)`, and 0 if
//!   `t == ignore_index`; `Mean` divides the sum by `Σ w_t` over the positions not ignored;
//! - probability target `q`: with `q' = (1-ε)·q + ε/C`, `ℓ_s = Σ_k w_k·q'_k·(-logp_k)`;
//!   `Mean` divides by the number of positions, whatever the weights.
//!
//! These are PyTorch's own conventions, surprising parts included (the golden tests in
//! `tests/golden.rs` check every case against PyTorch).
//!
//! Why this file is long: the type, its options and its entry points (`path`, `forward`,
//! `backward` and their reference twins) are here, each with the doctest that shows it.
//!
//! The type and its options are here; the rest is one file per step:
//!
//! | module | what it does |
//! |--------|--------------|
//! | `shapes` | checks options and shapes in PyTorch's order, and lays the input out as `[N, C, S]` |
//! | `checked` | one call's checked options: class ids, the mean's denominator, the reduction |
//! | `reference` | the loss and its gradient, position by position, as the formulas read |
//! | `fast_path` | which path a call takes: chapter 6's kernels ([`crate::fast`]) where they apply, on the same checked options |
//! | `forward_backward` | the loss and its gradient in one call: a fresh gradient, into a buffer, or over the logits |

mod checked;
mod fast_path;
mod forward_backward;
mod reference;
mod shapes;

use std::str::FromStr;

use ndarray::{Array1, ArrayD, ArrayViewD};

use crate::fast::Rows;
use crate::{LossError, Real};
pub(crate) use checked::{Checked, CheckedRows, row_major};
use fast_path::Plan;
use shapes::Dtype;

/// How the per-position losses are returned: PyTorch's `reduction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// One loss per position: the output has the target's shape.
    None,
    /// The (weighted) average, a 0-d array (PyTorch's default).
    #[default]
    Mean,
    /// The total, a 0-d array.
    Sum,
}

impl FromStr for Reduction {
    type Err = LossError;

    /// Parses PyTorch's spelling.
    ///
    /// ```
    /// use listings::Reduction;
    /// assert_eq!("sum".parse::<Reduction>().unwrap(), Reduction::Sum);
    /// assert_eq!("avg".parse::<Reduction>().unwrap_err().to_string(),
    ///            "avg is not a valid value for reduction (use \"none\", \"mean\" or \"sum\")");
    /// ```
    fn from_str(s: &str) -> Result<Self, LossError> {
        match s {
            "none" => Ok(Reduction::None),
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            other => Err(LossError::InvalidReduction(other.to_string())),
        }
    }
}

impl From<crate::fused::Reduction> for Reduction {
    /// Chapter 3's two scalar reductions are two of these three.
    fn from(r: crate::fused::Reduction) -> Self {
        match r {
            crate::fused::Reduction::Mean => Reduction::Mean,
            crate::fused::Reduction::Sum => Reduction::Sum,
        }
    }
}

/// What the right answer is at each position.
#[derive(Debug, Clone)]
pub enum Target<'a, A> {
    /// A class id per position (PyTorch's `int64` targets): the input's shape without
    /// its class dimension. An id equal to `ignore_index` is skipped.
    Indices(ArrayViewD<'a, i64>),
    /// Class ids as bytes (PyTorch's `uint8` targets), for up to 256 classes: otherwise as
    /// `Indices`. The default `ignore_index = -100` never matches a byte.
    ByteIndices(ArrayViewD<'a, u8>),
    /// A distribution over the classes per position: the input's own shape. Rows need
    /// not sum to 1 (PyTorch does not normalize them either).
    Probabilities(ArrayViewD<'a, A>),
}

/// Which code computes a call: see [`CrossEntropyLoss::path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Chapter 6's kernels: `f32` logits readable as rows `[M, C]`, class-id targets.
    Kernels,
    /// Chapter 4's loops, position by position: everything else.
    Reference,
}

/// PyTorch's `nn.CrossEntropyLoss`, option for option. Defaults are PyTorch's: no
/// weights, `ignore_index = -100`, `Reduction::Mean`, no label smoothing.
///
/// ```
/// use listings::{CrossEntropyLoss, Reduction, Target};
/// use ndarray::{array, ArrayD};
///
/// let logits = array![[2.0_f64, 0.5, -1.0], [0.0, 0.0, 3.0]].into_dyn();
/// let targets = array![0_i64, -100].into_dyn(); // the second row is padding
/// let loss = CrossEntropyLoss::new()
///     .forward(logits.view(), Target::Indices(targets.view()))
///     .unwrap();
/// // Only the first row counts: -log_softmax([2, 0.5, -1])[0].
/// assert!((loss[[]] - 0.24131).abs() < 1e-5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CrossEntropyLoss<A> {
    weight: Option<Array1<A>>,
    ignore_index: i64,
    reduction: Reduction,
    label_smoothing: A,
}

impl<A: Real> Default for CrossEntropyLoss<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Real> CrossEntropyLoss<A> {
    /// The loss with PyTorch's defaults.
    ///
    /// ```
    /// let loss = listings::CrossEntropyLoss::<f32>::new();
    /// assert_eq!(loss, listings::CrossEntropyLoss::default());
    /// ```
    pub fn new() -> Self {
        CrossEntropyLoss {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
            label_smoothing: A::zero(),
        }
    }

    /// A weight per class: rare classes can count more. Checked against `C` when used.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::array;
    /// let x = array![[0.0_f64, 0.0]].into_dyn();
    /// let t = array![1_i64].into_dyn();
    /// let loss = CrossEntropyLoss::new().weight(array![1.0, 3.0]);
    /// // The weighted mean divides by the weight of the target too: still ln 2.
    /// let l = loss.forward(x.view(), Target::Indices(t.view())).unwrap();
    /// assert!((l[[]] - 2.0_f64.ln()).abs() < 1e-15);
    /// ```
    pub fn weight(mut self, w: Array1<A>) -> Self {
        self.weight = Some(w);
        self
    }

    /// The class id that marks positions to skip (padding). Default -100.
    ///
    /// ```
    /// let loss = listings::CrossEntropyLoss::<f64>::new().ignore_index(0);
    /// assert_eq!(loss.ignored(), 0);
    /// ```
    pub fn ignore_index(mut self, i: i64) -> Self {
        self.ignore_index = i;
        self
    }

    /// The id this loss ignores.
    pub fn ignored(&self) -> i64 {
        self.ignore_index
    }

    /// How to reduce the per-position losses. Default `Mean`.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Reduction, Target};
    /// use ndarray::array;
    /// let x = array![[0.0_f64, 0.0], [0.0, 0.0]].into_dyn();
    /// let t = array![0_i64, 1].into_dyn();
    /// let none = CrossEntropyLoss::new().reduction(Reduction::None);
    /// assert_eq!(none.forward(x.view(), Target::Indices(t.view())).unwrap().shape(), [2]);
    /// ```
    pub fn reduction(mut self, r: Reduction) -> Self {
        self.reduction = r;
        self
    }

    /// Mixes each target with the uniform distribution: `(1-s)·target + s/C`, `s ∈ [0, 1]`.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::array;
    /// let x = array![[0.0_f64, 0.0]].into_dyn();
    /// let t = array![9_i64].into_dyn();
    /// let bad = CrossEntropyLoss::new().label_smoothing(1.5);
    /// assert_eq!(bad.forward(x.view(), Target::Indices(t.view())).unwrap_err().to_string(),
    ///            "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
    /// ```
    pub fn label_smoothing(mut self, s: A) -> Self {
        self.label_smoothing = s;
        self
    }

    /// Checks the options against an input of shape `input` and a target of shape `target`
    /// (in PyTorch's order), once per call: what every path computes from.
    fn check(
        &self,
        input: &[usize],
        target: &[usize],
        dtype: Dtype,
    ) -> Result<Checked<'_, A>, LossError> {
        let layout = shapes::layout(self, input, target, dtype)?;
        Ok(Checked::new(self, layout))
    }

    /// [`check`](Self::check) for one call's input and target.
    fn check_call(
        &self,
        input: &ArrayViewD<A>,
        target: &Target<A>,
    ) -> Result<Checked<'_, A>, LossError> {
        let (target_shape, dtype) = shapes::of(target);
        self.check(input.shape(), target_shape, dtype)
    }

    /// [`check`](Self::check) for `[N, C]` logits (`dim = (N, C)`) and `targets` class ids:
    /// what the fused linear cross-entropy checks before its first chunk.
    pub(crate) fn check_rows(
        &self,
        dim: (usize, usize),
        targets: usize,
    ) -> Result<Checked<'_, A>, LossError> {
        self.check(&[dim.0, dim.1], &[targets], Dtype::Long)
    }

    /// Which code [`forward`](Self::forward) and the gradients run for this input and
    /// target: the kernels when the type has them ([`Real::kernels`]), the targets are class
    /// ids and the logits can be read as rows `[M, C]` without a copy: `[C]`, `[N, C]`, or
    /// `[N, C, d1, …]` whose memory has the class axis last (a permuted channels-last view).
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Path, Target};
    /// use ndarray::{Array3, array};
    /// let t = array![0_i64, 2].into_dyn();
    /// let x32 = array![[1.0_f32, 0.0, 0.0], [0.0, 1.0, 0.0]].into_dyn();
    /// assert_eq!(CrossEntropyLoss::new().path(&x32.view(), &Target::Indices(t.view())), Path::Kernels);
    /// let x64 = x32.mapv(f64::from);
    /// assert_eq!(CrossEntropyLoss::new().path(&x64.view(), &Target::Indices(t.view())), Path::Reference);
    /// // [N, C, L] = [1, 3, 2]: stored [N, L, C], seen with the class axis second.
    /// let t2 = array![[0_i64, 2]].into_dyn();
    /// let stored = Array3::<f32>::zeros((1, 2, 3));
    /// let seen = stored.view().permuted_axes([0, 2, 1]).into_dyn();
    /// assert_eq!(CrossEntropyLoss::new().path(&seen, &Target::Indices(t2.view())), Path::Kernels);
    /// let plain = Array3::<f32>::zeros((1, 3, 2)).into_dyn();
    /// assert_eq!(CrossEntropyLoss::new().path(&plain.view(), &Target::Indices(t2.view())), Path::Reference);
    /// ```
    pub fn path(&self, input: &ArrayViewD<A>, target: &Target<A>) -> Path {
        let ids = !matches!(target, Target::Probabilities(_));
        if ids && A::kernels().is_some() && fast_path::rows(input.view()).is_some() {
            Path::Kernels
        } else {
            Path::Reference
        }
    }

    /// The loss: per position (`Reduction::None`, shaped like the target) or reduced to a
    /// 0-d array. For `f32` logits with class ids it runs chapter 6's kernels (one read of
    /// the logits); otherwise, and always for `f64`, the reference loops
    /// ([`forward_reference`](Self::forward_reference)). The two agree to `f32` rounding
    /// (the tests hold them to 3e-5): the kernels' `exp` is a polynomial and their sums run
    /// in another order. [`path`](Self::path) says which one a call takes.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Reduction, Target};
    /// use ndarray::array;
    /// // Chapter 2's example: logits = ln p, answer "苹果" (id 3).
    /// let x = array![[0.05_f64, 0.10, 0.20, 0.60, 0.05]].mapv(f64::ln).into_dyn();
    /// let t = array![3_i64].into_dyn();
    /// let l = CrossEntropyLoss::new().forward(x.view(), Target::Indices(t.view())).unwrap();
    /// assert!((l[[]] + 0.6_f64.ln()).abs() < 1e-12);
    /// ```
    pub fn forward(&self, input: ArrayViewD<A>, target: Target<A>) -> Result<ArrayD<A>, LossError> {
        let checked = self.check_call(&input, &target)?;
        if let Some(rows) = fast_path::rows(input.view())
            && let Some(plan) = Plan::new(&checked, &target)?
        {
            return plan.forward(rows);
        }
        reference::forward(&checked, &input, &target)
    }

    /// The loss as chapter 4's loops compute it, position by position, whatever the type:
    /// what the fast path is checked against.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::array;
    /// let x = array![[2.0_f32, 0.5, -1.0]].into_dyn();
    /// let t = array![0_i64].into_dyn();
    /// let loss = CrossEntropyLoss::new();
    /// let slow = loss.forward_reference(x.view(), Target::Indices(t.view())).unwrap();
    /// let fast = loss.forward(x.view(), Target::Indices(t.view())).unwrap();
    /// assert!((slow[[]] - 0.24131).abs() < 1e-5 && (slow[[]] - fast[[]]).abs() < 1e-6);
    /// ```
    pub fn forward_reference(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
    ) -> Result<ArrayD<A>, LossError> {
        let checked = self.check_call(&input, &target)?;
        reference::forward(&checked, &input, &target)
    }

    /// The gradient `d(loss)/d(input)`, given `grad_output = d(out)/d(loss)` of the
    /// forward output's shape (a 0-d array for `Mean`/`Sum`). What `backward()` computes.
    /// The kernels where [`forward`](Self::forward) takes them (each row's statistics and
    /// gradient in one visit), the reference loops otherwise.
    ///
    /// Per position, with `p = softmax(x_s)` and upstream `g`:
    /// index target `t`: `g·[(1-ε)·w_t·(p - onehot_t) + (ε/C)·(p·Σw - w)]` (0 if ignored);
    /// probability target: `g·[p·Σ_k w_k q'_k - w ⊙ q']`.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::{array, arr0};
    /// let x = array![[0.0_f64, 0.0]].into_dyn();
    /// let t = array![0_i64].into_dyn();
    /// let one = arr0(1.0).into_dyn();
    /// let g = CrossEntropyLoss::new().backward(x.view(), Target::Indices(t.view()), one.view()).unwrap();
    /// assert_eq!(g, array![[-0.5, 0.5]].into_dyn());
    /// ```
    pub fn backward(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
        grad_output: ArrayViewD<A>,
    ) -> Result<ArrayD<A>, LossError> {
        let checked = self.check_call(&input, &target)?;
        checked.check_grad_output(grad_output.shape())?;
        if let Some(rows) = fast_path::rows(input.view())
            && let Some(plan) = Plan::new(&checked, &target)?
        {
            let upstream = row_major(grad_output.view());
            let mut grad = plan.fresh(&rows);
            let into = Rows::Into {
                logits: rows,
                grad: grad.view_mut(),
            };
            plan.fused(into, plan.upstream(&upstream))?;
            return fast_path::unrows(grad, input.shape());
        }
        Ok(reference::gradients(&checked, &input, &target, &grad_output)?.0)
    }

    /// The gradient as chapter 4's loops compute it, whatever the type.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::{array, arr0};
    /// let x = array![[0.0_f32, 0.0]].into_dyn();
    /// let t = array![1_i64].into_dyn();
    /// let one = arr0(1.0).into_dyn();
    /// let g = CrossEntropyLoss::new().backward_reference(x.view(), Target::Indices(t.view()), one.view()).unwrap();
    /// assert_eq!(g, array![[0.5, -0.5]].into_dyn());
    /// ```
    pub fn backward_reference(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
        grad_output: ArrayViewD<A>,
    ) -> Result<ArrayD<A>, LossError> {
        let checked = self.check_call(&input, &target)?;
        Ok(reference::gradients(&checked, &input, &target, &grad_output)?.0)
    }

    /// The gradient with respect to a probability target, `d(loss)/d(target)`, given
    /// `grad_output` as for [`backward`](Self::backward): what a student-teacher setup
    /// (knowledge distillation) needs when the target itself comes from a model being trained.
    ///
    /// Per position, with `logp = log_softmax(x_s)` and upstream `g`:
    /// `g·(1-ε)·w_k·(-logp_k)`. Class ids have no gradient: [`LossError::NotDifferentiable`].
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::{array, arr0};
    /// let x = array![[0.0_f64, 0.0]].into_dyn();
    /// let q = array![[0.25_f64, 0.75]].into_dyn();
    /// let one = arr0(1.0).into_dyn();
    /// let g = CrossEntropyLoss::new().backward_target(x.view(), Target::Probabilities(q.view()), one.view()).unwrap();
    /// // -log_softmax([0, 0]) = ln 2 for both classes.
    /// assert!((g[[0, 0]] - 2.0_f64.ln()).abs() < 1e-15 && (g[[0, 1]] - 2.0_f64.ln()).abs() < 1e-15);
    /// ```
    pub fn backward_target(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
        grad_output: ArrayViewD<A>,
    ) -> Result<ArrayD<A>, LossError> {
        if !matches!(target, Target::Probabilities(_)) {
            return Err(LossError::NotDifferentiable);
        }
        let checked = self.check_call(&input, &target)?;
        reference::gradients(&checked, &input, &target, &grad_output)?
            .1
            .ok_or(LossError::NotDifferentiable)
    }
}
