//! What can go wrong when computing a loss, said so that a learner knows what to fix.
//!
//! Where PyTorch rejects the same input, the message starts with PyTorch's own sentence
//! (`Target 5 is out of bounds.`), so that what the book teaches is what PyTorch says.

use thiserror::Error;

/// The Python exception PyTorch raises for an input it rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyTorchError {
    /// `TORCH_CHECK_VALUE` and Python-side checks: a batch size, a reduction's name.
    ValueError,
    /// `TORCH_CHECK_INDEX`: a class id or a dimension out of range.
    IndexError,
    /// `TORCH_CHECK`: everything else.
    RuntimeError,
}

/// Why a loss (or a surprise, or a probability) could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LossError {
    /// A probability must lie in `[0, 1]`; NaN is not a probability either.
    #[error(
        "probability {value} at position {index} is outside [0, 1]: a probability cannot be negative, larger than 1, or NaN"
    )]
    ProbabilityOutOfRange { index: usize, value: f64 },

    /// A probability distribution must add up to 1.
    #[error(
        "the probabilities sum to {sum}, not 1: a distribution over the classes must add up to 1"
    )]
    NotADistribution { sum: f64 },

    /// Two vectors that describe the same classes have different lengths.
    #[error(
        "{left} has {left_len} entries but {right} has {right_len}: both must have one entry per class"
    )]
    LengthMismatch {
        left: &'static str,
        left_len: usize,
        right: &'static str,
        right_len: usize,
    },

    /// A class id is negative (and not `ignore_index`) or not smaller than `C`.
    #[error("Target {target} is out of bounds. Class ids run from 0 to C - 1 = {}, because there are C = {classes} classes", classes.saturating_sub(1))]
    TargetOutOfBounds { target: i64, classes: usize },

    /// The logits have `N` rows but there are not `N` targets.
    #[error(
        "Expected input batch_size ({input}) to match target batch_size ({target}). Every row of logits needs exactly one target"
    )]
    BatchSizeMismatch { input: usize, target: usize },

    /// Class-index targets must have the input's shape without its class dimension.
    #[error(
        "Expected target size {expected:?}, got {got:?}: class-index targets have the input's shape without the class dimension"
    )]
    TargetShape {
        expected: Vec<usize>,
        got: Vec<usize>,
    },

    /// A target of the input's own shape holds probabilities, so it must be floating point.
    #[error(
        "Expected floating point type for target with class probabilities, got {dtype}: a target of the input's shape {shape:?} is read as class probabilities; use Target::Probabilities"
    )]
    ProbabilitiesExpected {
        shape: Vec<usize>,
        /// PyTorch's name of the ids' type: `Long` (i64) or `Byte` (u8).
        dtype: &'static str,
    },

    /// Class ids of `[N, C]` (or `[C]`) logits are one number per row.
    #[error(
        "0D or 1D target tensor expected, multi-target not supported: these class ids have {got} dimensions"
    )]
    TargetDims { got: usize },

    /// Unbatched logits `[C]` take one class id (0-d, or a list of one).
    #[error(
        "For 1D input, 1D target must have size 1, but got target size: {got}. Unbatched logits [C] take one class id"
    )]
    UnbatchedTargetSize { got: usize },

    /// Unbatched logits `[C]` with the id in a list `[1]`: PyTorch's autograd path refuses it.
    #[error(
        "size mismatch (got input: {input:?}, target: {target:?}): give unbatched logits a 0-d class id"
    )]
    SizeMismatch {
        input: Vec<usize>,
        target: Vec<usize>,
    },

    /// `[N, C, H, W]` logits take `[N, H, W]` class ids.
    #[error(
        "only batches of spatial targets supported (3D tensors) but got targets of dimension: {got}"
    )]
    SpatialTargetDims { got: usize },

    /// `[N, C, H, W]` logits take `[N, H, W]` class ids.
    #[error(
        "size mismatch (got input: {input:?} , target: {target:?}: the ids must have the logits' shape without the class dimension"
    )]
    SpatialSizeMismatch {
        input: Vec<usize>,
        target: Vec<usize>,
    },

    /// `weight` must have one entry per class (inputs with spatial dimensions say it shorter).
    #[error(
        "weight tensor should be defined either for all or no classes: {len} weights for {classes} classes"
    )]
    SpatialWeightLength { classes: usize, len: usize },

    /// `weight` must have one entry per class (said by the probability-target path).
    #[error(
        "cross_entropy: weight tensor should be defined either for all {classes} classes or no classes but got weight tensor of shape: {shape:?}"
    )]
    ProbabilityWeightLength { classes: usize, shape: Vec<usize> },

    /// 0-d logits with class ids: there is no class dimension to take the softmax over.
    #[error(
        "Dimension out of range (expected to be in range of [-1, 0], but got 1): 0-d logits have no class dimension"
    )]
    DimensionOutOfRange,

    /// 0-d logits with a 0-d probability target: there is no class dimension.
    #[error(
        "Dimension specified as 1 but tensor has no dimensions: 0-d logits have no class dimension"
    )]
    NoClassDimension,

    /// PyTorch gathers the weights of `u8` ids for a smoothed, weighted mean, and `gather`
    /// takes int32/int64 indices only.
    #[error(
        "gather(): Expected dtype int32/int64 for index: PyTorch cannot average smoothed, weighted losses over Byte class ids; use i64 ids"
    )]
    ByteIndexGather,

    /// Class ids are integers: there is no gradient with respect to them.
    #[error(
        "only Tensors of floating point dtype can require gradients: class ids have no gradient; only probability targets do"
    )]
    NotDifferentiable,

    /// A floating-point target of another shape than the input cannot be probabilities.
    #[error(
        "expected target dtype to be Long or Byte, but got Float: probability targets must have the input's shape {input:?}, but these have shape {target:?}; class ids go in Target::Indices"
    )]
    IndicesExpected {
        input: Vec<usize>,
        target: Vec<usize>,
    },

    /// `weight` must have one entry per class.
    #[error(
        "weight tensor should be defined either for all {classes} classes or no classes but got weight tensor of shape: {shape:?}"
    )]
    WeightLength { classes: usize, shape: Vec<usize> },

    /// Label smoothing mixes the target with the uniform distribution by a fraction in [0, 1].
    #[error("label_smoothing must be between 0.0 and 1.0. Got: {value}")]
    LabelSmoothing { value: String },

    /// Probability targets have no class to ignore.
    #[error(
        "ignore_index is not supported for floating point target (ignore_index = {ignore_index}): a probability target has no single class that could be ignored"
    )]
    IgnoreIndexWithProbabilities { ignore_index: i64 },

    /// A reduction other than "none", "mean" or "sum".
    #[error("{0} is not a valid value for reduction (use \"none\", \"mean\" or \"sum\")")]
    InvalidReduction(String),

    /// Fused linear cross-entropy multiplies hidden states `[N, H]` by the transposed
    /// LM-head weights `[C, H]`: both need the same width `H`.
    #[error(
        "mat1 and mat2 shapes cannot be multiplied ({n}x{hidden} and {weight}x{classes}): the hidden states [N, H] have H = {hidden}, so the LM-head weights [C, H] need {hidden} columns, but they have {weight}"
    )]
    HiddenWidthMismatch {
        n: usize,
        hidden: usize,
        classes: usize,
        weight: usize,
    },

    /// A reshape that cannot fail did: a bug in this crate, reported instead of a panic.
    #[error(
        "cannot view an array of shape {shape:?} as needed (a bug in listings; please report it)"
    )]
    Reshape {
        shape: Vec<usize>,
        #[source]
        source: ndarray::ShapeError,
    },

    /// `backward` needs `d(out)/d(loss)` of exactly the forward output's shape.
    #[error(
        "grad_output has shape {got:?}, but the loss it is the gradient of has shape {expected:?}"
    )]
    GradOutputShape {
        expected: Vec<usize>,
        got: Vec<usize>,
    },

    /// A gradient buffer must have the logits' shape (PyTorch, assigning a `.grad` of
    /// another size, says the same first sentence).
    #[error(
        "assigned grad has data of a different size: the gradient buffer has shape {got:?}, but the logits have shape {expected:?}"
    )]
    GradientShape {
        expected: Vec<usize>,
        got: Vec<usize>,
    },

    /// `N = 0` where the book's chapter-3 functions need a row (PyTorch would return NaN,
    /// 0 or an empty tensor instead; we say why there is no answer).
    #[error(
        "the batch is empty (N = 0): this function needs at least one row (PyTorch would give NaN for the mean, 0 for the sum, an empty tensor for none)"
    )]
    EmptyBatch,

    /// `C = 0`: with no classes there is nothing to predict.
    #[error("there are no classes (C = 0): softmax over zero classes is undefined")]
    NoClasses,
}

impl LossError {
    /// [`LossError::Reshape`]: the array of `shape` could not be viewed as needed.
    ///
    /// ```
    /// use listings::LossError;
    /// let e = ndarray::Array1::<f64>::zeros(6).into_shape_with_order((4, 2)).unwrap_err();
    /// let err = LossError::reshape(&[6], e);
    /// assert!(err.to_string().starts_with("cannot view an array of shape [6] as needed"));
    /// assert!(std::error::Error::source(&err).is_some());
    /// assert_eq!(err.pytorch_kind(), None);
    /// ```
    pub fn reshape(shape: &[usize], source: ndarray::ShapeError) -> Self {
        LossError::Reshape {
            shape: shape.to_vec(),
            source,
        }
    }

    /// The exception PyTorch raises for the same input, or `None` where PyTorch has no such
    /// error (it returns NaN, or the check belongs to this book, not to `nn.CrossEntropyLoss`).
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, PyTorchError, Target};
    /// use ndarray::array;
    /// let x = array![[0.0_f64, 0.0]].into_dyn();
    /// let t = array![5_i64].into_dyn();
    /// let e = CrossEntropyLoss::new().forward(x.view(), Target::Indices(t.view())).unwrap_err();
    /// assert_eq!(e.pytorch_kind(), Some(PyTorchError::IndexError)); // "Target 5 is out of bounds."
    /// ```
    pub fn pytorch_kind(&self) -> Option<PyTorchError> {
        use LossError::*;
        match self {
            BatchSizeMismatch { .. } | InvalidReduction(_) | UnbatchedTargetSize { .. } => {
                Some(PyTorchError::ValueError)
            }
            TargetOutOfBounds { .. } | DimensionOutOfRange | NoClassDimension => {
                Some(PyTorchError::IndexError)
            }
            TargetShape { .. }
            | ProbabilitiesExpected { .. }
            | IndicesExpected { .. }
            | TargetDims { .. }
            | SizeMismatch { .. }
            | SpatialTargetDims { .. }
            | SpatialSizeMismatch { .. }
            | WeightLength { .. }
            | SpatialWeightLength { .. }
            | ProbabilityWeightLength { .. }
            | LabelSmoothing { .. }
            | IgnoreIndexWithProbabilities { .. }
            | ByteIndexGather
            | NotDifferentiable
            | GradOutputShape { .. }
            | GradientShape { .. }
            | HiddenWidthMismatch { .. } => Some(PyTorchError::RuntimeError),
            ProbabilityOutOfRange { .. }
            | NotADistribution { .. }
            | LengthMismatch { .. }
            | Reshape { .. }
            | EmptyBatch
            | NoClasses => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2};

    use super::*;
    use crate::CrossEntropyLoss;
    use crate::fast::linear_cross_entropy;

    #[test]
    fn a_hidden_width_that_the_lm_head_does_not_have_is_its_own_error() {
        let hidden = Array2::<f32>::zeros((3, 4));
        let weight = Array2::<f32>::zeros((5, 2));
        let targets = Array1::from(vec![0_i64, 1, 2]);
        let loss = CrossEntropyLoss::new();
        let err = linear_cross_entropy(&loss, hidden.view(), weight.view(), targets.view(), 2)
            .unwrap_err();
        assert_eq!(
            err,
            LossError::HiddenWidthMismatch {
                n: 3,
                hidden: 4,
                classes: 5,
                weight: 2
            }
        );
        assert_eq!(
            err.to_string(),
            "mat1 and mat2 shapes cannot be multiplied (3x4 and 2x5): the hidden states [N, H] have H = 4, so the LM-head weights [C, H] need 4 columns, but they have 2"
        );
        assert_eq!(err.pytorch_kind(), Some(PyTorchError::RuntimeError));
    }
}
