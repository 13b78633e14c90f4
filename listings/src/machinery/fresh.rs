//! One freshness check for every generated file the book commits: program outputs,
//! figures, notebooks and tables.
//!
//! rust-analyzer's `ensure_file_contents` idea: a test regenerates the file in memory and
//! compares it with the committed copy. When they differ the test fails with the file's
//! name, the first line that differs and the command that refreshes it; with
//! `UPDATE_EXPECT=1` set the test rewrites the file instead. Generators (`cargo xtask
//! figures`, `cargo xtask notebooks`) always write, through [`write_if_changed`], so an
//! unchanged file keeps its timestamp and `mdbook serve` does not rebuild for nothing.

use std::fmt;
use std::path::{Path, PathBuf};

/// Whether `UPDATE_EXPECT` asks tests to rewrite stale files instead of failing.
pub fn update_requested() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some_and(|v| !v.is_empty() && v != "0")
}

/// What [`ensure_fresh`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fresh {
    /// The committed file already says exactly this.
    Unchanged,
    /// The file differed (or was missing) and `UPDATE_EXPECT` rewrote it.
    Updated,
}

/// Why a generated file failed the check.
#[derive(Debug)]
pub enum Stale {
    /// The committed copy differs from what the code generates now.
    Differs {
        path: PathBuf,
        /// 1-based line of the first difference, with the committed and the new line.
        line: usize,
        committed: String,
        generated: String,
        regenerate: String,
    },
    /// The committed copy is missing or unreadable.
    Missing {
        path: PathBuf,
        error: std::io::Error,
        regenerate: String,
    },
    /// `UPDATE_EXPECT` was set but the file could not be written.
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::Differs {
                path,
                line,
                committed,
                generated,
                regenerate,
            } => write!(
                f,
                "{} is stale: line {line} is\n    {committed}\nbut the code now generates\n    {generated}\n{}",
                path.display(),
                what_to_run(regenerate)
            ),
            Stale::Missing {
                path,
                error,
                regenerate,
            } => write!(
                f,
                "{}: {error}; {}",
                path.display(),
                what_to_run(regenerate)
            ),
            Stale::Write { path, error } => {
                write!(f, "{}: could not write it: {error}", path.display())
            }
        }
    }
}

/// The advice that ends a [`Stale`] message. `UPDATE_EXPECT=1 cargo test` refreshes every
/// kind of file, so it is offered too, unless the command already is such a run.
fn what_to_run(regenerate: &str) -> String {
    if regenerate.starts_with("UPDATE_EXPECT=1 ") {
        format!("run `{regenerate}` and commit the file")
    } else {
        format!("run `{regenerate}` (or UPDATE_EXPECT=1 cargo test) and commit the file")
    }
}

impl std::error::Error for Stale {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Stale::Differs { .. } => None,
            Stale::Missing { error, .. } | Stale::Write { error, .. } => Some(error),
        }
    }
}

/// Checks that `path` holds exactly `contents`; with `UPDATE_EXPECT` set, makes it so.
///
/// `regenerate` is the command a person runs to refresh this kind of file; the error says it.
///
/// ```
/// use listings::machinery::fresh::{Fresh, Stale, ensure_fresh};
/// let dir = std::env::temp_dir().join(format!("fresh-doctest-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("out.txt");
/// std::fs::write(&path, "a\nb\n").unwrap();
/// assert_eq!(ensure_fresh(&path, "a\nb\n", "cargo xtask figures").unwrap(), Fresh::Unchanged);
/// # if !listings::machinery::fresh::update_requested() {
/// let stale = ensure_fresh(&path, "a\nc\n", "cargo xtask figures").unwrap_err();
/// assert!(matches!(stale, Stale::Differs { line: 2, .. }));
/// assert!(stale.to_string().contains("run `cargo xtask figures`"));
/// # }
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn ensure_fresh(path: &Path, contents: &str, regenerate: &str) -> Result<Fresh, Stale> {
    let committed = match std::fs::read_to_string(path) {
        Ok(text) if text == contents => return Ok(Fresh::Unchanged),
        Ok(text) => Ok(text),
        Err(error) => Err(error),
    };
    if update_requested() {
        return write_if_changed(path, contents)
            .map(|_| Fresh::Updated)
            .map_err(|error| Stale::Write {
                path: path.to_path_buf(),
                error,
            });
    }
    match committed {
        Ok(committed) => {
            let (line, old, new) = first_difference(&committed, contents);
            Err(Stale::Differs {
                path: path.to_path_buf(),
                line,
                committed: old,
                generated: new,
                regenerate: regenerate.to_string(),
            })
        }
        Err(error) => Err(Stale::Missing {
            path: path.to_path_buf(),
            error,
            regenerate: regenerate.to_string(),
        }),
    }
}

/// Writes `contents` to `path` (creating its folder) unless it already holds them; says
/// whether it wrote.
///
/// ```
/// use listings::machinery::fresh::write_if_changed;
/// let dir = std::env::temp_dir().join(format!("write-doctest-{}", std::process::id()));
/// let path = dir.join("sub/out.txt");
/// assert!(write_if_changed(&path, "x").unwrap());
/// assert!(!write_if_changed(&path, "x").unwrap());
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "x");
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|text| text == contents) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)?;
    Ok(true)
}

/// The first line where two texts differ: (1-based line, old line, new line). A missing
/// line shows as `<end of file>`.
fn first_difference(old: &str, new: &str) -> (usize, String, String) {
    let (mut a, mut b) = (old.lines(), new.lines());
    let mut n = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (x, y) => {
                let show = |l: Option<&str>| l.unwrap_or("<end of file>").to_string();
                // Same lines but different endings (a final newline, say).
                if x.is_none() && y.is_none() {
                    return (n, "<same lines, other line endings>".into(), String::new());
                }
                return (n, show(x), show(y));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_difference_names_its_line() {
        assert_eq!(
            first_difference("a\nb\nc\n", "a\nB\nc\n"),
            (2, "b".into(), "B".into())
        );
        assert_eq!(
            first_difference("a\n", "a\nb\n"),
            (2, "<end of file>".into(), "b".into())
        );
        assert_eq!(first_difference("a", "a\n").0, 2);
    }

    #[test]
    fn the_advice_names_the_command_once() {
        assert_eq!(
            what_to_run("cargo xtask figures"),
            "run `cargo xtask figures` (or UPDATE_EXPECT=1 cargo test) and commit the file"
        );
        assert_eq!(
            what_to_run("UPDATE_EXPECT=1 cargo test -p listings --test chapters"),
            "run `UPDATE_EXPECT=1 cargo test -p listings --test chapters` and commit the file"
        );
    }

    #[test]
    fn a_missing_file_says_what_to_run() {
        if update_requested() {
            return;
        }
        let path = std::env::temp_dir().join("fresh-never-written/none.txt");
        let stale = ensure_fresh(&path, "x", "cargo xtask notebooks").unwrap_err();
        assert!(matches!(stale, Stale::Missing { .. }));
        assert!(stale.to_string().contains("cargo xtask notebooks"));
    }
}
