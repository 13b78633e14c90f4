//! `cargo xtask po`: the translations brought in step with the Chinese sources, and the
//! check that they are.
//!
//! The template `target/po/messages.pot` is extracted from the book as the build sees it
//! (mdbook-xgettext, after the includes and the math guard); `msgmerge` then updates each
//! `po/<language>.po`: a new paragraph comes in untranslated, a changed one keeps its old
//! translation marked fuzzy, with the Chinese it was made from beside it (`#|` lines;
//! mdbook-gettext shows the new Chinese until the mark is removed),
//! a removed one goes to the file's end as obsolete. [`check`] is what `cargo xtask test`
//! runs: it fails while anything needs translating.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use xtask::edition::{self, Coverage};

use crate::process::run_command;
use crate::tools;

/// Extracts the template of every message the book has now; returns its path.
pub fn extract(root: &Path) -> Result<PathBuf> {
    let tools = tools::ensure(root)?;
    let dir = root.join("target/po");
    let output = tools
        .command("mdbook")
        .args(["build", "--dest-dir"])
        .arg(&dir)
        .env("MDBOOK_OUTPUT", r#"{"xgettext": {"granularity": 0}}"#)
        .current_dir(root)
        .output()
        .context("could not start mdbook for mdbook-xgettext")?;
    if !output.status.success() {
        bail!(
            "extracting the messages failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(dir.join("messages.pot"))
}

/// GNU gettext's `msgmerge`, Debian's, installed if missing.
fn msgmerge() -> Result<Command> {
    if !Path::new("/usr/bin/msgmerge").exists() {
        run_command(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "gettext"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
        .context("installing Debian's gettext for msgmerge")?;
    }
    Ok(Command::new("/usr/bin/msgmerge"))
}

/// How each catalogue stands against the template at `pot`.
fn coverage(root: &Path, pot: &Path) -> Result<Vec<(String, Coverage)>> {
    let template = edition::read_catalogue(pot)?;
    edition::languages(root)?
        .into_iter()
        .map(|language| {
            let po = edition::read_catalogue(&edition::catalogue_path(root, &language))?;
            Ok((language, edition::coverage(&template, &po)))
        })
        .collect()
}

/// `cargo xtask po`: extract, merge into every catalogue, and say what is left to do.
pub fn run(root: &Path) -> Result<()> {
    let pot = extract(root)?;
    for language in edition::languages(root)? {
        let po = edition::catalogue_path(root, &language);
        run_command(
            msgmerge()?
                .args(["--update", "--previous", "--backup=none", "--quiet"])
                .arg(&po)
                .arg(&pot),
        )
        .with_context(|| format!("merging the template into {}", po.display()))?;
    }
    for (language, coverage) in coverage(root, &pot)? {
        eprintln!(
            "xtask: po/{language}.po: {} messages translated, {} to do",
            coverage.translated,
            coverage.problems.len()
        );
        for problem in coverage.problems.iter().take(40) {
            eprintln!("  {problem}");
        }
    }
    Ok(())
}

/// Fails unless every catalogue translates every message of the book as it is now; first
/// proves on the template that a paragraph changed in Chinese would be caught.
pub fn check(root: &Path) -> Result<()> {
    let pot = extract(root)?;
    let text = std::fs::read_to_string(&pot)
        .with_context(|| format!("reading the template {}", pot.display()))?;
    // The self-test: the first paragraph of the preface, edited in the template only.
    let changed = pot.with_file_name("changed.pot");
    let edited = text.replacen("msgid \"训练", "msgid \"（改过）训练", 1);
    if edited == text {
        bail!(
            "the self-test found no paragraph starting 训练 in {}",
            pot.display()
        );
    }
    std::fs::write(&changed, edited).with_context(|| format!("writing {}", changed.display()))?;
    for (language, coverage) in coverage(root, &changed)? {
        let caught = coverage
            .problems
            .iter()
            .any(|p| p.contains("not translated: “（改过）训练"));
        if !caught {
            bail!("po/{language}.po: a changed Chinese paragraph was not caught");
        }
    }
    let mut stale = Vec::new();
    for (language, coverage) in coverage(root, &pot)? {
        if coverage.problems.is_empty() {
            eprintln!(
                "xtask: po/{language}.po: all {} messages that need it are translated and current (and a changed paragraph is caught)",
                coverage.translated
            );
        }
        stale.extend(
            coverage
                .problems
                .into_iter()
                .map(|p| format!("po/{language}.po: {p}")),
        );
    }
    if !stale.is_empty() {
        bail!(
            "{} translation(s) not current; run `cargo xtask po`, translate, remove the fuzzy marks:\n  {}",
            stale.len(),
            stale.join("\n  ")
        );
    }
    Ok(())
}
