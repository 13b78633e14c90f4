//! The loss and its gradient in one call, as a training step wants them: the gradient in
//! a fresh array ([`CrossEntropyLoss::forward_backward`]), into a buffer the caller keeps
//! ([`CrossEntropyLoss::forward_backward_into`]), or over the logits themselves
//! ([`CrossEntropyLoss::forward_backward_in_place`]). On chapter 6's kernels each row is
//! visited once; elsewhere the reference loops run and the gradient is copied where it goes.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD};

use super::fast_path::{self, Plan};
use super::{CrossEntropyLoss, Target, reference};
use crate::fast::Rows;
use crate::{LossError, Real};

impl<A: Real> CrossEntropyLoss<A> {
    /// The loss and its gradient together (the gradient of the output's sum, as `backward`
    /// with `grad_output` all ones), the gradient in a new array: what a training step
    /// wants, in one visit of each row on the kernels.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::array;
    /// let x = array![[0.0_f32, 0.0]].into_dyn();
    /// let t = array![1_i64].into_dyn();
    /// let (loss, grad) = CrossEntropyLoss::new().forward_backward(x.view(), Target::Indices(t.view())).unwrap();
    /// assert!((loss[[]] - 2.0_f32.ln()).abs() < 1e-6);
    /// assert_eq!(grad, array![[0.5, -0.5]].into_dyn());
    /// ```
    pub fn forward_backward(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
    ) -> Result<(ArrayD<A>, ArrayD<A>), LossError> {
        let checked = self.check_call(&input, &target)?;
        if let Some(rows) = fast_path::rows(input.view())
            && let Some(plan) = Plan::new(&checked, &target)?
        {
            let mut grad = plan.fresh(&rows);
            let into = Rows::Into {
                logits: rows,
                grad: grad.view_mut(),
            };
            let out = plan.fused(into, plan.of_the_sum())?;
            return Ok((out, fast_path::unrows(grad, input.shape())?));
        }
        let out = reference::forward(&checked, &input, &target)?;
        let ones = ArrayD::from_elem(out.raw_dim(), A::one());
        let grad = reference::gradients(&checked, &input, &target, &ones.view())?.0;
        Ok((out, grad))
    }

    /// [`forward_backward`](Self::forward_backward) with the gradient written into `grad`,
    /// a buffer of the input's shape that the caller keeps from step to step: no fresh
    /// `[N, C]` each step when the buffer can be read as rows the way the input can (else
    /// a fresh gradient is copied in). Returns the loss.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::{array, Array2};
    /// let x = array![[0.0_f32, 0.0]].into_dyn();
    /// let t = array![1_i64].into_dyn();
    /// let mut grad = Array2::<f32>::zeros((1, 2)).into_dyn();
    /// let loss = CrossEntropyLoss::new();
    /// loss.forward_backward_into(x.view(), Target::Indices(t.view()), grad.view_mut()).unwrap();
    /// assert_eq!(grad, array![[0.5, -0.5]].into_dyn());
    /// let mut wrong = Array2::<f32>::zeros((2, 2)).into_dyn();
    /// let err = loss.forward_backward_into(x.view(), Target::Indices(t.view()), wrong.view_mut());
    /// assert!(err.unwrap_err().to_string().starts_with("assigned grad has data of a different size"));
    /// ```
    pub fn forward_backward_into(
        &self,
        input: ArrayViewD<A>,
        target: Target<A>,
        mut grad: ArrayViewMutD<A>,
    ) -> Result<ArrayD<A>, LossError> {
        let checked = self.check_call(&input, &target)?;
        if grad.shape() != input.shape() {
            return Err(LossError::GradientShape {
                expected: input.shape().to_vec(),
                got: grad.shape().to_vec(),
            });
        }
        if let Some(rows) = fast_path::rows(input.view())
            && let Some(plan) = Plan::new(&checked, &target)?
        {
            // The buffer seen as rows too; one laid out otherwise gets a fresh gradient
            // copied in.
            if let Some(grad_rows) = fast_path::rows(grad.view_mut()) {
                let into = Rows::Into {
                    logits: rows,
                    grad: grad_rows,
                };
                return plan.fused(into, plan.of_the_sum());
            }
        }
        let (out, fresh) = self.forward_backward(input, target)?;
        grad.assign(&fresh);
        Ok(out)
    }

    /// [`forward_backward`](Self::forward_backward) with the gradient written over the
    /// logits themselves, for when nothing else needs them afterwards: on the kernels, one
    /// read and one write of each logit and no new `[N, C]` (a view that is not row-major
    /// is copied and copied back). Returns the loss.
    ///
    /// ```
    /// use listings::{CrossEntropyLoss, Target};
    /// use ndarray::array;
    /// let mut x = array![[0.0_f32, 0.0]].into_dyn();
    /// let t = array![0_i64].into_dyn();
    /// let loss = CrossEntropyLoss::new().forward_backward_in_place(x.view_mut(), Target::Indices(t.view())).unwrap();
    /// assert!((loss[[]] - 2.0_f32.ln()).abs() < 1e-6);
    /// assert_eq!(x, array![[-0.5, 0.5]].into_dyn());
    /// ```
    pub fn forward_backward_in_place(
        &self,
        mut logits: ArrayViewMutD<A>,
        target: Target<A>,
    ) -> Result<ArrayD<A>, LossError> {
        let checked = self.check_call(&logits.view(), &target)?;
        let plan = match fast_path::rows(logits.view()) {
            Some(_) => Plan::new(&checked, &target)?,
            None => None,
        };
        if let Some(plan) = plan
            && let Some(rows) = fast_path::rows(logits.view_mut())
        {
            return plan.fused(Rows::InPlace(rows), plan.of_the_sum());
        }
        let (out, grad) = self.forward_backward(logits.view(), target)?;
        logits.assign(&grad);
        Ok(out)
    }
}
