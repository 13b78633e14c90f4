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
use polib::catalog::Catalog;
use polib::message::Message;
use polib::metadata::CatalogMetadata;
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

/// A tool of GNU gettext (`msgmerge`, `msginit`, `msgfmt`), found on `PATH`.
fn gettext(tool: &str) -> Result<Command> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|bin| bin.is_file())
        .map(Command::new)
        .with_context(|| {
            format!(
                "{tool} is not on PATH: install GNU gettext (Debian: `apt-get install gettext`, macOS: `brew install gettext`)"
            )
        })
}

/// Fails, with gettext's own file:line message, on a catalogue that is not valid PO
/// (before anything else parses it).
fn validate(po: &Path) -> Result<()> {
    run_command(
        gettext("msgfmt")?
            .args(["--check", "-o", "/dev/null"])
            .arg(po),
    )
    .with_context(|| format!("{} is not a valid PO file", po.display()))
}

/// The template with its first message that needs a translation changed (as if its
/// Chinese had been edited), and that message's new text.
fn with_one_changed(template: &Catalog) -> Option<(Catalog, String)> {
    let mut changed = Catalog::new(CatalogMetadata::new());
    let mut edited = None;
    for m in template.messages() {
        let mut id = m.msgid().to_string();
        if edited.is_none() && edition::needs_translation(&id) {
            id = format!("（改过）{id}");
            edited = Some(id.clone());
        }
        changed.append_or_update(
            Message::build_singular()
                .with_source(m.source().to_string())
                .with_msgid(id)
                .with_msgstr(String::new())
                .done(),
        );
    }
    Some((changed, edited?))
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

/// `cargo xtask po`: extract, merge into every catalogue that is behind (a new language
/// gets its catalogue from the template), and say what is left to do.
pub fn run(root: &Path) -> Result<()> {
    let pot = extract(root)?;
    let template = edition::read_catalogue(&pot)?;
    for language in edition::languages(root)? {
        let po = edition::catalogue_path(root, &language);
        if !po.exists() {
            run_command(
                gettext("msginit")?
                    .args(["--no-translator", "--locale", &language, "--input"])
                    .arg(&pot)
                    .arg("--output-file")
                    .arg(&po),
            )
            .with_context(|| format!("creating {}", po.display()))?;
        }
        validate(&po)?;
        // A catalogue already in step is left as it is: merging would only rewrite its
        // creation date (and make `mdbook serve` rebuild).
        let current = edition::coverage(&template, &edition::read_catalogue(&po)?);
        if current.problems.is_empty() {
            continue;
        }
        run_command(
            gettext("msgmerge")?
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
/// proves that a paragraph changed in Chinese would be caught (the template's first
/// message that needs a translation, changed, must be reported).
pub fn check(root: &Path) -> Result<()> {
    let pot = extract(root)?;
    let template = edition::read_catalogue(&pot)?;
    let (changed, edited) = with_one_changed(&template)
        .with_context(|| format!("{} has no message to translate", pot.display()))?;
    let mut stale = Vec::new();
    for language in edition::languages(root)? {
        let path = edition::catalogue_path(root, &language);
        validate(&path)?;
        let po = edition::read_catalogue(&path)?;
        let start: String = edited.chars().take(12).collect();
        if !edition::coverage(&changed, &po)
            .problems
            .iter()
            .any(|p| p.contains(&format!("not translated: “{start}")))
        {
            bail!("po/{language}.po: a changed Chinese paragraph was not caught");
        }
        let coverage = edition::coverage(&template, &po);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_self_test_changes_one_paragraph_and_coverage_catches_it() {
        let mut template = Catalog::new(CatalogMetadata::new());
        for id in ["Summary", "前言", "熵"] {
            template.append_or_update(
                Message::build_singular()
                    .with_source("src/intro.md".into())
                    .with_msgid(id.into())
                    .with_msgstr(String::new())
                    .done(),
            );
        }
        let (changed, edited) = with_one_changed(&template).unwrap();
        assert_eq!(edited, "（改过）前言");
        let ids: Vec<&str> = changed.messages().map(|m| m.msgid()).collect();
        assert_eq!(ids, ["Summary", "（改过）前言", "熵"]);
        let mut po = Catalog::new(CatalogMetadata::new());
        for (id, s) in [("前言", "Preface"), ("熵", "Entropy")] {
            po.append_or_update(
                Message::build_singular()
                    .with_msgid(id.into())
                    .with_msgstr(s.into())
                    .done(),
            );
        }
        assert!(edition::coverage(&template, &po).problems.is_empty());
        let problems = edition::coverage(&changed, &po).problems;
        assert!(
            problems
                .iter()
                .any(|p| p.contains("not translated: “（改过）前言”")),
            "{problems:?}"
        );
    }
}
