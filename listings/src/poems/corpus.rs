//! The text: Tang quatrains (五言绝句), one poem per line, read as character ids.
//!
//! Every poem is 24 characters (four lines of five characters, each followed by `，` or
//! `。`). Between poems stands one more symbol, the boundary [`BOUNDARY`]: the model reads
//! it before a poem's first character and must predict it after the last, as chapter 2's
//! `eos`. So a poem is 25 predictions.

use std::collections::HashMap;

use ndarray::Array2;
use thiserror::Error;

/// The training poems, vendored from the `chinese-poetry` package (`data/tang-poems/`).
pub const TRAIN: &str = include_str!("../../../data/tang-poems/train.txt");
/// The validation poems: about one in ten, set aside by a hash of the text.
pub const VALID: &str = include_str!("../../../data/tang-poems/valid.txt");

/// What stands between poems: read before a poem starts, predicted after it ends.
pub const BOUNDARY: char = '\n';

/// The characters of a quatrain, punctuation included.
pub const POEM_CHARS: usize = 24;

/// A character that the vocabulary has no id for.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "“{0}” is not in the vocabulary; the model can only read and predict the characters it has ids for"
)]
pub struct UnknownChar(pub char);

/// A poem line that is not a quatrain of the shape the model is built for.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line} has {chars} characters, not a quatrain's {POEM_CHARS}: “{text}”")]
pub struct NotAQuatrain {
    pub line: usize,
    pub chars: usize,
    pub text: String,
}

/// Why a text could not be read as training data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CorpusError {
    #[error(transparent)]
    UnknownChar(#[from] UnknownChar),
    #[error(transparent)]
    NotAQuatrain(#[from] NotAQuatrain),
}

/// The poems of a text, each as its characters, checked to be quatrains.
///
/// ```
/// use listings::poems::corpus::poems;
/// let p = poems("床前明月光，疑是地上霜。举头望明月，低头思故乡。\n").unwrap();
/// assert_eq!(p.len(), 1);
/// assert_eq!(p[0][3], '月');
/// assert!(poems("床前明月光。\n").unwrap_err().to_string().starts_with("line 1 has 6 characters"));
/// ```
pub fn poems(text: &str) -> Result<Vec<Vec<char>>, NotAQuatrain> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let chars: Vec<char> = line.chars().collect();
            if chars.len() == POEM_CHARS {
                Ok(chars)
            } else {
                Err(NotAQuatrain {
                    line: i + 1,
                    chars: chars.len(),
                    text: line.to_string(),
                })
            }
        })
        .collect()
}

/// Characters and their ids: the boundary is id 0, then every character of the texts,
/// the most frequent first (ties in code-point order), so the ids are the same on every
/// machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    chars: Vec<char>,
    ids: HashMap<char, usize>,
}

impl Vocabulary {
    /// Every character of `texts` (poems as [`poems`] reads them), with the boundary.
    ///
    /// The validation text is given too: a model must give every character some
    /// probability, also one it never saw in training (its surprise is then large, but
    /// finite).
    ///
    /// ```
    /// use listings::poems::corpus::{Vocabulary, BOUNDARY};
    /// let v = Vocabulary::new(&["月月光\n", "霜\n"]);
    /// assert_eq!(v.len(), 4);
    /// assert_eq!((v.char(0), v.char(1)), (BOUNDARY, '月'));
    /// assert_eq!(v.id('霜').unwrap(), 3);
    /// assert_eq!(v.id('雪').unwrap_err().to_string(), "“雪” is not in the vocabulary; the model can only read and predict the characters it has ids for");
    /// ```
    pub fn new(texts: &[&str]) -> Self {
        let mut counts: HashMap<char, usize> = HashMap::new();
        for text in texts {
            for c in text.chars().filter(|&c| c != BOUNDARY) {
                *counts.entry(c).or_default() += 1;
            }
        }
        let mut by_count: Vec<(char, usize)> = counts.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let chars: Vec<char> = std::iter::once(BOUNDARY)
            .chain(by_count.into_iter().map(|(c, _)| c))
            .collect();
        let ids = chars.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        Vocabulary { chars, ids }
    }

    /// The number of classes `C`: characters and the boundary.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there are no classes (never: the boundary is always one).
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The id of a character.
    pub fn id(&self, c: char) -> Result<usize, UnknownChar> {
        self.ids.get(&c).copied().ok_or(UnknownChar(c))
    }

    /// The character of an id (the boundary for an id out of range: ids come from the
    /// model's own `C` outputs, so that never happens).
    pub fn char(&self, id: usize) -> char {
        self.chars.get(id).copied().unwrap_or(BOUNDARY)
    }
}

/// Every prediction of a text: the ids of the `k` characters before it (the boundary
/// where the poem has not started yet), the id to predict, and where in the poem it
/// stands (0 to 23 for the characters, 24 for the boundary after the poem).
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// `[N, k]`: the context of each prediction, oldest first.
    pub contexts: Array2<usize>,
    /// `[N]`: the id to predict (`i64`, as PyTorch's targets).
    pub targets: Vec<i64>,
    /// `[N]`: the position in the poem.
    pub positions: Vec<usize>,
}

impl Examples {
    /// The predictions of every poem of `text`, with `k` characters of context.
    ///
    /// ```
    /// use listings::poems::corpus::{Examples, Vocabulary};
    /// let text = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n";
    /// let v = Vocabulary::new(&[text]);
    /// let e = Examples::new(text, &v, 2).unwrap();
    /// assert_eq!(e.targets.len(), 25); // 24 characters and the boundary
    /// // The third prediction is 明, after 床前.
    /// assert_eq!(e.contexts.row(2).to_vec(), vec![v.id('床').unwrap(), v.id('前').unwrap()]);
    /// assert_eq!(e.targets[2], v.id('明').unwrap() as i64);
    /// // The first sees only boundaries; the last predicts one.
    /// assert_eq!(e.contexts.row(0).to_vec(), vec![0, 0]);
    /// assert_eq!((e.targets[24], e.positions[24]), (0, 24));
    /// ```
    pub fn new(text: &str, vocabulary: &Vocabulary, k: usize) -> Result<Self, CorpusError> {
        let poems = poems(text)?;
        let n = poems.len() * (POEM_CHARS + 1);
        let mut contexts = Array2::zeros((n, k));
        let mut targets = Vec::with_capacity(n);
        let mut positions = Vec::with_capacity(n);
        let mut row = 0;
        for poem in &poems {
            let ids = poem
                .iter()
                .map(|&c| vocabulary.id(c))
                .collect::<Result<Vec<_>, _>>()?;
            for position in 0..=POEM_CHARS {
                // 前 k 个字；诗还没开始的地方是边界（id 0，zeros 已经写好）
                for back in 1..=k.min(position) {
                    contexts[[row, k - back]] = ids[position - back];
                }
                targets.push(ids.get(position).map_or(0, |&id| id as i64));
                positions.push(position);
                row += 1;
            }
        }
        Ok(Examples {
            contexts,
            targets,
            positions,
        })
    }

    /// The number of predictions `N`.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_texts_are_quatrains_over_one_vocabulary() {
        let train = poems(TRAIN).unwrap();
        let valid = poems(VALID).unwrap();
        assert!(train.len() > 10 * valid.len() / 2 && !valid.is_empty());
        let v = Vocabulary::new(&[TRAIN, VALID]);
        for poem in train.iter().chain(&valid) {
            // Punctuation stands where a quatrain has it, and nowhere else.
            for (i, &c) in poem.iter().enumerate() {
                let expected = match i {
                    5 | 17 => Some('，'),
                    11 | 23 => Some('。'),
                    _ => None,
                };
                match expected {
                    Some(p) => assert_eq!(c, p, "{poem:?}"),
                    None => assert!(c != '，' && c != '。', "{poem:?}"),
                }
            }
            assert!(poem.iter().all(|&c| v.id(c).is_ok()));
        }
    }

    #[test]
    fn a_character_outside_the_vocabulary_is_named() {
        let v = Vocabulary::new(&["床前明月光，疑是地上霜。举头望明月，低头思故乡。\n"]);
        let err =
            Examples::new("床前明月光，疑是地上雪。举头望明月，低头思故乡。\n", &v, 3).unwrap_err();
        assert_eq!(err, CorpusError::UnknownChar(UnknownChar('雪')));
    }
}
