//! What can go wrong when computing a loss, said so that a learner knows what to fix.
//!
//! Where PyTorch rejects the same input, the message starts with PyTorch's own sentence
//! (`Target 5 is out of bounds.`), so that what the book teaches is what PyTorch says.

use thiserror::Error;

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
        "Expected floating point type for target with class probabilities, got Long: a target of the input's shape {shape:?} is read as class probabilities; use Target::Probabilities"
    )]
    ProbabilitiesExpected { shape: Vec<usize> },

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

    /// A 0-d input has no class dimension.
    #[error("Expected 1 or more dimensions (got 0): the input needs a class dimension")]
    NoDimensions,

    /// A word the vocabulary does not have.
    #[error(
        "“{0}” is not in the vocabulary; the model can only read and predict the words it has ids for"
    )]
    UnknownWord(String),

    /// A reshape that cannot fail did: a bug in this crate, reported instead of a panic.
    #[error(
        "cannot view an array of shape {shape:?} as needed: {reason} (a bug in listings; please report it)"
    )]
    Reshape { shape: Vec<usize>, reason: String },

    /// `backward` needs `d(out)/d(loss)` of exactly the forward output's shape.
    #[error(
        "grad_output has shape {got:?}, but the loss it is the gradient of has shape {expected:?}"
    )]
    GradOutputShape {
        expected: Vec<usize>,
        got: Vec<usize>,
    },

    /// `N = 0`: the average over no rows is undefined (PyTorch returns NaN; we say why).
    #[error(
        "the batch is empty (N = 0): there is no loss to average; PyTorch would return NaN here"
    )]
    EmptyBatch,

    /// `C = 0`: with no classes there is nothing to predict.
    #[error("there are no classes (C = 0): softmax over zero classes is undefined")]
    NoClasses,
}
