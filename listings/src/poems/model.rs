//! The model: the previous `k` characters → embeddings → one hidden layer → the LM head.
//!
//! ```text
//! x  = [E[c₁], …, E[c_k]]          [B, k·D]   each character's row of the embedding E [C, D]
//! a  = x·W₁ + b₁                    [B, H]
//! h  = [tanh(a), 1]                 [B, H+1]   a constant 1: the head's bias is its last column
//! z  = h·Wᵀ                         [B, C]     the LM head W [C, H+1]; never held whole
//! loss = CrossEntropyLoss(z, targets)
//! ```
//!
//! The last two lines are chapter 6's fused linear cross-entropy: it returns the loss and
//! `dL/dh`, `dL/dW` without keeping the `[B, C]` logits. The rest of the backward pass is
//! the chain rule, written out in [`CharModel::gradients`]. The model is generic over
//! [`Real`] so that the same code can be checked in `f64` against central differences;
//! the head is a function argument ([`Head`]): [`fused_head`] in training, [`reference_head`]
//! (logits, then chapter 4's loss) to check it.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewD, ArrayViewMutD, Axis, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use thiserror::Error;

pub use super::head::{CHUNK, Head, fused_head, reference_head};
use crate::{LossError, Real};

/// Why the model could not read its input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// The contexts are not `k` characters wide.
    #[error("the model reads the {expected} previous characters, but these contexts have {got}")]
    ContextWidth { expected: usize, got: usize },
    /// A context holds an id the embedding has no row for.
    #[error("character id {id} is out of bounds for a vocabulary of {classes} characters")]
    UnknownId { id: usize, classes: usize },
    /// Sampling divides the logits by a temperature: it must be a positive number.
    #[error("temperature must be a positive number, but got {0}")]
    Temperature(f32),
    /// The loss refused its input.
    #[error(transparent)]
    Loss(#[from] LossError),
}

/// The sizes of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shape {
    /// `C`: the characters it reads and predicts.
    pub classes: usize,
    /// `k`: how many previous characters it sees.
    pub context: usize,
    /// `D`: the width of a character's embedding.
    pub embedding: usize,
    /// `H`: the width of the hidden layer.
    pub hidden: usize,
}

impl Shape {
    /// The number of trained numbers: `C·D + k·D·H + H + C·(H+1)`.
    ///
    /// ```
    /// use listings::poems::model::Shape;
    /// let shape = Shape { classes: 10, context: 2, embedding: 3, hidden: 4 };
    /// assert_eq!(shape.parameters(), 30 + 24 + 4 + 50);
    /// ```
    pub fn parameters(&self) -> usize {
        let Shape {
            classes: c,
            context: k,
            embedding: d,
            hidden: h,
        } = *self;
        c * d + k * d * h + h + c * (h + 1)
    }
}

/// The trained numbers (and, as [`CharModel`] too, their gradients).
#[derive(Debug, Clone, PartialEq)]
pub struct CharModel<A> {
    /// `E [C, D]`: one row per character.
    pub embedding: Array2<A>,
    /// `W₁ [k·D, H]`.
    pub w1: Array2<A>,
    /// `b₁ [H]`.
    pub b1: Array1<A>,
    /// The LM head `W [C, H+1]`, its last column the bias.
    pub head: Array2<A>,
}

/// What the forward pass keeps for the backward pass.
struct Forward<A> {
    /// `[B, k·D]`
    x: Array2<A>,
    /// `[B, H+1]`: `tanh(a)` and the constant 1.
    h: Array2<A>,
}

impl<A: Real> CharModel<A> {
    /// A fresh model: every number drawn uniformly from `±1/√fan_in` (PyTorch's
    /// `nn.Linear` default; the embedding's fan-in is 1), the head's bias 0, from a
    /// seeded ChaCha8 stream (the same numbers in `f32` and `f64`, on every machine).
    ///
    /// ```
    /// use listings::poems::model::{CharModel, Shape};
    /// let shape = Shape { classes: 6, context: 2, embedding: 3, hidden: 4 };
    /// let a = CharModel::<f64>::new(shape, 7);
    /// assert_eq!(a, CharModel::<f64>::new(shape, 7));
    /// assert_eq!(a.head.dim(), (6, 5));
    /// assert!(a.w1.iter().all(|w| w.abs() <= 1.0 / 6f64.sqrt()));
    /// ```
    pub fn new(shape: Shape, seed: u64) -> Self {
        let Shape {
            classes: c,
            context: k,
            embedding: d,
            hidden: h,
        } = shape;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut uniform = |rows: usize, cols: usize, bound: f64| {
            Array2::from_shape_simple_fn((rows, cols), || {
                A::narrow(bound * (2.0 * rng.random::<f64>() - 1.0))
            })
        };
        let embedding = uniform(c, d, 1.0);
        let w1 = uniform(k * d, h, 1.0 / ((k * d) as f64).sqrt());
        let b1 = uniform(1, h, 1.0 / ((k * d) as f64).sqrt()).remove_axis(Axis(0));
        let mut head = uniform(c, h + 1, 1.0 / ((h + 1) as f64).sqrt());
        head.column_mut(h).fill(A::zero());
        CharModel {
            embedding,
            w1,
            b1,
            head,
        }
    }

    /// The model's sizes.
    pub fn shape(&self) -> Shape {
        let (classes, embedding) = self.embedding.dim();
        Shape {
            classes,
            context: self.w1.nrows() / embedding.max(1),
            embedding,
            hidden: self.b1.len(),
        }
    }

    fn check(&self, contexts: ArrayView2<usize>) -> Result<(), ModelError> {
        let expected = self.shape().context;
        if contexts.ncols() != expected {
            return Err(ModelError::ContextWidth {
                expected,
                got: contexts.ncols(),
            });
        }
        let classes = self.embedding.nrows();
        match contexts.iter().find(|&&id| id >= classes) {
            Some(&id) => Err(ModelError::UnknownId { id, classes }),
            None => Ok(()),
        }
    }

    // ANCHOR: forward
    fn forward(&self, contexts: ArrayView2<usize>) -> Result<Forward<A>, ModelError> {
        self.check(contexts)?;
        let (b, k) = contexts.dim();
        let d = self.embedding.ncols();
        let hidden = self.b1.len();
        // 查表：第 j 个字的嵌入放进 x 这一行的第 j 段（宽 D）
        let mut x = Array2::zeros((b, k * d));
        for (mut row, ids) in x.rows_mut().into_iter().zip(contexts.rows()) {
            for (j, &id) in ids.iter().enumerate() {
                row.slice_mut(s![j * d..(j + 1) * d])
                    .assign(&self.embedding.row(id));
            }
        }
        // a = x·W₁ + b₁（b₁ 加到每一行上），h = [tanh(a), 1]
        let a = x.dot(&self.w1) + &self.b1;
        let mut h = Array2::ones((b, hidden + 1));
        h.slice_mut(s![.., ..hidden]).assign(&a.mapv(A::tanh));
        Ok(Forward { x, h })
    }
    // ANCHOR_END: forward

    /// The hidden states `[B, H+1]` (with the constant 1) for some contexts: what the
    /// head turns into logits.
    pub fn hidden(&self, contexts: ArrayView2<usize>) -> Result<Array2<A>, ModelError> {
        Ok(self.forward(contexts)?.h)
    }

    /// The logits `[B, C]` for some contexts (the whole block: for sampling and for
    /// scoring a few rows at a time).
    pub fn logits(&self, contexts: ArrayView2<usize>) -> Result<Array2<A>, ModelError> {
        Ok(self.hidden(contexts)?.dot(&self.head.t()))
    }

    /// The mean loss over a batch and its gradient for every trained number.
    ///
    /// ```
    /// use listings::poems::model::{fused_head, CharModel, Shape};
    /// use ndarray::array;
    /// let shape = Shape { classes: 6, context: 2, embedding: 3, hidden: 4 };
    /// let model = CharModel::<f32>::new(shape, 1);
    /// let (loss, grad) = model.gradients(array![[0, 1], [1, 2]].view(), array![2, 3].view(), fused_head).unwrap();
    /// assert!((loss - 6f32.ln()).abs() < 0.5); // near the uniform guess at the start
    /// assert_eq!(grad.head.dim(), (6, 5));
    /// ```
    // ANCHOR: backward
    pub fn gradients(
        &self,
        contexts: ArrayView2<usize>,
        targets: ArrayView1<i64>,
        head: Head<A>,
    ) -> Result<(A, CharModel<A>), ModelError> {
        let Forward { x, h } = self.forward(contexts)?;
        // LM 头和损失：训练时 head 是 fused_head，即第 6 章的融合线性交叉熵，
        // 给出损失、dL/dh 和 dL/dW，不存整块 [B, C] 的 logits（B 是这一批的预测数）
        let (loss, dh, d_head) = head(h.view(), self.head.view(), targets)?;
        let hidden = self.b1.len();
        // 常数 1 那一列不依赖任何参数，它的梯度用不上，直接丢掉。tanh′(a) = 1 − tanh²(a)
        let tanh = h.slice(s![.., ..hidden]);
        let da = &dh.slice(s![.., ..hidden]) * &tanh.mapv(|t| A::one() - t * t);
        // a = x·W₁ + b₁ 的反向：dW₁ = xᵀ·da，db₁ = da 按列求和，dx = da·W₁ᵀ
        let dw1 = x.t().dot(&da);
        let db1 = da.sum_axis(Axis(0));
        let dx = da.dot(&self.w1.t());
        // 每个位置上的字，把它那一段 dx 加回它自己那一行嵌入
        let d = self.embedding.ncols();
        let mut d_embedding = Array2::zeros(self.embedding.raw_dim());
        for (row, ids) in dx.rows().into_iter().zip(contexts.rows()) {
            for (j, &id) in ids.iter().enumerate() {
                // 逐个元素：e ← e + g（e 是可改写的引用，g 是复制出来的值）
                d_embedding
                    .row_mut(id)
                    .zip_mut_with(&row.slice(s![j * d..(j + 1) * d]), |e, &g| *e = *e + g);
            }
        }
        // 梯度和模型的形状一样，所以也用 CharModel 装
        let grad = CharModel {
            embedding: d_embedding,
            w1: dw1,
            b1: db1,
            head: d_head,
        };
        // ANCHOR_END: backward
        Ok((loss, grad))
    }

    /// Every trained array, in a fixed order, for the optimiser.
    pub fn arrays_mut(&mut self) -> [ArrayViewMutD<'_, A>; 4] {
        [
            self.embedding.view_mut().into_dyn(),
            self.w1.view_mut().into_dyn(),
            self.b1.view_mut().into_dyn(),
            self.head.view_mut().into_dyn(),
        ]
    }

    /// Every trained array, in the order of [`arrays_mut`](Self::arrays_mut).
    pub fn arrays(&self) -> [ArrayViewD<'_, A>; 4] {
        [
            self.embedding.view().into_dyn(),
            self.w1.view().into_dyn(),
            self.b1.view().into_dyn(),
            self.head.view().into_dyn(),
        ]
    }
}
