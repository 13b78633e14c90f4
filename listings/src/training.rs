//! Chapter 5, 让模型少一点惊喜: a tiny next-word model trained with the book's own loss.
//!
//! The model is a bigram table of logits `W [C, C]`: after word `a`, its logits for the
//! next word are the row `W[a]`. Training minimises the mean cross-entropy of the next
//! word over a handful of sentences, by plain gradient descent on `W`, using
//! [`CrossEntropyLoss`]'s `forward` and `backward`. It starts from `W = 0`, the uniform
//! model, so nothing is random: the same numbers come out on every machine.

use ndarray::{Array1, Array2, ArrayD, Axis, IxDyn};

use crate::one_hot::VOCAB;
use crate::{CrossEntropyLoss, LossError, Target};

/// The training sentences, over the source's vocabulary.
pub const SENTENCES: [&str; 3] = ["我 爱 吃 苹果 eos", "我 吃 苹果 eos", "我 爱 苹果 eos"];

/// Every (previous word, next word) pair of the sentences, as ids.
///
/// ```
/// use listings::training::{pairs, SENTENCES};
/// let (inputs, targets) = pairs(&SENTENCES).unwrap();
/// assert_eq!(inputs.len(), 10);
/// assert_eq!((inputs[0], targets[0]), (0, 1)); // 我 → 爱
/// ```
pub fn pairs(sentences: &[&str]) -> Result<(Vec<usize>, Vec<i64>), LossError> {
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for sentence in sentences {
        let ids: Vec<usize> = sentence
            .split_whitespace()
            .map(|w| {
                VOCAB
                    .iter()
                    .position(|&v| v == w)
                    .ok_or_else(|| LossError::UnknownWord(w.to_string()))
            })
            .collect::<Result<_, _>>()?;
        for pair in ids.windows(2) {
            inputs.push(pair[0]);
            targets.push(pair[1] as i64);
        }
    }
    Ok((inputs, targets))
}

/// A bigram language model: a table of logits, one row per previous word.
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

    /// The logits `[N, C]` the model gives after each input word.
    fn forward(&self, inputs: &[usize]) -> ArrayD<f64> {
        self.logits.select(Axis(0), inputs).into_dyn()
    }

    /// The mean cross-entropy of the next word.
    ///
    /// ```
    /// use listings::training::{pairs, Bigram, SENTENCES};
    /// let (x, y) = pairs(&SENTENCES).unwrap();
    /// let loss = Bigram::uniform(5).loss(&x, &y).unwrap();
    /// assert!((loss - 5.0_f64.ln()).abs() < 1e-12); // uniform over 5 words
    /// ```
    pub fn loss(&self, inputs: &[usize], targets: &[i64]) -> Result<f64, LossError> {
        let t = Array1::from(targets.to_vec()).into_dyn();
        let out = CrossEntropyLoss::new()
            .forward(self.forward(inputs).view(), Target::Indices(t.view()))?;
        Ok(out[[]])
    }

    /// `d(loss)/d(W)`: the loss's gradient for the logits of each pair, added into the row
    /// of the word that came before (the same row serves every pair with that word).
    ///
    /// ```
    /// use listings::training::{pairs, Bigram, SENTENCES};
    /// let (x, y) = pairs(&SENTENCES).unwrap();
    /// let g = Bigram::uniform(5).gradient(&x, &y).unwrap();
    /// assert!(g.sum().abs() < 1e-15); // every row of softmax − one-hot sums to 0
    /// ```
    pub fn gradient(&self, inputs: &[usize], targets: &[i64]) -> Result<Array2<f64>, LossError> {
        let t = Array1::from(targets.to_vec()).into_dyn();
        let one = ArrayD::from_elem(IxDyn(&[]), 1.0);
        let per_pair = CrossEntropyLoss::new().backward(
            self.forward(inputs).view(),
            Target::Indices(t.view()),
            one.view(),
        )?;
        let mut grad = Array2::zeros(self.logits.raw_dim());
        for (row, &word) in per_pair.outer_iter().zip(inputs) {
            let mut into = grad.row_mut(word);
            into += &row;
        }
        Ok(grad)
    }

    /// The model's distribution over the next word after `word`.
    ///
    /// ```
    /// let p = listings::training::Bigram::uniform(5).next_word(2).unwrap();
    /// assert!(p.iter().all(|&q| (q - 0.2).abs() < 1e-15));
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

/// The lowest mean loss any bigram model can reach on these pairs: the entropy of the
/// next word given the previous one, `Σ_a (n_a / N) · H(next | a)`.
///
/// ```
/// use listings::training::{data_entropy, pairs, SENTENCES};
/// let (x, y) = pairs(&SENTENCES).unwrap();
/// // (3 · H(2/3, 1/3) + 2 · ln 2) / 10
/// assert!((data_entropy(&x, &y, 5).unwrap() - 0.32958).abs() < 1e-5);
/// ```
pub fn data_entropy(inputs: &[usize], targets: &[i64], classes: usize) -> Result<f64, LossError> {
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
    let mut losses = Vec::with_capacity(steps + 1);
    for _ in 0..steps {
        losses.push(model.loss(inputs, targets)?);
        let grad = model.gradient(inputs, targets)?;
        model.logits = &model.logits - &(grad * learning_rate);
    }
    losses.push(model.loss(inputs, targets)?);
    Ok((model, losses))
}
// ANCHOR_END: train
