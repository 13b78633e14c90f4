//! Where the model is surprised: the mean surprise at each position of a quatrain, and of
//! each character when it is the one to predict.

use serde::{Deserialize, Serialize};

use super::corpus::{Examples, POEM_CHARS, Vocabulary};
use crate::LossError;

/// The mean surprise, in nats, at each position of a poem: 0 to 23 for its characters and
/// 24 for the boundary after it (a model's `f32` surprises or a counted model's `f64`).
///
/// ```
/// use listings::poems::reading::by_position;
/// use listings::poems::corpus::{Examples, Vocabulary};
/// let text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";
/// let v = Vocabulary::new(&[text]);
/// let e = Examples::new(text, &v, 1).unwrap();
/// let surprise: Vec<f32> = (0..25).map(|i| i as f32).collect();
/// assert_eq!(by_position(&surprise, &e).unwrap()[24], 24.0);
/// ```
pub fn by_position<S: Copy + Into<f64>>(
    surprises: &[S],
    examples: &Examples,
) -> Result<Vec<f64>, LossError> {
    check(surprises, examples)?;
    let mut sums = [0.0; POEM_CHARS + 1];
    let mut counts = [0usize; POEM_CHARS + 1];
    for (&s, &p) in surprises.iter().zip(&examples.positions) {
        sums[p] += s.into();
        counts[p] += 1;
    }
    Ok(sums
        .iter()
        .zip(&counts)
        .map(|(&s, &n)| if n == 0 { f64::NAN } else { s / n as f64 })
        .collect())
}

/// One character's mean surprise where it was the one to predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharSurprise {
    /// The character (`"\n"` for the boundary).
    pub char: String,
    /// Its mean surprise, in nats.
    pub surprise: f64,
    /// How many times it was to be predicted.
    pub count: usize,
}

/// Every character predicted at least `min_count` times, by mean surprise, the least
/// surprising first.
///
/// ```
/// use listings::poems::reading::by_char;
/// use listings::poems::corpus::{Examples, Vocabulary};
/// let text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";
/// let v = Vocabulary::new(&[text]);
/// let e = Examples::new(text, &v, 1).unwrap();
/// let surprise: Vec<f32> = (0..25).map(|i| i as f32).collect();
/// let chars = by_char(&surprise, &e, &v, 2).unwrap();
/// // twice each: 明 (positions 2 and 15), 月 (3, 16), ， (5, 17), 。 (11, 23), 头 (13, 19)
/// let names: Vec<&str> = chars.iter().map(|c| c.char.as_str()).collect();
/// assert_eq!(names, ["明", "月", "，", "头", "。"]);
/// assert_eq!(chars[0].surprise, 8.5);
/// ```
pub fn by_char(
    surprises: &[f32],
    examples: &Examples,
    vocabulary: &Vocabulary,
    min_count: usize,
) -> Result<Vec<CharSurprise>, LossError> {
    check(surprises, examples)?;
    let mut sums = vec![0.0; vocabulary.len()];
    let mut counts = vec![0usize; vocabulary.len()];
    for (&s, &t) in surprises.iter().zip(&examples.targets) {
        let t = usize::try_from(t)
            .ok()
            .filter(|&t| t < vocabulary.len())
            .ok_or(LossError::TargetOutOfBounds {
                target: t,
                classes: vocabulary.len(),
            })?;
        sums[t] += f64::from(s);
        counts[t] += 1;
    }
    let mut out: Vec<CharSurprise> = (0..vocabulary.len())
        .filter(|&id| counts[id] >= min_count.max(1))
        .map(|id| CharSurprise {
            char: vocabulary.char(id).to_string(),
            surprise: sums[id] / counts[id] as f64,
            count: counts[id],
        })
        .collect();
    out.sort_by(|a, b| a.surprise.total_cmp(&b.surprise).then(a.char.cmp(&b.char)));
    Ok(out)
}

fn check<S>(surprises: &[S], examples: &Examples) -> Result<(), LossError> {
    if surprises.len() != examples.len() {
        return Err(LossError::BatchSizeMismatch {
            input: surprises.len(),
            target: examples.len(),
        });
    }
    Ok(())
}
