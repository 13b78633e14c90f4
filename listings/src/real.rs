//! The floating-point types the book computes in: `f32` (what models train in) and `f64`
//! (what we check against).

use std::fmt::{Debug, Display};
use std::iter::Sum;

use ndarray::ScalarOperand;
use num_traits::Float;

use crate::fast::Kernels;

/// A float the book's functions accept. Implemented for `f32` and `f64` only.
///
/// It adds to [`Float`] the two conversions the losses need and that `num_traits` only
/// offers as fallible casts: a batch size to divide by, and a value for an error message.
pub trait Real: Float + ScalarOperand + Sum + Debug + Display + Send + Sync + 'static {
    /// `n` as this float (exact up to 2^24 for `f32`, 2^53 for `f64`).
    ///
    /// ```
    /// use listings::Real;
    /// assert_eq!(<f32 as Real>::from_count(8192), 8192.0_f32);
    /// ```
    fn from_count(n: usize) -> Self;

    /// The value widened to `f64`, for messages and comparisons.
    ///
    /// ```
    /// use listings::Real;
    /// assert_eq!(0.5_f32.widen(), 0.5_f64);
    /// ```
    fn widen(self) -> f64;

    /// An `f64` constant (such as 0.9) in this precision.
    ///
    /// ```
    /// use listings::Real;
    /// assert_eq!(<f32 as Real>::narrow(0.9), 0.9_f32);
    /// ```
    fn narrow(x: f64) -> Self;

    /// Chapter 6's kernels for this type, if it has them: what [`CrossEntropyLoss`]'s
    /// methods run for class-index targets instead of the reference loops. `f32` has them;
    /// `f64`, the type the book checks against, keeps the loops.
    ///
    /// ```
    /// use listings::Real;
    /// assert!(<f32 as Real>::kernels().is_some() && <f64 as Real>::kernels().is_none());
    /// ```
    ///
    /// [`CrossEntropyLoss`]: crate::CrossEntropyLoss
    fn kernels() -> Option<Kernels<Self>> {
        None
    }
}

impl Real for f32 {
    fn from_count(n: usize) -> Self {
        n as f32
    }
    fn widen(self) -> f64 {
        f64::from(self)
    }
    fn narrow(x: f64) -> Self {
        x as f32
    }
    fn kernels() -> Option<Kernels<Self>> {
        Some(crate::fast::F32)
    }
}

impl Real for f64 {
    fn from_count(n: usize) -> Self {
        n as f64
    }
    fn widen(self) -> f64 {
        self
    }
    fn narrow(x: f64) -> Self {
        x
    }
}
