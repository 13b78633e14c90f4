//! Training: shuffled mini-batches, Adam, and after every epoch the mean surprise on the
//! training poems and on the validation poems, the model kept from the epoch where the
//! validation loss was lowest.

use ndarray::{Array1, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::adam::{Adam, GradientShape};
use super::corpus::{CorpusError, Examples, TRAIN, VALID, Vocabulary};
use super::model::{CharModel, ModelError, Shape, fused_head};
use crate::{CrossEntropyLoss, LossError, Reduction, Target};

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RunError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Loss(#[from] LossError),
    #[error(transparent)]
    Step(#[from] GradientShape),
}

/// Everything that decides a run, besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// `k`, `D`, `H` of the model ([`Shape`] without `C`, which the data gives).
    pub context: usize,
    pub embedding: usize,
    pub hidden: usize,
    /// Predictions per step.
    pub batch: usize,
    /// Adam's learning rate.
    pub learning_rate: f32,
    /// Passes over the training predictions.
    pub epochs: usize,
    /// The seed of the initial numbers and of the shuffling.
    pub seed: u64,
}

/// The run behind chapter 7's numbers (`cargo xtask train`; minutes, in release).
pub const FULL: Config = Config {
    context: 6,
    embedding: 32,
    hidden: 96,
    batch: 256,
    learning_rate: 2e-3,
    epochs: 10,
    seed: 2026,
};

/// How many of the first steps' losses a run keeps: `cargo test` takes those steps again
/// and compares, which says that the committed results come from this code and this data.
pub const FIRST_STEPS: usize = 3;

/// The poems as the model reads them: the vocabulary and the predictions.
#[derive(Debug, Clone)]
pub struct Data {
    pub vocabulary: Vocabulary,
    pub train: Examples,
    pub valid: Examples,
}

impl Data {
    /// The vendored poems, with `k` characters of context; the vocabulary is always that of
    /// all the poems, so a short run's ids are the full run's.
    pub fn poems(k: usize) -> Result<Data, CorpusError> {
        Data::first(usize::MAX, usize::MAX, k)
    }

    /// The first `train` training poems and `valid` validation poems (for short runs).
    ///
    /// ```
    /// let data = listings::poems::run::Data::first(10, 2, 3).unwrap();
    /// assert_eq!((data.train.len(), data.valid.len()), (250, 50));
    /// assert_eq!(data.vocabulary.len(), 3645); // always that of all the poems
    /// ```
    pub fn first(train: usize, valid: usize, k: usize) -> Result<Data, CorpusError> {
        let vocabulary = Vocabulary::new(&[TRAIN, VALID]);
        let head = |text: &str, n: usize| -> String {
            text.lines().take(n).flat_map(|l| [l, "\n"]).collect()
        };
        Ok(Data {
            train: Examples::new(&head(TRAIN, train), &vocabulary, k)?,
            valid: Examples::new(&head(VALID, valid), &vocabulary, k)?,
            vocabulary,
        })
    }
}

/// One point of the training curve: the mean surprise, in nats per character, over every
/// training and every validation prediction, after `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    pub epoch: usize,
    pub steps: usize,
    pub train: f64,
    pub valid: f64,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model from the epoch with the lowest validation loss.
    pub model: CharModel<f32>,
    /// Epoch 0 (the untrained model) and every epoch after it.
    pub epochs: Vec<Epoch>,
    /// The loss of each of the first [`FIRST_STEPS`] mini-batches.
    pub first_steps: Vec<f64>,
}

impl Trained {
    /// The epoch whose model was kept.
    pub fn best(&self) -> Epoch {
        self.epochs
            .iter()
            .copied()
            .min_by(|a, b| a.valid.total_cmp(&b.valid))
            .unwrap_or(Epoch {
                epoch: 0,
                steps: 0,
                train: f64::NAN,
                valid: f64::NAN,
            })
    }
}

/// The surprise `-ln ŷ[target]` of every prediction, in nats: the head in blocks of rows,
/// chapter 4's loss with `reduction = "none"` on each block.
pub fn surprises(model: &CharModel<f32>, examples: &Examples) -> Result<Array1<f32>, RunError> {
    let loss = CrossEntropyLoss::<f32>::new().reduction(Reduction::None);
    let mut out = Vec::with_capacity(examples.len());
    const BLOCK: usize = 1024;
    for start in (0..examples.len()).step_by(BLOCK) {
        let end = (start + BLOCK).min(examples.len());
        let logits = model.logits(examples.contexts.slice(ndarray::s![start..end, ..]))?;
        let targets = Array1::from(examples.targets[start..end].to_vec()).into_dyn();
        let losses = loss.forward(logits.view().into_dyn(), Target::Indices(targets.view()))?;
        out.extend(losses.iter().copied());
    }
    Ok(Array1::from(out))
}

/// The mean surprise over all the predictions, in nats per character.
pub fn mean_surprise(model: &CharModel<f32>, examples: &Examples) -> Result<f64, RunError> {
    let s = surprises(model, examples)?;
    if s.is_empty() {
        return Err(LossError::EmptyBatch.into());
    }
    Ok(s.iter().map(|&x| f64::from(x)).sum::<f64>() / s.len() as f64)
}

/// A model, its optimiser and the shuffled order of the training predictions.
struct Trainer<'a> {
    model: CharModel<f32>,
    adam: Adam<f32>,
    order: Vec<usize>,
    rng: ChaCha8Rng,
    batch: usize,
    data: &'a Data,
}

impl<'a> Trainer<'a> {
    fn new(config: &Config, data: &'a Data) -> Self {
        let shape = Shape {
            classes: data.vocabulary.len(),
            context: config.context,
            embedding: config.embedding,
            hidden: config.hidden,
        };
        Trainer {
            model: CharModel::new(shape, config.seed),
            adam: Adam::new(config.learning_rate),
            order: (0..data.train.len()).collect(),
            // 洗牌用另一条随机数流：改初始化的种子不会改变顺序以外的东西，反之亦然
            rng: ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(1)),
            batch: config.batch.max(1),
            data,
        }
    }

    /// One pass over the training predictions in a fresh order, at most `limit` steps;
    /// `each` sees every step's loss. Returns the steps taken.
    fn epoch(&mut self, limit: usize, mut each: impl FnMut(f64)) -> Result<usize, RunError> {
        self.order.shuffle(&mut self.rng);
        let mut steps = 0;
        for batch in self.order.chunks(self.batch).take(limit) {
            let train = &self.data.train;
            let contexts = train.contexts.select(Axis(0), batch);
            let targets: Array1<i64> = batch.iter().map(|&i| train.targets[i]).collect();
            let (loss, grad) = self
                .model
                .gradients(contexts.view(), targets.view(), fused_head)?;
            each(f64::from(loss));
            self.adam
                .step(&mut self.model.arrays_mut(), &grad.arrays())?;
            steps += 1;
        }
        Ok(steps)
    }

    fn evaluate(&self, epoch: usize, steps: usize) -> Result<Epoch, RunError> {
        Ok(Epoch {
            epoch,
            steps,
            train: mean_surprise(&self.model, &self.data.train)?,
            valid: mean_surprise(&self.model, &self.data.valid)?,
        })
    }
}

/// Trains a fresh model as `config` says; `on_epoch` sees each point of the curve as it
/// is made (to print progress).
///
/// ```
/// use listings::poems::run::{train, Config, Data};
/// let data = Data::first(40, 8, 2).unwrap();
/// let config = Config { context: 2, embedding: 8, hidden: 16, batch: 50, learning_rate: 0.01, epochs: 2, seed: 1 };
/// let run = train(&config, &data, |_| {}).unwrap();
/// assert_eq!(run.epochs.len(), 3);
/// assert_eq!(run.epochs[2].steps, 40); // 1000 predictions in batches of 50, twice
/// assert!(run.epochs[2].train < run.epochs[0].train);
/// ```
pub fn train(
    config: &Config,
    data: &Data,
    mut on_epoch: impl FnMut(&Epoch),
) -> Result<Trained, RunError> {
    let mut trainer = Trainer::new(config, data);
    let mut epochs = vec![trainer.evaluate(0, 0)?];
    on_epoch(&epochs[0]);
    let mut best = trainer.model.clone();
    let mut first_steps = Vec::new();
    let mut steps = 0;
    for epoch in 1..=config.epochs {
        steps += trainer.epoch(usize::MAX, |loss| {
            if first_steps.len() < FIRST_STEPS {
                first_steps.push(loss);
            }
        })?;
        let point = trainer.evaluate(epoch, steps)?;
        on_epoch(&point);
        if epochs.iter().all(|e| point.valid < e.valid) {
            best = trainer.model.clone();
        }
        epochs.push(point);
    }
    Ok(Trained {
        model: best,
        epochs,
        first_steps,
    })
}

/// Takes the first `steps` steps of `config`'s run again and returns their losses: what
/// `cargo test` compares with a committed run's [`Trained::first_steps`].
pub fn first_steps(config: &Config, data: &Data, steps: usize) -> Result<Vec<f64>, RunError> {
    let mut trainer = Trainer::new(config, data);
    let mut losses = Vec::new();
    trainer.epoch(steps, |loss| losses.push(loss))?;
    Ok(losses)
}
