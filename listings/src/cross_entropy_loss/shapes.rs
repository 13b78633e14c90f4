//! The checks every call starts with, in the order PyTorch makes them (`cross_entropy_loss`,
//! `nll_loss_nd`, `nll_loss` / `nll_loss2d` in ATen's `LossNLL.cpp`), so that a wrong call
//! gets PyTorch's own error; and the input laid out as `[N, C, S]`. Class ids themselves
//! are checked later, position by position ([`Checked::classes_of`](super::Checked::classes_of)).

use super::{CrossEntropyLoss, Target};
use crate::{LossError, Real};

/// A target's element type, by PyTorch's name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dtype {
    /// `int64` class ids.
    Long,
    /// `uint8` class ids.
    Byte,
    /// Probabilities.
    Float,
}

impl Dtype {
    /// PyTorch's name, as its messages spell it.
    fn name(self) -> &'static str {
        match self {
            Dtype::Long => "Long",
            Dtype::Byte => "Byte",
            Dtype::Float => "Float",
        }
    }
}

/// A target's shape and element type: all the checks need to know of it.
pub(super) fn of<'t, A>(target: &'t Target<A>) -> (&'t [usize], Dtype) {
    match target {
        Target::Indices(t) => (t.shape(), Dtype::Long),
        Target::ByteIndices(t) => (t.shape(), Dtype::Byte),
        Target::Probabilities(q) => (q.shape(), Dtype::Float),
    }
}

/// The input seen as `[N, C, S]` (S = d1·d2·…), and the shape the caller sees.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Layout {
    pub(super) n: usize,
    pub(super) c: usize,
    pub(super) s: usize,
    /// Shape of the `Reduction::None` output.
    pub(super) per_position: Vec<usize>,
    /// The ids are bytes (PyTorch cannot take a smoothed, weighted mean over them).
    pub(super) bytes: bool,
}

/// Checks `loss`'s options against an input of shape `shape` and a target of shape
/// `target_shape` holding `dtype`, and lays the input out as `[N, C, S]`.
pub(super) fn layout<A: Real>(
    loss: &CrossEntropyLoss<A>,
    shape: &[usize],
    target_shape: &[usize],
    dtype: Dtype,
) -> Result<Layout, LossError> {
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
        bytes: dtype == Dtype::Byte,
    };
    let weight_len = loss.weight.as_ref().map(|w| w.len());
    // A target of the input's own shape holds probabilities.
    if target_shape == shape {
        if dtype != Dtype::Float {
            return Err(LossError::ProbabilitiesExpected {
                shape: shape.to_vec(),
                dtype: dtype.name(),
            });
        }
        if loss.ignore_index >= 0 {
            return Err(LossError::IgnoreIndexWithProbabilities {
                ignore_index: loss.ignore_index,
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
        check_smoothing(loss)?;
        return Ok(layout);
    }
    // Class ids (or probabilities of the wrong shape, rejected once the shapes are known).
    check_smoothing(loss)?;
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
            if dtype == Dtype::Float {
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
            if dtype == Dtype::Float {
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

/// Label smoothing is a fraction: above 1 is an error (below 0 means none, as in PyTorch).
fn check_smoothing<A: Real>(loss: &CrossEntropyLoss<A>) -> Result<(), LossError> {
    if loss.label_smoothing > A::one() {
        return Err(LossError::LabelSmoothing {
            value: loss.label_smoothing.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spatial_input_is_laid_out_as_n_c_s() {
        let loss = CrossEntropyLoss::<f32>::new();
        let layout = layout(&loss, &[2, 3, 4, 5], &[2, 4, 5], Dtype::Long).unwrap();
        assert_eq!((layout.n, layout.c, layout.s), (2, 3, 20));
        assert_eq!(layout.per_position, [2, 4, 5]);
    }

    #[test]
    fn ids_of_the_inputs_shape_are_read_as_probabilities_of_the_wrong_type() {
        let loss = CrossEntropyLoss::<f32>::new();
        let err = layout(&loss, &[2, 3], &[2, 3], Dtype::Byte).unwrap_err();
        assert!(err.to_string().starts_with(
            "Expected floating point type for target with class probabilities, got Byte"
        ));
    }
}
