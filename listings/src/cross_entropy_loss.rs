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

use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayD, ArrayView1, ArrayViewD, CowArray, Ix2, Ix3, IxDyn};

use crate::fused::max_and_log_sum;
use crate::{LossError, Real};

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
    pub(crate) weight: Option<Array1<A>>,
    pub(crate) ignore_index: i64,
    pub(crate) reduction: Reduction,
    pub(crate) label_smoothing: A,
}

impl<A: Real> Default for CrossEntropyLoss<A> {
    fn default() -> Self {
        Self::new()
    }
}

/// The input seen as `[N, C, S]` (S = d1·d2·…), and the shapes the caller sees.
pub(crate) struct Layout {
    pub(crate) n: usize,
    pub(crate) c: usize,
    pub(crate) s: usize,
    /// Shape of the `Reduction::None` output.
    per_position: Vec<usize>,
    /// The ids are bytes (PyTorch cannot take a smoothed, weighted mean over them).
    bytes: bool,
}

/// Targets flattened to match the `[N, C, S]` view.
enum Flat<'a, A> {
    Indices(CowArray<'a, i64, Ix2>),
    Probabilities(CowArray<'a, A, Ix3>),
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

    /// The label smoothing in effect: PyTorch smooths only when `label_smoothing > 0`, so a
    /// negative (or NaN) value means none, and only a value above 1 is an error.
    pub(crate) fn smoothing(&self) -> A {
        if self.label_smoothing > A::zero() {
            self.label_smoothing
        } else {
            A::zero()
        }
    }

    /// Checks the options and shapes, in the order PyTorch does (`cross_entropy_loss`,
    /// `nll_loss_nd`, `nll_loss` / `nll_loss2d` in ATen's `LossNLL.cpp`), and lays the input
    /// out as `[N, C, S]`. Class ids themselves are checked later, position by position.
    pub(crate) fn layout(
        &self,
        input: &ArrayViewD<A>,
        target: &Target<A>,
    ) -> Result<Layout, LossError> {
        let shape = input.shape();
        let (n, c, spatial): (usize, usize, &[usize]) = match shape.len() {
            0 => (1, 1, &[]),
            1 => (1, shape[0], &[]),
            _ => (shape[0], shape[1], &shape[2..]),
        };
        let per_position: Vec<usize> = if shape.len() <= 1 {
            vec![]
        } else {
            std::iter::once(n).chain(spatial.iter().copied()).collect()
        };
        let layout = Layout {
            n,
            c,
            s: spatial.iter().product(),
            per_position,
            bytes: matches!(target, Target::ByteIndices(_)),
        };
        let (target_shape, dtype) = match target {
            Target::Indices(t) => (t.shape(), "Long"),
            Target::ByteIndices(t) => (t.shape(), "Byte"),
            Target::Probabilities(q) => (q.shape(), "Float"),
        };
        let weight_len = self.weight.as_ref().map(|w| w.len());
        // A target of the input's own shape holds probabilities.
        if target_shape == shape {
            if dtype != "Float" {
                return Err(LossError::ProbabilitiesExpected {
                    shape: shape.to_vec(),
                    dtype,
                });
            }
            if self.ignore_index >= 0 {
                return Err(LossError::IgnoreIndexWithProbabilities {
                    ignore_index: self.ignore_index,
                });
            }
            if shape.is_empty() {
                return Err(LossError::NoClassDimension);
            }
            if let Some(len) = weight_len
                && len != c
            {
                return Err(LossError::ProbabilityWeightLength {
                    classes: c,
                    shape: vec![len],
                });
            }
            self.check_smoothing()?;
            return Ok(layout);
        }
        // Class ids (or probabilities of the wrong shape, rejected once the shapes are known).
        self.check_smoothing()?;
        if shape.is_empty() {
            return Err(LossError::DimensionOutOfRange);
        }
        // A 0-d target has no batch size; PyTorch reads it as 0.
        let target_batch = target_shape.first().copied().unwrap_or(0);
        if shape.len() != 1 && n != target_batch {
            return Err(LossError::BatchSizeMismatch {
                input: n,
                target: target_batch,
            });
        }
        let wrong_dtype = || LossError::IndicesExpected {
            input: shape.to_vec(),
            target: target_shape.to_vec(),
        };
        match shape.len() {
            1 | 2 => {
                if target_shape.len() > 1 {
                    return Err(LossError::TargetDims {
                        got: target_shape.len(),
                    });
                }
                if shape.len() == 1 && target_shape.len() == 1 {
                    return Err(if target_batch != 1 {
                        LossError::UnbatchedTargetSize { got: target_batch }
                    } else {
                        LossError::SizeMismatch {
                            input: shape.to_vec(),
                            target: target_shape.to_vec(),
                        }
                    });
                }
                if dtype == "Float" {
                    return Err(wrong_dtype());
                }
                if let Some(len) = weight_len
                    && len != c
                {
                    return Err(LossError::WeightLength {
                        classes: c,
                        shape: vec![len],
                    });
                }
            }
            ndim => {
                if ndim == 4 && target_shape.len() != 3 {
                    return Err(LossError::SpatialTargetDims {
                        got: target_shape.len(),
                    });
                }
                if ndim != 4 && target_shape.get(1..) != Some(spatial) {
                    return Err(LossError::TargetShape {
                        expected: layout.per_position.clone(),
                        got: target_shape.to_vec(),
                    });
                }
                if dtype == "Float" {
                    return Err(wrong_dtype());
                }
                if let Some(len) = weight_len
                    && len != c
                {
                    return Err(LossError::SpatialWeightLength { classes: c, len });
                }
                if target_shape != layout.per_position.as_slice() {
                    return Err(LossError::SpatialSizeMismatch {
                        input: shape.to_vec(),
                        target: target_shape.to_vec(),
                    });
                }
            }
        }
        Ok(layout)
    }

    fn check_smoothing(&self) -> Result<(), LossError> {
        if self.label_smoothing > A::one() {
            return Err(LossError::LabelSmoothing {
                value: self.label_smoothing.to_string(),
            });
        }
        Ok(())
    }

    /// The class of a target id: `None` if it is `ignore_index` (checked first, so that
    /// an `ignore_index` inside `[0, C)` wins, as in PyTorch), an error outside `[0, C)`.
    pub(crate) fn class_of(&self, t: i64, c: usize) -> Result<Option<usize>, LossError> {
        if t == self.ignore_index {
            return Ok(None);
        }
        match usize::try_from(t) {
            Ok(class) if class < c => Ok(Some(class)),
            _ => Err(LossError::TargetOutOfBounds {
                target: t,
                classes: c,
            }),
        }
    }

    fn class_weight(&self, k: usize) -> A {
        self.weight.as_ref().map_or(A::one(), |w| w[k])
    }

    pub(crate) fn total_weight(&self, c: usize) -> A {
        self.weight
            .as_ref()
            .map_or(A::from_count(c), |w| w.iter().copied().sum())
    }

    /// The smoothed probability target at one position.
    fn smoothed(&self, q: ArrayView1<A>, c: usize) -> Array1<A> {
        let eps = self.smoothing();
        if eps > A::zero() {
            q.mapv(|v| v * (A::one() - eps) + eps / A::from_count(c))
        } else {
            q.to_owned()
        }
    }

    /// Per-position losses `[N, S]` and the denominator of `Mean`.
    fn per_position(
        &self,
        x: &CowArray<A, Ix3>,
        target: &Flat<A>,
        layout: &Layout,
    ) -> Result<(Array2<A>, A), LossError> {
        let (n, c, s) = (layout.n, layout.c, layout.s);
        let eps = self.smoothing();
        let mut losses = Array2::zeros((n, s));
        let mut denominator = A::zero();
        for i in 0..n {
            for j in 0..s {
                let row = x.slice(ndarray::s![i, .., j]);
                let (m, log_sum) = max_and_log_sum(row);
                let neg_logp = |k: usize| log_sum - (row[k] - m);
                losses[[i, j]] = match target {
                    Flat::Indices(t) => {
                        let Some(t) = self.class_of(t[[i, j]], c)? else {
                            continue; // ignored: no loss, no gradient
                        };
                        let w_t = self.class_weight(t);
                        denominator = denominator + w_t;
                        let nll = w_t * neg_logp(t);
                        if eps > A::zero() {
                            let smooth: A =
                                (0..c).map(|k| self.class_weight(k) * neg_logp(k)).sum();
                            (A::one() - eps) * nll + eps / A::from_count(c) * smooth
                        } else {
                            nll
                        }
                    }
                    Flat::Probabilities(q) => {
                        let q = self.smoothed(q.slice(ndarray::s![i, .., j]), c);
                        denominator = denominator + A::one();
                        (0..c)
                            .map(|k| self.class_weight(k) * q[k] * neg_logp(k))
                            .sum()
                    }
                };
            }
        }
        if let Flat::Probabilities(_) = target
            && c == 0
        {
            // PyTorch's mean over an empty input is NaN, even with positions left (C = 0).
            denominator = A::zero();
        }
        if layout.bytes
            && eps > A::zero()
            && self.weight.is_some()
            && self.reduction == Reduction::Mean
        {
            return Err(LossError::ByteIndexGather);
        }
        Ok((losses, denominator))
    }

    /// Views input and target as `[N, C, S]` and `[N, S]` (or `[N, C, S]`).
    fn flatten<'b>(
        input: &'b ArrayViewD<A>,
        target: &'b Target<A>,
        layout: &Layout,
    ) -> Result<(CowArray<'b, A, Ix3>, Flat<'b, A>), LossError> {
        let (n, c, s) = (layout.n, layout.c, layout.s);
        let shape_error = |e: ndarray::ShapeError| LossError::Reshape {
            shape: input.shape().to_vec(),
            reason: e.to_string(),
        };
        let x = input.to_shape((n, c, s)).map_err(shape_error)?;
        let flat = match target {
            Target::Indices(t) => Flat::Indices(t.to_shape((n, s)).map_err(shape_error)?),
            Target::ByteIndices(t) => Flat::Indices(CowArray::from(
                t.mapv(i64::from)
                    .into_shape_with_order((n, s))
                    .map_err(shape_error)?,
            )),
            Target::Probabilities(q) => {
                Flat::Probabilities(q.to_shape((n, c, s)).map_err(shape_error)?)
            }
        };
        Ok((x, flat))
    }

    /// The loss: per position (`Reduction::None`, shaped like the target) or reduced to a
    /// 0-d array.
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
        let layout = self.layout(&input, &target)?;
        let (x, flat) = Self::flatten(&input, &target, &layout)?;
        let (losses, denominator) = self.per_position(&x, &flat, &layout)?;
        Ok(match self.reduction {
            Reduction::None => losses
                .into_shape_with_order(IxDyn(&layout.per_position))
                .map_err(|e| LossError::Reshape {
                    shape: vec![layout.n, layout.s],
                    reason: e.to_string(),
                })?,
            // 0/0 = NaN for an empty batch or when every target is ignored, as in PyTorch.
            Reduction::Mean => ArrayD::from_elem(IxDyn(&[]), losses.sum() / denominator),
            Reduction::Sum => ArrayD::from_elem(IxDyn(&[]), losses.sum()),
        })
    }

    /// The gradient `d(loss)/d(input)`, given `grad_output = d(out)/d(loss)` of the
    /// forward output's shape (a 0-d array for `Mean`/`Sum`). What `backward()` computes.
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
        Ok(self.gradients(input, target, grad_output)?.0)
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
        self.gradients(input, target, grad_output)?
            .1
            .ok_or(LossError::NotDifferentiable)
    }

    /// Both gradients: with respect to the input, and (for probability targets) the target.
    fn gradients(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
        grad_output: ArrayViewD<A>,
    ) -> Result<(ArrayD<A>, Option<ArrayD<A>>), LossError> {
        let layout = self.layout(&input, &target)?;
        let expected: &[usize] = match self.reduction {
            Reduction::None => &layout.per_position,
            Reduction::Mean | Reduction::Sum => &[],
        };
        if grad_output.shape() != expected {
            return Err(LossError::GradOutputShape {
                expected: expected.to_vec(),
                got: grad_output.shape().to_vec(),
            });
        }
        let (x, flat) = Self::flatten(&input, &target, &layout)?;
        let (n, c, s) = (layout.n, layout.c, layout.s);
        // The mean's denominator, computed exactly as forward does.
        let denominator = match self.reduction {
            Reduction::Mean => self.per_position(&x, &flat, &layout)?.1,
            _ => A::one(),
        };
        // Upstream gradient per position: its own entry for `None`, else the one scalar
        // (divided by the mean's denominator).
        let upstream = grad_output
            .to_shape((n, s))
            .or_else(|_| grad_output.to_shape((1, 1)))
            .map_err(|e| LossError::Reshape {
                shape: grad_output.shape().to_vec(),
                reason: e.to_string(),
            })?;
        let eps = self.smoothing();
        let total_weight = self.total_weight(c);
        let mut grad = ndarray::Array3::<A>::zeros((n, c, s));
        let mut grad_target = match flat {
            Flat::Probabilities(_) => Some(ndarray::Array3::<A>::zeros((n, c, s))),
            Flat::Indices(_) => None,
        };
        for i in 0..n {
            for j in 0..s {
                let g = match self.reduction {
                    Reduction::None => upstream[[i, j]],
                    _ => upstream[[0, 0]] / denominator,
                };
                let row = x.slice(ndarray::s![i, .., j]);
                let (m, log_sum) = max_and_log_sum(row);
                let p = row.mapv(|v| ((v - m) - log_sum).exp());
                let mut out = grad.slice_mut(ndarray::s![i, .., j]);
                match &flat {
                    Flat::Indices(t) => {
                        let Some(t) = self.class_of(t[[i, j]], c)? else {
                            continue; // ignored: no loss, no gradient
                        };
                        let w_t = self.class_weight(t);
                        for k in 0..c {
                            let hit = if k == t { A::one() } else { A::zero() };
                            let mut d = (A::one() - eps) * w_t * (p[k] - hit);
                            if eps > A::zero() {
                                d = d + eps / A::from_count(c)
                                    * (p[k] * total_weight - self.class_weight(k));
                            }
                            out[k] = g * d;
                        }
                    }
                    Flat::Probabilities(q) => {
                        let q = self.smoothed(q.slice(ndarray::s![i, .., j]), c);
                        let mass: A = (0..c).map(|k| self.class_weight(k) * q[k]).sum();
                        for k in 0..c {
                            out[k] = g * (p[k] * mass - self.class_weight(k) * q[k]);
                        }
                        if let Some(gt) = grad_target.as_mut() {
                            // d/dq_k of Σ w_k·q'_k·(-logp_k), q' = (1-ε)·q + ε/C.
                            for k in 0..c {
                                let neg_logp = log_sum - (row[k] - m);
                                gt[[i, k, j]] =
                                    g * (A::one() - eps) * self.class_weight(k) * neg_logp;
                            }
                        }
                    }
                }
            }
        }
        let to_input_shape = |a: ndarray::Array3<A>| {
            a.into_shape_with_order(IxDyn(input.shape()))
                .map_err(|e| LossError::Reshape {
                    shape: vec![n, c, s],
                    reason: e.to_string(),
                })
        };
        Ok((
            to_input_shape(grad)?,
            grad_target.map(to_input_shape).transpose()?,
        ))
    }
}
