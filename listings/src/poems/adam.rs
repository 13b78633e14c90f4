//! Adam, the optimiser most language models are trained with, written out: a running
//! mean of each gradient and of its square, and a step of about the learning rate in the
//! direction the mean points, whatever the gradient's scale.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Zip};
use thiserror::Error;

use crate::Real;

/// The gradients handed to a step do not match the parameters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GradientShape {
    #[error("{parameters} parameters but {gradients} gradients: each parameter needs its own")]
    Count { parameters: usize, gradients: usize },
    #[error("parameter {index} has shape {parameter:?}, but its gradient has shape {gradient:?}")]
    Shape {
        index: usize,
        parameter: Vec<usize>,
        gradient: Vec<usize>,
    },
}

/// Adam (Kingma & Ba, 2015) as `torch.optim.Adam` computes it, without weight decay.
///
/// For each number `θ` with gradient `g`, at step `t = 1, 2, …`:
///
/// ```text
/// m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
///
/// The divisions by `1 − βᵗ` undo the pull towards 0 of means that start at 0.
///
/// ```
/// use listings::poems::adam::Adam;
/// use ndarray::{array, ArrayD};
/// // one number, f(θ) = θ², gradient 2θ: the first step is lr whatever the gradient's size
/// let mut theta: ArrayD<f64> = array![3.0].into_dyn();
/// let mut adam = Adam::new(0.1);
/// let grad = theta.mapv(|t| 2.0 * t);
/// adam.step(&mut [theta.view_mut()], &[grad.view()]).unwrap();
/// assert!((theta[[0]] - 2.9).abs() < 1e-8);
/// ```
#[derive(Debug, Clone)]
pub struct Adam<A> {
    pub learning_rate: A,
    pub beta1: A,
    pub beta2: A,
    pub eps: A,
    /// Steps taken so far.
    pub t: i32,
    /// `m` and `v` of each parameter, made on the first step.
    moments: Vec<(ArrayD<A>, ArrayD<A>)>,
}

impl<A: Real> Adam<A> {
    /// Adam with PyTorch's defaults: `β₁ = 0.9`, `β₂ = 0.999`, `ε = 10⁻⁸`.
    pub fn new(learning_rate: A) -> Self {
        Adam {
            learning_rate,
            beta1: A::narrow(0.9),
            beta2: A::narrow(0.999),
            eps: A::narrow(1e-8),
            t: 0,
            moments: Vec::new(),
        }
    }

    /// One step for every parameter with its gradient (the same order on every call).
    pub fn step(
        &mut self,
        parameters: &mut [ArrayViewMutD<A>],
        gradients: &[ArrayViewD<A>],
    ) -> Result<(), GradientShape> {
        if parameters.len() != gradients.len() {
            return Err(GradientShape::Count {
                parameters: parameters.len(),
                gradients: gradients.len(),
            });
        }
        for (index, (p, g)) in parameters.iter().zip(gradients).enumerate() {
            if p.shape() != g.shape() {
                return Err(GradientShape::Shape {
                    index,
                    parameter: p.shape().to_vec(),
                    gradient: g.shape().to_vec(),
                });
            }
        }
        if self.moments.is_empty() {
            self.moments = parameters
                .iter()
                .map(|p| (ArrayD::zeros(p.raw_dim()), ArrayD::zeros(p.raw_dim())))
                .collect();
        }
        // ANCHOR: adam
        self.t += 1;
        let one = A::one();
        let (beta1, beta2, eps) = (self.beta1, self.beta2, self.eps);
        // m、v 从 0 开始，前几步偏小，所以除以 1 − βᵗ 来校正
        let correction1 = one - beta1.powi(self.t);
        let correction2 = one - beta2.powi(self.t);
        let lr = self.learning_rate;
        for ((p, g), (m, v)) in parameters.iter_mut().zip(gradients).zip(&mut self.moments) {
            Zip::from(p).and(g).and(m).and(v).for_each(|p, &g, m, v| {
                // 梯度的滑动平均 m，和梯度平方的滑动平均 v
                *m = beta1 * *m + (one - beta1) * g;
                *v = beta2 * *v + (one - beta2) * g * g;
                // 步长至多约为 lr：m/√v 与梯度的大小无关，只看方向和它有多稳定
                *p = *p - lr * (*m / correction1) / ((*v / correction2).sqrt() + eps);
            });
        }
        // ANCHOR_END: adam
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Two steps by hand, as `torch.optim.Adam(lr=0.1)` takes them on f(θ) = θ² from θ = 3:
    /// step 1 gives 2.9 (m̂ = g, v̂ = g²); step 2, with g = 5.8, m = 0.9·0.6 + 0.58 = 1.12,
    /// v = 0.999·0.036 + 0.001·33.64 = 0.069604, m̂ = 1.12/0.19, v̂ = 0.069604/0.001999.
    #[test]
    fn two_steps_follow_the_formula() {
        let mut theta = array![3.0_f64].into_dyn();
        let mut adam = Adam::new(0.1);
        for _ in 0..2 {
            let grad = theta.mapv(|t| 2.0 * t);
            adam.step(&mut [theta.view_mut()], &[grad.view()]).unwrap();
        }
        // Step 1 by the formula (ε included): θ₁ = 3 − 0.1·6/(6 + 10⁻⁸), about 2.9.
        let theta1 = 3.0 - 0.1 * 6.0 / (6.0 + 1e-8);
        let g = 2.0 * theta1;
        let m = 0.9 * 0.6 + 0.1 * g;
        let v = 0.999 * 0.036 + 0.001 * g * g;
        let (m_hat, v_hat) = (m / (1.0 - 0.81), v / (1.0 - 0.998001));
        let expected = theta1 - 0.1 * m_hat / (f64::sqrt(v_hat) + 1e-8);
        // By hand with θ₁ = 2.9: m̂ = 1.12/0.19, v̂ = 0.069604/0.001999, θ₂ ≈ 2.8001.
        assert!((expected - 2.8001).abs() < 1e-4);
        assert!((theta[[0]] - expected).abs() < 1e-12, "{}", theta[[0]]);
    }

    #[test]
    fn a_gradient_of_the_wrong_shape_is_refused() {
        let mut theta = array![1.0_f32, 2.0].into_dyn();
        let grad = array![1.0_f32].into_dyn();
        let err = Adam::new(0.1)
            .step(&mut [theta.view_mut()], &[grad.view()])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "parameter 0 has shape [2], but its gradient has shape [1]"
        );
        let err = Adam::new(0.1)
            .step(&mut [theta.view_mut()], &[])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 parameters but 0 gradients: each parameter needs its own"
        );
    }
}
