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

    /// A class id is not smaller than the number of classes `C`.
    #[error("Target {target} is out of bounds. Class ids run from 0 to C - 1 = {}, because there are C = {classes} classes", classes.saturating_sub(1))]
    TargetOutOfBounds { target: usize, classes: usize },

    /// The logits have `N` rows but there are not `N` targets.
    #[error(
        "Expected input batch_size ({input}) to match target batch_size ({target}): every row of logits needs exactly one target"
    )]
    BatchSizeMismatch { input: usize, target: usize },

    /// `N = 0`: the average over no rows is undefined (PyTorch returns NaN; we say why).
    #[error(
        "the batch is empty (N = 0): there is no loss to average; PyTorch would return NaN here"
    )]
    EmptyBatch,

    /// `C = 0`: with no classes there is nothing to predict.
    #[error("there are no classes (C = 0): softmax over zero classes is undefined")]
    NoClasses,
}
