//! Every piece of code in *交叉熵：衡量"惊讶"的尺子*.
//!
//! Each module is one idea of the book, named for it:
//!
//! | module       | chapter | idea |
//! |--------------|---------|------|
//! | [`surprise`] | 1 硬币的惊讶度 | surprisal (information content) `-ln p`, entropy, nats and bits |
//! | [`one_hot`]  | 2 独热求和 | `-Σ y_true·ln y_pred` collapses to `-ln y_pred[target]` |
//! | [`fused`]    | 3 PyTorch 式的交叉熵：LogSoftmax 与 NLLLoss | log-sum-exp, LogSoftmax + NLLLoss and the one-call loss, its gradient |
//! | [`cross_entropy_loss`] | 4 PyTorch 的全部选项 | `nn.CrossEntropyLoss` with every option, and its gradient |
//! | [`training`] | 5 让模型少一点惊讶 | a bigram model trained by gradient descent on the loss |
//! | [`information`] | 5 | cross-entropy = entropy + KL divergence; perplexity |
//! | [`fast`]     | 6 为什么要融合 | the fused kernel: online softmax, gradient in the same pass, fused linear CE |
//! | [`poems`]    | 7 让模型读唐诗 | a character-level language model on Tang poems: baselines, embeddings, Adam, over-fitting, temperature |
//! | [`error`]    | all | [`LossError`]: what went wrong, in PyTorch's words |
//! | [`real`]     | all | [`Real`]: the code is generic over `f32` and `f64` |
//! | [`machinery`] | — | the book's machinery, apart from the lessons: quoted numbers, figures, bench results |
//!
//! Library functions never panic on bad input: they return a [`LossError`] whose message
//! says what is wrong in the words PyTorch uses, where PyTorch has words for it.

pub mod cross_entropy_loss;
pub mod error;
pub mod fast;
pub mod fused;
pub mod information;
pub mod machinery;
pub mod one_hot;
pub mod poems;
pub mod real;
pub mod surprise;
pub mod training;

pub use cross_entropy_loss::{CrossEntropyLoss, Path, Reduction, Target};
pub use error::{LossError, PyTorchError};
pub use real::Real;
