//! Every number the book's prose quotes, with the code that produces it.
//!
//! The book test `tests/numbers.rs` reads each chapter, finds every decimal number in its
//! text and formulas, and fails for any number that no entry of that chapter rounds to
//! *as written* (`0.51` must be some value `v` with `format!("{v:.2}") == "0.51"`). The
//! chapters' listings tests assert that their code computes these same values, so the
//! prose, the listings and the notebooks' last cells all rest on this one table.
//!
//! Each chapter's entries live in a file of their own beside this one, named for the page
//! (`ch02_one_hot.rs` for `ch02-one-hot.md`), with a `pub(super) fn entries()`. Adding that
//! file is all it takes: `listings/build.rs` declares every such file as a module and lists
//! their `entries` in `CHAPTERS`, in the book's reading order (`src/SUMMARY.md`).

include!(concat!(env!("OUT_DIR"), "/quoted_chapters.rs"));

/// A chapter's `entries`: its quoted numbers, computed now.
type Entries = fn() -> Result<Vec<Quoted>, QuotedError>;

use crate::{LossError, Real};

/// Whether a quoted number is given (an input of an example) or computed from inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Given by the example, like the coin's 0.9 or the prediction vector.
    Input,
    /// Produced by listings code, like `-ln 0.6 ≈ 0.51`.
    Computed,
}

/// One quoted value (or vector of values) and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Quoted {
    /// The chapter's file stem, e.g. `ch01-coin`.
    pub chapter: &'static str,
    /// A short name, unique within the chapter.
    pub name: &'static str,
    pub kind: Kind,
    /// The Rust expression that produces the value, as written below.
    pub code: &'static str,
    /// The value, or every entry of a vector or matrix, in `f64`.
    pub values: Vec<f64>,
}

impl Quoted {
    /// Whether `text` (a decimal such as `0.51` or `-2.996`) is one of the values rounded
    /// to as many decimals as `text` shows.
    ///
    /// ```
    /// use listings::machinery::quoted::{Kind, Quoted};
    /// let q = Quoted { chapter: "ch", name: "x", kind: Kind::Computed, code: "", values: vec![0.5108] };
    /// assert!(q.matches("0.51") && q.matches("0.511") && !q.matches("0.52"));
    /// ```
    pub fn matches(&self, text: &str) -> bool {
        let decimals = text.split_once('.').map_or(0, |(_, frac)| frac.len());
        self.values.iter().any(|&v| {
            let shown = format!("{v:.decimals$}");
            // A tiny negative value prints as "-0.000", which is the number "0.000".
            let negative_zero =
                shown.starts_with('-') && shown[1..].chars().all(|c| c == '0' || c == '.');
            shown == text || (negative_zero && shown[1..] == *text)
        })
    }
}

/// Anything the registry can hold: a number, a vector or a matrix.
pub trait Values {
    /// All entries, widened to `f64`.
    fn values(&self) -> Vec<f64>;
}

impl<A: Real> Values for A {
    fn values(&self) -> Vec<f64> {
        vec![self.widen()]
    }
}

impl<A: Real, const N: usize> Values for [A; N] {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|x| x.widen()).collect()
    }
}

impl<A: Real> Values for Vec<A> {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|x| x.widen()).collect()
    }
}

impl<A: Real, D: ndarray::Dimension> Values for ndarray::Array<A, D> {
    fn values(&self) -> Vec<f64> {
        self.iter().map(|x| x.widen()).collect()
    }
}

/// `quote!(chapter, name, Input | Computed, expression)`: one entry, its code as written.
macro_rules! quote {
    ($chapter:expr, $name:expr, $kind:ident, $e:expr) => {
        Quoted {
            chapter: $chapter,
            name: $name,
            kind: Kind::$kind,
            code: stringify!($e),
            values: Values::values(&$e),
        }
    };
}
use quote;

/// Why the registry could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum QuotedError {
    #[error(transparent)]
    Loss(#[from] LossError),
    #[error(transparent)]
    Training(#[from] crate::training::TrainingError),
    #[error(transparent)]
    UnknownWord(#[from] crate::one_hot::UnknownWord),
    #[error(transparent)]
    Speed(#[from] crate::machinery::speed::SpeedError),
    #[error(transparent)]
    Poems(#[from] crate::poems::run::RunError),
    #[error(transparent)]
    PoemsRun(#[from] crate::machinery::poems_run::PoemsRunError),
    /// An example's array could not be reshaped as its chapter shows it.
    #[error("cannot reshape an example's array of shape {shape:?} (a bug in the book's machinery)")]
    Shape {
        shape: Vec<usize>,
        #[source]
        source: ndarray::ShapeError,
    },
}

/// The whole registry, computed now, chapter by chapter in reading order.
pub fn registry() -> Result<Vec<Quoted>, QuotedError> {
    let mut all = Vec::new();
    for entries in CHAPTERS {
        all.extend(entries()?);
    }
    Ok(all)
}

/// The entry `name` of `chapter`, `Ok(None)` if the registry has no such entry, and the
/// registry's own error if it could not be computed (so that a failing registry never
/// reads as a missing name).
///
/// ```
/// use listings::machinery::quoted::lookup;
/// let q = lookup("ch02-one-hot", "loss_good").unwrap().unwrap();
/// assert!(q.matches("0.51"));
/// assert!(lookup("ch02-one-hot", "no_such_name").unwrap().is_none());
/// ```
pub fn lookup(chapter: &str, name: &str) -> Result<Option<&'static Quoted>, &'static QuotedError> {
    Ok(cached()?
        .iter()
        .find(|q| q.chapter == chapter && q.name == name))
}

/// What a chapter's notebook prints in its last cell: one line `name: v1, v2` per entry of
/// `chapter`, each value to four decimals, in the registry's order.
///
/// ```
/// let lines = listings::machinery::quoted::chapter_lines("ch01-coin").unwrap();
/// assert!(lines.iter().any(|l| l == "heads: 0.1054"));
/// ```
pub fn chapter_lines(chapter: &str) -> Result<Vec<String>, &'static QuotedError> {
    Ok(cached()?
        .iter()
        .filter(|q| q.chapter == chapter)
        .map(|q| {
            let values: Vec<String> = q.values.iter().map(|v| format!("{v:.4}")).collect();
            format!("{}: {}", q.name, values.join(", "))
        })
        .collect())
}

/// The registry, computed once per process (it trains chapter 5's model twice).
///
/// ```
/// let all = listings::machinery::quoted::cached().unwrap();
/// assert!(all.iter().any(|q| q.chapter == "ch01-coin" && q.name == "heads"));
/// ```
pub fn cached() -> Result<&'static [Quoted], &'static QuotedError> {
    static REGISTRY: std::sync::OnceLock<Result<Vec<Quoted>, QuotedError>> =
        std::sync::OnceLock::new();
    REGISTRY.get_or_init(registry).as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_within_a_chapter() {
        let all = cached().unwrap();
        for (i, a) in all.iter().enumerate() {
            assert!(
                !all[i + 1..]
                    .iter()
                    .any(|b| a.chapter == b.chapter && a.name == b.name),
                "{} / {} is registered twice",
                a.chapter,
                a.name
            );
        }
    }

    #[test]
    fn code_is_the_expression_as_written() {
        let q = lookup("ch01-coin", "heads").unwrap().unwrap();
        assert_eq!(q.code, "surprise(0.9)?");
        assert_eq!(q.kind, Kind::Computed);
        assert!(q.matches("0.105") && q.matches("0.1054") && !q.matches("0.106"));
    }

    #[test]
    fn rounding_to_the_shown_decimals() {
        let q = lookup("ch02-one-hot", "loss_bad").unwrap().unwrap();
        assert!(q.matches("3.0") && q.matches("2.996") && !q.matches("2.99"));
        let ln = lookup("ch02-one-hot", "ln_good").unwrap().unwrap();
        assert!(ln.matches("-0.511") && !ln.matches("0.511"));
    }
}
