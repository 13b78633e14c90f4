//! Chapter 6's methods on the loss: `[N, C]` `f32` logits with class ids, every option
//! included, computed by [`crate::fast`] from the same [`Checked`](super::Checked) options
//! as the reference path.

use ndarray::{Array2, ArrayD, ArrayView1, ArrayView2, ArrayViewMut2};

use super::CrossEntropyLoss;
use crate::LossError;

impl CrossEntropyLoss<f32> {
    /// The loss (as [`CrossEntropyLoss::forward`]) for `[N, C]` logits, on the fast path.
    ///
    /// ```
    /// use listings::CrossEntropyLoss;
    /// use ndarray::array;
    /// let x = array![[2.0_f32, 0.5, -1.0], [0.0, 0.0, 3.0]];
    /// let t = array![0_i64, -100];
    /// let loss = CrossEntropyLoss::<f32>::new().forward_fast(x.view(), t.view()).unwrap();
    /// assert!((loss[[]] - 0.24131).abs() < 1e-5);
    /// ```
    pub fn forward_fast(
        &self,
        logits: ArrayView2<f32>,
        targets: ArrayView1<i64>,
    ) -> Result<ArrayD<f32>, LossError> {
        crate::fast::forward(self, logits, targets)
    }

    /// Loss and gradient together (gradient of the output's sum, as `backward` with
    /// `grad_output` all ones), the gradient written over `logits`: two passes over
    /// memory, no `[N, C]` buffer allocated.
    ///
    /// ```
    /// use listings::CrossEntropyLoss;
    /// use ndarray::array;
    /// let mut x = array![[0.0_f32, 0.0]];
    /// let t = array![0_i64];
    /// let loss = CrossEntropyLoss::<f32>::new().forward_backward_in_place(x.view_mut(), t.view()).unwrap();
    /// assert!((loss[[]] - 2.0_f32.ln()).abs() < 1e-6);
    /// assert_eq!(x, array![[-0.5, 0.5]]);
    /// ```
    pub fn forward_backward_in_place(
        &self,
        logits: ArrayViewMut2<f32>,
        targets: ArrayView1<i64>,
    ) -> Result<ArrayD<f32>, LossError> {
        crate::fast::forward_backward_in_place(self, logits, targets)
    }

    /// Loss and gradient together, leaving the logits as they are.
    ///
    /// ```
    /// use listings::CrossEntropyLoss;
    /// use ndarray::array;
    /// let x = array![[0.0_f32, 0.0]];
    /// let (loss, grad) = CrossEntropyLoss::<f32>::new().forward_backward_fast(x.view(), array![1_i64].view()).unwrap();
    /// assert_eq!(grad, array![[0.5, -0.5]]);
    /// assert!(loss[[]] > 0.69);
    /// ```
    pub fn forward_backward_fast(
        &self,
        logits: ArrayView2<f32>,
        targets: ArrayView1<i64>,
    ) -> Result<(ArrayD<f32>, Array2<f32>), LossError> {
        crate::fast::forward_backward(self, logits, targets)
    }
}
