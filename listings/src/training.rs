//! Chapter 5, 让模型少一点惊讶: a tiny next-word model trained with the book's own loss.
//!
//! The model is a bigram table of logits `W [C, C]`: after word `a`, its logits for the
//! next word are the row `W[a]` (one word of context). Training minimises the mean
//! cross-entropy of the next word over a handful of sentences, by plain gradient descent
//! on `W`, using [`CrossEntropyLoss`]'s `forward` and `backward`: that is maximum
//! likelihood, and its optimum is the table of counted next-word frequencies
//! ([`empirical_next`]). It starts from `W = 0`, the uniform model, so nothing is random:
//! every machine prints the same digits (the last bits of `exp` and `ln` may differ
//! between platforms' maths libraries).

use ndarray::{Array1, Array2, ArrayD, Axis, IxDyn};
use thiserror::Error;

use crate::one_hot::{UnknownWord, VOCAB, id_of, surprise_at};
use crate::{CrossEntropyLoss, LossError, Target};

/// Why the chapter's training run could not be made: its data, or its loss.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainingError {
    /// A sentence has a word outside the vocabulary.
    #[error(transparent)]
    UnknownWord(#[from] UnknownWord),
    /// The loss refused its input.
    #[error(transparent)]
    Loss(#[from] LossError),
}

/// The training sentences, over chapter 2's five-word vocabulary.
pub const SENTENCES: [&str; 3] = ["我 爱 吃 苹果 eos", "我 吃 苹果 eos", "我 爱 苹果 eos"];

/// Every (previous word, next word) pair of the sentences, as ids.
///
/// ```
/// use listings::training::{pairs, SENTENCES};
/// let (inputs, targets) = pairs(&SENTENCES).unwrap();
/// assert_eq!(inputs.len(), 10);
/// assert_eq!((inputs[0], targets[0]), (0, 1)); // 我 → 爱
/// ```
pub fn pairs(sentences: &[&str]) -> Result<(Vec<usize>, Vec<i64>), UnknownWord> {
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for sentence in sentences {
        let ids: Vec<usize> = sentence
            .split_whitespace()
            .map(|w| id_of(&VOCAB, w))
            .collect::<Result<_, _>>()?;
        for pair in ids.windows(2) {
            inputs.push(pair[0]);
            targets.push(pair[1] as i64);
        }
    }
    Ok((inputs, targets))
}

/// A bigram language model: a table of logits, one row per previous word.
///
/// [`Bigram::loss`] is the mean cross-entropy of the next word (the book's
/// [`CrossEntropyLoss`], default mean); [`Bigram::gradient`] is `d(loss)/d(W)`: the
/// loss's gradient for the logits of each position, added into the row of the word that
/// came before (the same row serves every position with that word).
///
/// ```
/// use listings::training::{pairs, Bigram, SENTENCES};
/// let (x, y) = pairs(&SENTENCES).unwrap();
/// let model = Bigram::uniform(5);
/// let loss = model.loss(&x, &y).unwrap();
/// assert!((loss - 5.0_f64.ln()).abs() < 1e-12); // uniform over 5 words
/// let g = model.gradient(&x, &y).unwrap();
/// assert!(g.sum().abs() < 1e-15); // every row of softmax − one-hot sums to 0
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bigram {
    pub logits: Array2<f64>,
}

impl Bigram {
    /// The uniform model: every logit 0, so every next word has probability `1/C`.
    ///
    /// ```
    /// let model = listings::training::Bigram::uniform(5);
    /// assert_eq!(model.logits.sum(), 0.0);
    /// ```
    pub fn uniform(classes: usize) -> Self {
        Bigram {
            logits: Array2::zeros((classes, classes)),
        }
    }

    // ANCHOR: bigram
    // 每个位置的 logits，形状 [N, C]：第 i 行就是 W 里“第 i 个位置的前一个词”那一行
    fn forward(&self, inputs: &[usize]) -> ArrayD<f64> {
        self.logits.select(Axis(0), inputs).into_dyn()
    }

    // 平均惊讶度：第 4 章的 CrossEntropyLoss，默认对 N 个位置取平均
    pub fn loss(&self, inputs: &[usize], targets: &[i64]) -> Result<f64, LossError> {
        // 答案 id 排成一个数组
        let t = Array1::from(targets.to_vec()).into_dyn();
        let out = CrossEntropyLoss::new()
            .forward(self.forward(inputs).view(), Target::Indices(t.view()))?;
        // 零维数组里的那个数
        Ok(out[[]])
    }

    // 损失对整张表 W 的梯度，形状 [C, C]
    pub fn gradient(&self, inputs: &[usize], targets: &[i64]) -> Result<Array2<f64>, LossError> {
        let t = Array1::from(targets.to_vec()).into_dyn();
        // 从损失本身出发：dL/dL = 1
        let one = ArrayD::from_elem(IxDyn(&[]), 1.0);
        // 每个位置一行 (ŷ_i − y_i)/N，形状 [N, C]
        let per_position = CrossEntropyLoss::new().backward(
            self.forward(inputs).view(),
            Target::Indices(t.view()),
            one.view(),
        )?;
        // 从全 0 的表开始，把每个位置的那一行加到它前一个词的那一行上
        // （outer_iter() 逐行取出 [N, C]，zip 把每一行和这个位置的前一个词配成对）
        let mut grad = Array2::zeros(self.logits.dim());
        for (row, &prev) in per_position.outer_iter().zip(inputs) {
            let mut into = grad.row_mut(prev);
            into += &row;
        }
        Ok(grad)
    }
    // ANCHOR_END: bigram

    /// The model's distribution over the next word after `word`.
    ///
    /// ```
    /// let y_pred = listings::training::Bigram::uniform(5).next_word(2).unwrap();
    /// assert!(y_pred.iter().all(|&p| (p - 0.2).abs() < 1e-15));
    /// ```
    pub fn next_word(&self, word: usize) -> Result<Array1<f64>, LossError> {
        let row = self.logits.row(word).insert_axis(Axis(0));
        Ok(crate::fused::softmax(row)?.row(0).to_owned())
    }
}

/// The data's own next-word distribution after `word`: counts, normalised.
///
/// ```
/// use listings::training::{empirical_next, pairs, SENTENCES};
/// let (x, y) = pairs(&SENTENCES).unwrap();
/// let after_wo = empirical_next(&x, &y, 0, 5).unwrap(); // after 我: 爱 twice, 吃 once
/// assert!((after_wo[1] - 2.0 / 3.0).abs() < 1e-15 && (after_wo[2] - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn empirical_next(
    inputs: &[usize],
    targets: &[i64],
    word: usize,
    classes: usize,
) -> Result<Vec<f64>, LossError> {
    let mut counts = vec![0.0; classes];
    for (&a, &b) in inputs.iter().zip(targets) {
        if a == word {
            let b = usize::try_from(b)
                .ok()
                .filter(|&b| b < classes)
                .ok_or(LossError::TargetOutOfBounds { target: b, classes })?;
            counts[b] += 1.0;
        }
    }
    let total: f64 = counts.iter().sum();
    Ok(counts
        .into_iter()
        .map(|c| if total > 0.0 { c / total } else { 0.0 })
        .collect())
}

/// The lowest mean loss any bigram model can reach on these pairs: the conditional
/// entropy of the next word given the previous one, `H(next | prev) = Σ_a (n_a / N) ·
/// H(next | prev = a)`.
///
/// ```
/// use listings::training::{conditional_entropy, pairs, SENTENCES};
/// let (x, y) = pairs(&SENTENCES).unwrap();
/// // (3 · H(2/3, 1/3) + 2 · ln 2) / 10
/// assert!((conditional_entropy(&x, &y, 5).unwrap() - 0.32958).abs() < 1e-5);
/// ```
pub fn conditional_entropy(
    inputs: &[usize],
    targets: &[i64],
    classes: usize,
) -> Result<f64, LossError> {
    let n = inputs.len() as f64;
    let mut total = 0.0;
    for word in 0..classes {
        let n_a = inputs.iter().filter(|&&a| a == word).count() as f64;
        if n_a > 0.0 {
            total += n_a / n
                * crate::surprise::entropy(&empirical_next(inputs, targets, word, classes)?)?;
        }
    }
    Ok(total)
}

/// The entropy of the next word alone, `H(next)`, from its counts: the lowest mean loss
/// of a model that does not look at the previous word (a unigram model).
///
/// ```
/// use listings::training::{next_word_entropy, pairs, SENTENCES};
/// let (_, y) = pairs(&SENTENCES).unwrap();
/// // 爱 2, 吃 2, 苹果 3, eos 3 out of 10
/// let h = -(0.4 * 0.2_f64.ln() + 0.6 * 0.3_f64.ln());
/// assert!((next_word_entropy(&y, 5).unwrap() - h).abs() < 1e-12);
/// ```
pub fn next_word_entropy(targets: &[i64], classes: usize) -> Result<f64, LossError> {
    let mut counts = vec![0.0; classes];
    for &b in targets {
        let b = usize::try_from(b)
            .ok()
            .filter(|&b| b < classes)
            .ok_or(LossError::TargetOutOfBounds { target: b, classes })?;
        counts[b] += 1.0;
    }
    let total = targets.len() as f64;
    let frequencies: Vec<f64> = counts.into_iter().map(|c| c / total).collect();
    crate::surprise::entropy(&frequencies)
}

/// The total surprise of the data under the model, `Σ_i -ln ŷ(next_i | prev_i)`: by the
/// chain rule, `-ln` of the probability the model gives the whole corpus (its first
/// words given). It is `N` times the mean loss.
///
/// ```
/// use listings::training::{corpus_surprise, pairs, Bigram, SENTENCES};
/// let (x, y) = pairs(&SENTENCES).unwrap();
/// let total = corpus_surprise(&Bigram::uniform(5), &x, &y).unwrap();
/// assert!((total - 10.0 * 5.0_f64.ln()).abs() < 1e-12); // 10 positions, ln 5 each
/// ```
// ANCHOR: corpus_surprise
pub fn corpus_surprise(
    model: &Bigram,
    inputs: &[usize],
    targets: &[i64],
) -> Result<f64, LossError> {
    let mut total = 0.0;
    for (&prev, &next) in inputs.iter().zip(targets) {
        // 模型读到 prev 之后的预测 ŷ
        let y_pred = model.next_word(prev)?;
        // 这个位置的惊讶度：−ln ŷ(真正的下一个词 | prev)；
        // next 来自 pairs，不会是负数，as usize 直接把 i64 转成下标
        total += surprise_at(&y_pred.to_vec(), next as usize)?;
    }
    Ok(total)
}
// ANCHOR_END: corpus_surprise

/// The learning rate of the chapter's run.
pub const LEARNING_RATE: f64 = 2.0;
/// The number of gradient-descent steps of the chapter's run.
pub const STEPS: usize = 200;

/// The chapter's training run, in one place for the registry and the figures.
#[derive(Debug, Clone)]
pub struct Run {
    pub inputs: Vec<usize>,
    pub targets: Vec<i64>,
    /// The starting model, every logit 0.
    pub uniform: Bigram,
    /// The model after [`STEPS`] steps at [`LEARNING_RATE`].
    pub trained: Bigram,
    /// The loss before every step, and after the last.
    pub losses: Vec<f64>,
    /// The conditional entropy of the data: the floor of the loss.
    pub floor: f64,
}

/// Trains the uniform model on [`SENTENCES`] as chapter 5 does.
///
/// ```
/// let run = listings::training::chapter_run().unwrap();
/// assert_eq!(run.losses.len(), 201);
/// assert!(run.losses[200] > run.floor);
/// ```
pub fn chapter_run() -> Result<Run, TrainingError> {
    let (inputs, targets) = pairs(&SENTENCES)?;
    let uniform = Bigram::uniform(VOCAB.len());
    let (trained, losses) = train(uniform.clone(), &inputs, &targets, LEARNING_RATE, STEPS)?;
    let floor = conditional_entropy(&inputs, &targets, VOCAB.len())?;
    Ok(Run {
        inputs,
        targets,
        uniform,
        trained,
        losses,
        floor,
    })
}

/// Plain gradient descent: `W ← W − lr · dL/dW`, `steps` times. Returns the model and
/// the loss before every step (and after the last).
///
/// ```
/// use listings::training::{pairs, train, Bigram, SENTENCES};
/// let (x, y) = pairs(&SENTENCES).unwrap();
/// let (model, losses) = train(Bigram::uniform(5), &x, &y, 2.0, 100).unwrap();
/// assert_eq!(losses.len(), 101);
/// assert!(losses[100] < 0.4 && losses[100] < losses[0]);
/// ```
// ANCHOR: train
pub fn train(
    mut model: Bigram,
    inputs: &[usize],
    targets: &[i64],
    learning_rate: f64,
    steps: usize,
) -> Result<(Bigram, Vec<f64>), LossError> {
    let mut losses = Vec::new();
    // 0..steps 是 0, 1, …, steps − 1：一共 steps 步
    for _ in 0..steps {
        // 记下这一步之前的平均惊讶度（交叉熵）
        losses.push(model.loss(inputs, targets)?);
        // 反向传播：每个位置的 (ŷ − y)/N，加到它前一个词的那一行
        let grad = model.gradient(inputs, targets)?;
        // 沿梯度的反方向走一小步
        model.logits = &model.logits - &(grad * learning_rate);
    }
    losses.push(model.loss(inputs, targets)?);
    Ok((model, losses))
}
// ANCHOR_END: train

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_with_an_unknown_word_says_which_word() {
        let err = pairs(&["我 爱 吃 香蕉 eos"]).unwrap_err();
        assert_eq!(err, UnknownWord("香蕉".to_string()));
        // The run's error says the same.
        assert_eq!(
            TrainingError::from(err).to_string(),
            "“香蕉” is not in the vocabulary; the model can only read and predict the words it has ids for"
        );
    }

    #[test]
    fn a_loss_error_in_the_run_keeps_pytorchs_words() {
        let err = TrainingError::from(LossError::TargetOutOfBounds {
            target: 5,
            classes: 5,
        });
        assert!(err.to_string().starts_with("Target 5 is out of bounds."));
    }
}
