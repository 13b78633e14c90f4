//! Chapter 7's full training run, as committed in `train/results.json`: `cargo xtask
//! train` makes it with [`PoemsRun::make`] and writes it; the chapter's numbers, figures
//! and tables read it back with [`PoemsRun::load`]. `cargo test` cannot afford the run
//! (minutes in release), so it checks the file instead: the same config as the code's,
//! the same data counts, and the first steps taken again giving the same losses.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::poems::baselines::{
    Interpolated, Smoothed, bigram, interpolated, unigram, unigram_entropy,
};
use crate::poems::corpus::POEM_CHARS;
use crate::poems::reading::{CharSurprise, by_char, by_position};
use crate::poems::run::{Config, Data, Epoch, RunError, surprises, train};
use crate::poems::sample::write_poem;

mod tables;

/// Where the committed run lives.
pub const RESULTS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../train/results.json");

/// The temperatures the chapter samples at, and how many poems at each.
pub const TEMPERATURES: [f32; 3] = [0.5, 1.0, 1.5];
pub const POEMS_PER_TEMPERATURE: usize = 3;
/// Characters predicted fewer times than this in the validation poems are left out of the
/// most and least surprising: a mean of a handful says little.
pub const MIN_COUNT: usize = 30;
/// How many characters each end of that list keeps.
pub const LISTED: usize = 8;

/// Why the committed run could not be read.
#[derive(Debug, Error)]
pub enum PoemsRunError {
    #[error("could not read {path} (run `cargo xtask train` to make it)")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a training run this book can read")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Run(#[from] RunError),
}

/// The sizes of the data the run saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSize {
    pub train_poems: usize,
    pub valid_poems: usize,
    /// Predictions: 25 per poem (24 characters and the boundary).
    pub train_predictions: usize,
    pub valid_predictions: usize,
    /// `C`: the vocabulary with the boundary.
    pub classes: usize,
    /// Validation characters that never occur in the training poems.
    pub unseen_in_train: usize,
}

/// The yardsticks, on the validation poems, in nats per character.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Baselines {
    /// `ln C`.
    pub uniform: f64,
    /// The training characters' entropy (the unigram on its own text).
    pub unigram_entropy: f64,
    pub unigram: Smoothed,
    pub bigram: Smoothed,
    /// Bigram, position and unigram counts mixed: the strongest model that only counts.
    pub interpolated: Interpolated,
}

/// Poems written at one temperature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    pub temperature: f32,
    pub poems: Vec<String>,
}

/// The whole committed run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoemsRun {
    /// The day of the run, `YYYY-MM-DD` (UTC), and the machine.
    pub date: String,
    pub machine: String,
    /// Wall time of the training alone (not of the baselines or the samples), in seconds.
    pub train_seconds: f64,
    pub config: Config,
    pub data: DataSize,
    pub parameters: usize,
    pub baselines: Baselines,
    pub first_steps: Vec<f64>,
    pub epochs: Vec<Epoch>,
    /// The epoch whose model the rest of the file describes: the lowest validation loss.
    pub best_epoch: usize,
    /// The kept model's mean validation surprise at each position of a poem (25).
    pub by_position: Vec<f64>,
    /// Its mean surprise where the character to predict never occurs in the training
    /// poems, and how many such predictions there are.
    pub unseen_surprise: f64,
    pub unseen_count: usize,
    pub least_surprising: Vec<CharSurprise>,
    pub most_surprising: Vec<CharSurprise>,
    pub samples: Vec<Samples>,
}

impl PoemsRun {
    /// Makes the run: the data, the baselines, the training (`on_epoch` sees each point of
    /// the curve), and what the kept model does on the validation poems.
    pub fn make(
        config: &Config,
        data: &Data,
        date: String,
        machine: String,
        on_epoch: impl FnMut(&Epoch),
    ) -> Result<PoemsRun, RunError> {
        let baselines = baselines(data)?;
        let started = Instant::now();
        let trained = train(config, data, on_epoch)?;
        let train_seconds = started.elapsed().as_secs_f64();
        let best_epoch = trained.best().epoch;
        let s = surprises(&trained.model, &data.valid)?.to_vec();
        let by_position = by_position(&s, &data.valid)?;
        let seen: std::collections::HashSet<i64> = data.train.targets.iter().copied().collect();
        let unseen: Vec<f64> = s
            .iter()
            .zip(&data.valid.targets)
            .filter(|(_, t)| !seen.contains(t))
            .map(|(&x, _)| f64::from(x))
            .collect();
        let unseen_count = unseen.len();
        let unseen_surprise = unseen.iter().sum::<f64>() / unseen_count.max(1) as f64;
        let chars = by_char(&s, &data.valid, &data.vocabulary, MIN_COUNT)?;
        let least_surprising = chars.iter().take(LISTED).cloned().collect();
        let most_surprising = chars.iter().rev().take(LISTED).cloned().collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(2));
        let mut samples = Vec::new();
        for temperature in TEMPERATURES {
            let mut poems = Vec::new();
            for _ in 0..POEMS_PER_TEMPERATURE {
                poems.push(write_poem(
                    &trained.model,
                    &data.vocabulary,
                    temperature,
                    2 * POEM_CHARS,
                    &mut rng,
                )?);
            }
            samples.push(Samples { temperature, poems });
        }
        Ok(PoemsRun {
            date,
            machine,
            train_seconds,
            config: *config,
            data: data_size(data),
            parameters: trained.model.shape().parameters(),
            baselines,
            first_steps: trained.first_steps,
            epochs: trained.epochs,
            best_epoch,
            by_position,
            unseen_surprise,
            unseen_count,
            least_surprising,
            most_surprising,
            samples,
        })
    }

    /// The committed run, read the first time it is asked for.
    pub fn load() -> Result<&'static PoemsRun, PoemsRunError> {
        static COMMITTED: OnceLock<PoemsRun> = OnceLock::new();
        if let Some(run) = COMMITTED.get() {
            return Ok(run);
        }
        let run = PoemsRun::read(Path::new(RESULTS_PATH))?;
        Ok(COMMITTED.get_or_init(|| run))
    }

    /// The run in the file at `path`.
    ///
    /// ```
    /// use listings::machinery::poems_run::{PoemsRun, PoemsRunError};
    /// let missing = PoemsRun::read("no/such/results.json".as_ref()).unwrap_err();
    /// assert!(matches!(missing, PoemsRunError::Read { .. }));
    /// ```
    pub fn read(path: &Path) -> Result<PoemsRun, PoemsRunError> {
        let text = std::fs::read_to_string(path).map_err(|source| PoemsRunError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| PoemsRunError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// The epoch that was kept.
    pub fn best(&self) -> Option<&Epoch> {
        self.epochs.iter().find(|e| e.epoch == self.best_epoch)
    }
}

/// The sizes of the data.
pub fn data_size(data: &Data) -> DataSize {
    let seen: std::collections::HashSet<i64> = data.train.targets.iter().copied().collect();
    let unseen: std::collections::HashSet<i64> = data
        .valid
        .targets
        .iter()
        .copied()
        .filter(|t| !seen.contains(t))
        .collect();
    DataSize {
        train_poems: data.train.len() / (POEM_CHARS + 1),
        valid_poems: data.valid.len() / (POEM_CHARS + 1),
        train_predictions: data.train.len(),
        valid_predictions: data.valid.len(),
        classes: data.vocabulary.len(),
        unseen_in_train: unseen.len(),
    }
}

/// The baselines on the validation poems.
pub fn baselines(data: &Data) -> Result<Baselines, RunError> {
    let classes = data.vocabulary.len();
    Ok(Baselines {
        uniform: (classes as f64).ln(),
        unigram_entropy: unigram_entropy(&data.train.targets, classes)?,
        unigram: unigram(&data.train, &data.valid, classes)?,
        bigram: bigram(&data.train, &data.valid, classes)?,
        interpolated: interpolated(&data.train, &data.valid, classes)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poems::run::{FIRST_STEPS, FULL, first_steps};

    /// The committed run comes from this code and this data: the same config, the same
    /// data sizes and baselines, and the first steps, taken again, give the same losses
    /// (to `f32` rounding: another CPU may sum in another order).
    #[test]
    fn the_committed_run_is_this_codes_run() {
        let run = PoemsRun::load().unwrap();
        assert_eq!(run.config, FULL, "FULL changed: run `cargo xtask train`");
        let data = Data::poems(FULL.context).unwrap();
        assert_eq!(
            run.data,
            data_size(&data),
            "the data changed: run `cargo xtask train`"
        );
        assert_eq!(run.baselines, baselines(&data).unwrap());
        let again = first_steps(&FULL, &data, FIRST_STEPS).unwrap();
        assert_eq!(again.len(), run.first_steps.len());
        for (a, b) in again.iter().zip(&run.first_steps) {
            assert!(
                (a - b).abs() < 1e-5 * b.abs(),
                "step loss {a} vs committed {b}: run `cargo xtask train`"
            );
        }
        assert_eq!(run.epochs.len(), FULL.epochs + 1);
        assert_eq!(run.best().map(|e| e.epoch), Some(run.best_epoch));
        assert!(
            run.epochs
                .iter()
                .all(|e| e.valid >= run.best().unwrap().valid)
        );
        assert_eq!(run.by_position.len(), POEM_CHARS + 1);
        assert_eq!(run.parameters, 488_733);
    }
}
