//! What the earlier chapters' models score on the poems: the yardsticks for chapter 7.
//!
//! - the uniform guess: `ln C` for every character (chapter 2);
//! - the unigram: each character's frequency in the training poems, whatever came before;
//! - the bigram: chapter 5's table, one row per previous character. Chapter 5 showed that
//!   its maximum-likelihood optimum is the table of counted frequencies; here that is
//!   computed directly, by counting.
//!
//! Counted frequencies give probability 0 to whatever the training text never showed, and
//! `-ln 0 = ∞`: one unseen pair in the validation poems would make the bigram's loss
//! infinite. So both counted models are *smoothed*: every count gets `α` added (additive,
//! or Lidstone, smoothing). `α` is picked from a grid by the validation loss, which gives
//! the baselines their best chance.

use crate::LossError;

use super::corpus::{Examples, POEM_CHARS};

/// The smoothing strengths tried, from almost none to add-one (Laplace).
pub const ALPHAS: [f64; 8] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0];

/// A counted model's validation loss with the `α` that gave it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Smoothed {
    /// Mean cross-entropy on the validation predictions, in nats per character.
    pub loss: f64,
    pub alpha: f64,
}

fn mean_surprise(
    examples: &Examples,
    probability: impl Fn(usize, usize) -> f64,
) -> Result<f64, LossError> {
    if examples.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    let total: f64 = examples
        .targets
        .iter()
        .enumerate()
        .map(|(i, &t)| -probability(i, t as usize).ln())
        .sum();
    Ok(total / examples.len() as f64)
}

/// The entropy of the training characters' frequencies, in nats: what the unigram scores
/// on the very text it was counted on, and the least any model blind to context can score
/// there.
///
/// ```
/// use listings::poems::baselines::unigram_entropy;
/// // two classes, each half the time: ln 2
/// assert!((unigram_entropy(&[0, 1, 1, 0], 2).unwrap() - 2f64.ln()).abs() < 1e-15);
/// ```
pub fn unigram_entropy(targets: &[i64], classes: usize) -> Result<f64, LossError> {
    if targets.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    let counts = unigram_counts(targets, classes)?;
    let n = targets.len() as f64;
    Ok(counts
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| -(c / n) * (c / n).ln())
        .sum())
}

fn unigram_counts(targets: &[i64], classes: usize) -> Result<Vec<f64>, LossError> {
    let mut counts = vec![0.0; classes];
    for &t in targets {
        let slot = usize::try_from(t)
            .ok()
            .and_then(|t| counts.get_mut(t))
            .ok_or(LossError::TargetOutOfBounds { target: t, classes })?;
        *slot += 1.0;
    }
    Ok(counts)
}

/// The unigram model counted on `train`, smoothed by the best `α` of [`ALPHAS`], scored on
/// `valid`.
///
/// ```
/// use listings::poems::baselines::{unigram, unigram_entropy};
/// use listings::poems::corpus::{Examples, Vocabulary};
/// let text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";
/// let v = Vocabulary::new(&[text]);
/// let e = Examples::new(text, &v, 1).unwrap();
/// let u = unigram(&e, &e, v.len()).unwrap();
/// // scored on its own text, the least α is best, and the loss is nearly the entropy
/// assert_eq!(u.alpha, 0.001);
/// assert!((u.loss - unigram_entropy(&e.targets, v.len()).unwrap()).abs() < 1e-6);
/// ```
pub fn unigram(train: &Examples, valid: &Examples, classes: usize) -> Result<Smoothed, LossError> {
    let counts = unigram_counts(&train.targets, classes)?;
    unigram_counts(&valid.targets, classes)?;
    let n = train.len() as f64;
    best_alpha(|alpha| {
        let denominator = n + alpha * classes as f64;
        mean_surprise(valid, |_, t| (counts[t] + alpha) / denominator)
    })
}

/// Chapter 5's bigram, counted on `train`: how often each character follows each other
/// one (the previous character is the last of each example's context, the boundary at a
/// poem's start).
#[derive(Debug, Clone)]
pub struct CountedBigram {
    /// Pairs seen, by (previous, next). A map keeps only the pairs that occur: all `C²`
    /// would be tens of millions of mostly zeros.
    pairs: std::collections::HashMap<(usize, usize), f64>,
    /// How often each character was the previous one.
    rows: Vec<f64>,
}

fn previous(e: &Examples, i: usize) -> usize {
    e.contexts[[i, e.contexts.ncols() - 1]]
}

fn check_ids(e: &Examples, classes: usize) -> Result<(), LossError> {
    if e.contexts.ncols() == 0 {
        return Err(LossError::NoClasses);
    }
    unigram_counts(&e.targets, classes)?;
    match e.contexts.iter().find(|&&id| id >= classes) {
        Some(&id) => Err(LossError::TargetOutOfBounds {
            target: id as i64,
            classes,
        }),
        None => Ok(()),
    }
}

impl CountedBigram {
    /// Counts the pairs of `train`.
    pub fn new(train: &Examples, classes: usize) -> Result<Self, LossError> {
        check_ids(train, classes)?;
        let mut pairs: std::collections::HashMap<(usize, usize), f64> = Default::default();
        let mut rows = vec![0.0; classes];
        for (i, &t) in train.targets.iter().enumerate() {
            let a = previous(train, i);
            *pairs.entry((a, t as usize)).or_default() += 1.0;
            rows[a] += 1.0;
        }
        Ok(CountedBigram { pairs, rows })
    }

    /// The surprise of every prediction of `examples`, smoothed by `alpha`:
    /// `-ln((n_ab + α) / (n_a + α·C))`.
    ///
    /// ```
    /// use listings::poems::baselines::CountedBigram;
    /// use listings::poems::corpus::{Examples, Vocabulary};
    /// let text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";
    /// let v = Vocabulary::new(&[text]);
    /// let e = Examples::new(text, &v, 1).unwrap();
    /// let s = CountedBigram::new(&e, v.len()).unwrap().surprises(&e, 0.001).unwrap();
    /// // 明 → 月 both times it was the previous character: almost certain
    /// assert!(s[3] < 0.01);
    /// ```
    pub fn surprises(&self, examples: &Examples, alpha: f64) -> Result<Vec<f64>, LossError> {
        let classes = self.rows.len();
        check_ids(examples, classes)?;
        Ok((0..examples.len())
            .map(|i| {
                let (a, t) = (previous(examples, i), examples.targets[i] as usize);
                let n_ab = self.pairs.get(&(a, t)).copied().unwrap_or(0.0);
                -((n_ab + alpha) / (self.rows[a] + alpha * classes as f64)).ln()
            })
            .collect())
    }
}

/// Chapter 5's bigram ([`CountedBigram`]) counted on `train`, smoothed by the best `α` of
/// [`ALPHAS`], scored on `valid`.
///
/// ```
/// use listings::poems::baselines::bigram;
/// use listings::poems::corpus::{Examples, Vocabulary};
/// let text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";
/// let v = Vocabulary::new(&[text]);
/// let e = Examples::new(text, &v, 1).unwrap();
/// let b = bigram(&e, &e, v.len()).unwrap();
/// // on its own text: after 月, 头, ， and 。 come two different characters, each once,
/// // so 8 of the 25 predictions are coin flips (ln 2) and the rest are certain (the
/// // smoothing costs a little more)
/// assert!((b.loss - 8.0 * 2f64.ln() / 25.0).abs() < 0.02);
/// ```
pub fn bigram(train: &Examples, valid: &Examples, classes: usize) -> Result<Smoothed, LossError> {
    let counted = CountedBigram::new(train, classes)?;
    check_ids(valid, classes)?;
    if valid.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    best_alpha(|alpha| {
        let s = counted.surprises(valid, alpha)?;
        Ok(s.iter().sum::<f64>() / s.len() as f64)
    })
}

fn best_alpha(loss: impl Fn(f64) -> Result<f64, LossError>) -> Result<Smoothed, LossError> {
    let mut best = Smoothed {
        loss: f64::INFINITY,
        alpha: ALPHAS[0],
    };
    for alpha in ALPHAS {
        let loss = loss(alpha)?;
        if loss < best.loss {
            best = Smoothed { loss, alpha };
        }
    }
    Ok(best)
}

/// The weights tried for each part of [`interpolated`]: 0.05, 0.10, …, 0.90.
pub const WEIGHTS: [f64; 18] = [
    0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80,
    0.85, 0.90,
];

/// A mixture of counted models with the weights that gave it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interpolated {
    /// Mean cross-entropy on the validation predictions, in nats per character.
    pub loss: f64,
    /// The weight of the bigram's counted frequencies `n_ab / n_a`.
    pub bigram: f64,
    /// The weight of the frequencies at the prediction's position in the poem.
    pub position: f64,
}

/// The strongest counting baseline of the chapter: a mixture (interpolation) of three
/// counted models,
///
/// ```text
/// ŷ_b = λ₁ · n_ab / n_a  +  λ₂ · n_{b at this position} / n_{this position}  +  (1 − λ₁ − λ₂) · unigram_b
/// ```
///
/// the bigram unsmoothed, the frequencies of each character at each of the 25 positions
/// of a poem (which tell it where punctuation goes, and that a poem ends after 24), and the
/// smoothed unigram, which keeps every probability above 0. Where `a` was never a previous
/// character, its part goes to the other two. The weights are picked from [`WEIGHTS`] by the
/// validation loss, as `α` is.
///
/// ```
/// use listings::poems::baselines::{bigram, interpolated};
/// use listings::poems::run::Data;
/// let data = Data::first(300, 40, 1).unwrap();
/// let c = data.vocabulary.len();
/// let mix = interpolated(&data.train, &data.valid, c).unwrap();
/// assert!(mix.loss < bigram(&data.train, &data.valid, c).unwrap().loss);
/// ```
pub fn interpolated(
    train: &Examples,
    valid: &Examples,
    classes: usize,
) -> Result<Interpolated, LossError> {
    let counted = CountedBigram::new(train, classes)?;
    check_ids(valid, classes)?;
    if valid.is_empty() {
        return Err(LossError::EmptyBatch);
    }
    let unigram_alpha = unigram(train, valid, classes)?.alpha;
    let counts = unigram_counts(&train.targets, classes)?;
    let unigram_total = train.len() as f64 + unigram_alpha * classes as f64;
    let positions = POEM_CHARS + 1;
    let mut at: std::collections::HashMap<(usize, usize), f64> = Default::default();
    let mut at_total = vec![0.0; positions];
    for (&p, &t) in train.positions.iter().zip(&train.targets) {
        *at.entry((p, t as usize)).or_default() += 1.0;
        at_total[p.min(positions - 1)] += 1.0;
    }
    // Each validation prediction's three probabilities, computed once.
    let parts: Vec<(Option<f64>, f64, f64)> = (0..valid.len())
        .map(|i| {
            let (a, t, p) = (
                previous(valid, i),
                valid.targets[i] as usize,
                valid.positions[i].min(positions - 1),
            );
            let row = counted.rows[a];
            let pair =
                (row > 0.0).then(|| counted.pairs.get(&(a, t)).copied().unwrap_or(0.0) / row);
            let here = if at_total[p] > 0.0 {
                at.get(&(p, t)).copied().unwrap_or(0.0) / at_total[p]
            } else {
                0.0
            };
            (pair, here, (counts[t] + unigram_alpha) / unigram_total)
        })
        .collect();
    let mut best = Interpolated {
        loss: f64::INFINITY,
        bigram: 0.0,
        position: 0.0,
    };
    for &l1 in &WEIGHTS {
        for &l2 in WEIGHTS.iter().filter(|&&l2| l1 + l2 < 0.999) {
            let total: f64 = parts
                .iter()
                .map(|&(pair, here, uni)| {
                    let p = match pair {
                        Some(pair) => l1 * pair + l2 * here + (1.0 - l1 - l2) * uni,
                        // 没见过的前一个字：它那一份按比例分给另外两份
                        None => (l2 * here + (1.0 - l1 - l2) * uni) / (1.0 - l1),
                    };
                    -p.ln()
                })
                .sum();
            let loss = total / valid.len() as f64;
            if loss < best.loss {
                best = Interpolated {
                    loss,
                    bigram: l1,
                    position: l2,
                };
            }
        }
    }
    Ok(best)
}
