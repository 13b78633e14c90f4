//! The translated editions as the tests and the notebooks read them, and what keeps a
//! translation in step with the Chinese source.
//!
//! The book is built by mdbook-gettext (see `book.toml`); this module does the same
//! translation with the same library, `mdbook_i18n_helpers`, on one page's Markdown at a
//! time, so that `tests/numbers.rs` can check the English pages' numbers and
//! `cargo xtask notebooks` can make the English notebooks. TeX is guarded around the
//! translation by `preprocessors/math.py` itself, the code the build runs.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, anyhow, bail};
use mdbook_i18n_helpers::{extract_events, reconstruct_markdown, translate_events};
use polib::catalog::Catalog;
use regex::Regex;

/// One translated edition: its language and its catalogue, `po/<language>.po`.
pub struct Translation {
    pub language: String,
    catalog: Catalog,
    /// The repository, whose `preprocessors/math.py` guards the TeX.
    root: PathBuf,
}

/// The languages of the translated editions, as `book.toml` lists them: one table
/// `[preprocessor.editions.<language>]` each. Only English has what a translation needs
/// beyond its catalogue (its figures' labels, its notebooks' words): another language is
/// refused here until it has them.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
/// assert_eq!(xtask::edition::languages(root).unwrap(), ["en"]);
/// ```
pub fn languages(root: &Path) -> Result<Vec<String>> {
    let path = root.join("book.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let table = Regex::new(r"(?m)^\[preprocessor\.editions\.([\w-]+)\]$").expect("valid regex");
    Ok(table
        .captures_iter(&text)
        .map(|c| c[1].to_string())
        .collect())
}

/// Where the catalogue of `language` lives.
pub fn catalogue_path(root: &Path, language: &str) -> PathBuf {
    root.join("po").join(format!("{language}.po"))
}

/// Reads a PO file (a catalogue, or the template `messages.pot`).
pub fn read_catalogue(path: &Path) -> Result<Catalog> {
    polib::po_file::parse(path).map_err(|e| anyhow!("reading {}: {e}", path.display()))
}

impl Translation {
    /// The edition in `language`, from its catalogue.
    ///
    /// ```
    /// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    /// let english = xtask::edition::Translation::load(root, "en").unwrap();
    /// assert_eq!(english.markdown("# 前言\n").unwrap().trim(), "# Preface");
    /// let code = english.code("rust", "// 成功：Ok 里装着算出的值\nlet x = 1;").unwrap();
    /// assert!(code.starts_with("// Success") && code.ends_with("\nlet x = 1;"), "{code}");
    /// ```
    pub fn load(root: &Path, language: &str) -> Result<Translation> {
        Ok(Translation {
            language: language.to_string(),
            catalog: read_catalogue(&catalogue_path(root, language))?,
            root: root.to_path_buf(),
        })
    }

    /// An edition with nothing translated yet: each page comes back as it is, through the
    /// same round trip as a translated one.
    ///
    /// ```
    /// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    /// let none = xtask::edition::Translation::empty(root, "zh-CN");
    /// let page = "熵 $H(p) = -\\sum_i p_i \\ln p_i$，单位是奈特。\n";
    /// assert_eq!(none.markdown(page).unwrap().trim_end(), page.trim_end());
    /// ```
    pub fn empty(root: &Path, language: &str) -> Translation {
        Translation {
            language: language.to_string(),
            catalog: Catalog::new(polib::metadata::CatalogMetadata::new()),
            root: root.to_path_buf(),
        }
    }

    /// A page's Markdown in this edition: every paragraph, heading, list item and table
    /// cell that the catalogue translates, translated; code blocks and `{{#include}}`
    /// lines as they are. The TeX is guarded around the CommonMark round trip as in the
    /// build (see `preprocessors/math.py`).
    pub fn markdown(&self, source: &str) -> Result<String> {
        // Without a `$` there is no TeX to guard (and no python3 to start).
        let guarded = if source.contains('$') {
            math(&self.root, "guard", source)?
        } else {
            source.to_string()
        };
        unguard_after(&self.root, &self.translate(&guarded)?)
    }

    /// The catalogue's translation of guarded Markdown, still guarded.
    fn translate(&self, guarded: &str) -> Result<String> {
        let events = extract_events(guarded, None);
        let translated = translate_events(&events, &self.catalog)
            .map_err(|e| anyhow!("translating a page: {e:?}"))?;
        let (markdown, _) = reconstruct_markdown(&translated, None)
            .map_err(|e| anyhow!("writing a translated page back as Markdown: {e:?}"))?;
        Ok(markdown)
    }

    /// A listing's code in this edition: its comments translated, its code untouched. (A
    /// fenced block holds no TeX: no guard is needed.)
    pub fn code(&self, language: &str, code: &str) -> Result<String> {
        let block = format!("```{language}\n{code}\n```\n");
        let translated = self.translate(&block)?;
        let body = translated
            .trim_end()
            .strip_prefix(&format!("```{language}\n"))
            .and_then(|rest| rest.strip_suffix("```"))
            .ok_or_else(|| anyhow!("a translated code block came back reshaped:\n{translated}"))?;
        Ok(body.strip_suffix('\n').unwrap_or(body).to_string())
    }
}

static WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\x{4e00}-\x{9fff}]").expect("valid regex"));

/// `preprocessors/math.py MODE` (`guard` or `unguard`) on one page, through mdBook's
/// preprocessor protocol: the very code the build runs, so that a page is translated here
/// exactly as in the book.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
/// let page = "若 $p = 0.9$：\n\n$$\n-\\ln 0.9\n$$\n";
/// let guarded = xtask::edition::math(root, "guard", page).unwrap();
/// assert_eq!(guarded, "若 `$p = 0.9$`：\n\n```math\n-\\ln 0.9\n```\n");
/// assert_eq!(xtask::edition::math(root, "unguard", &guarded).unwrap(), page);
/// ```
pub fn math(root: &Path, mode: &str, text: &str) -> Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let script = root.join("preprocessors/math.py");
    let book = serde_json::json!([{}, {"items": [{"Chapter": {"content": text}}]}]);
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start python3 {}", script.display()))?;
    child
        .stdin
        .take()
        .context("math.py's stdin")?
        .write_all(book.to_string().as_bytes())
        .context("writing a page to math.py")?;
    let out = child.wait_with_output().context("waiting for math.py")?;
    if !out.status.success() {
        bail!(
            "math.py {mode} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let book: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("math.py did not answer with a book")?;
    book["items"][0]["Chapter"]["content"]
        .as_str()
        .map(str::to_string)
        .context("math.py's book has no chapter")
}

/// `math.py unguard`, skipped when there is nothing guarded (most code and short texts).
fn unguard_after(root: &Path, markdown: &str) -> Result<String> {
    if markdown.contains("`$") || markdown.contains("```math") {
        math(root, "unguard", markdown)
    } else {
        Ok(markdown.to_string())
    }
}

/// Whether a message of the template needs a translation: it has Chinese in it, and it is
/// not a string literal of a listing (those stay as the tested code has them, and so does
/// what the code prints).
///
/// ```
/// use xtask::edition::needs_translation;
/// assert!(needs_translation("交叉熵"));
/// assert!(needs_translation("// 成功：Ok 里装着算出的值\n"));
/// assert!(!needs_translation("\"惊讶度：{s}\""));
/// assert!(!needs_translation("`$-\\ln 0.6$`"));
/// ```
pub fn needs_translation(msgid: &str) -> bool {
    let literal = msgid.starts_with('"') && msgid.ends_with('"');
    WORDS.is_match(msgid) && !literal
}

/// How a catalogue stands against the template extracted from the sources now.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Messages that need a translation and have a current one.
    pub translated: usize,
    /// What keeps the catalogue from being current, one sentence each.
    pub problems: Vec<String>,
}

/// Checks `po` against the template `pot`: every message that needs a translation has one,
/// not marked fuzzy (msgmerge marks a message fuzzy when its Chinese changed); no string
/// literal is translated; and `po` has no message the sources no longer have.
pub fn coverage(pot: &Catalog, po: &Catalog) -> Coverage {
    let mut coverage = Coverage::default();
    let short = |s: &str| -> String { s.chars().take(50).collect::<String>().replace('\n', "⏎") };
    for message in pot.messages() {
        let id = message.msgid();
        if id.is_empty() {
            continue;
        }
        let found = po.find_message(None, id, None);
        let translated = found
            .filter(|m| m.is_translated() && !m.is_fuzzy())
            .and_then(|m| m.msgstr().ok())
            .filter(|s| !s.is_empty());
        match (needs_translation(id), translated) {
            (true, Some(_)) => coverage.translated += 1,
            (true, None) if found.is_some_and(|m| m.is_fuzzy()) => coverage.problems.push(format!(
                "{}: changed in Chinese since it was translated (fuzzy): “{}”",
                message.source(),
                short(id)
            )),
            (true, None) => coverage.problems.push(format!(
                "{}: not translated: “{}”",
                message.source(),
                short(id)
            )),
            (false, Some(s)) if id.starts_with('"') && s != id => coverage.problems.push(format!(
                "{}: a string literal is translated, but the code must stay as tested: “{}”",
                message.source(),
                short(id)
            )),
            _ => {}
        }
    }
    for message in po.messages() {
        let id = message.msgid();
        if !id.is_empty() && pot.find_message(None, id, None).is_none() {
            coverage.problems.push(format!(
                "no longer in the sources (merge with `cargo xtask po`): “{}”",
                short(id)
            ));
        }
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;
    use polib::message::{Message, MessageFlags};

    fn message(id: &str, translation: &str, fuzzy: bool) -> Message {
        let mut flags = MessageFlags::new();
        if fuzzy {
            flags.add_flag("fuzzy");
        }
        Message::build_singular()
            .with_source("src/ch01-coin.md".into())
            .with_msgid(id.into())
            .with_msgstr(translation.into())
            .with_flags(flags)
            .done()
    }

    fn catalogue(messages: Vec<Message>) -> Catalog {
        let mut catalog = Catalog::new(polib::metadata::CatalogMetadata::new());
        for m in messages {
            catalog.append_or_update(m);
        }
        catalog
    }

    #[test]
    fn coverage_names_each_way_a_translation_falls_behind() {
        let pot = catalogue(vec![
            message("熵", "", false),
            message("惊讶度", "", false),
            message("交叉熵", "", false),
            message("\"出错了：{e}\"", "", false),
            message("`$-\\ln 0.6$`", "", false),
        ]);
        let po = catalogue(vec![
            message("熵", "entropy", false),
            message("惊讶度", "surprise", true),
            message("\"出错了：{e}\"", "\"error: {e}\"", false),
            message("独热", "one-hot", false),
        ]);
        let coverage = coverage(&pot, &po);
        assert_eq!(coverage.translated, 1, "{:?}", coverage.problems);
        let problems = coverage.problems.join("\n");
        assert_eq!(coverage.problems.len(), 4, "{problems}");
        assert!(problems.contains("(fuzzy): “惊讶度”"), "{problems}");
        assert!(problems.contains("not translated: “交叉熵”"), "{problems}");
        assert!(
            problems.contains("a string literal is translated"),
            "{problems}"
        );
        assert!(problems.contains("no longer in the sources"), "{problems}");
        assert!(problems.contains("“独热”"), "{problems}");
    }

    #[test]
    fn catalogues_are_read_from_po() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert_eq!(catalogue_path(&root, "en"), root.join("po/en.po"));
        let english = read_catalogue(&catalogue_path(&root, "en")).unwrap();
        let preface = english.find_message(None, "前言", None).unwrap();
        assert_eq!(preface.msgstr().unwrap(), "Preface");
        let missing = read_catalogue(&root.join("po/xx.po")).err().unwrap();
        assert!(missing.to_string().contains("po/xx.po"), "{missing}");
    }

    #[test]
    fn the_library_is_the_pinned_mdbook_gettext() {
        // Tests translate with the library; the book is built by the pinned binaries: the
        // two must be one version, or a page would be translated differently here.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
        let pin = crate::notebooks::locked_version(&root, "mdbook-i18n-helpers").unwrap();
        assert!(lock.contains("name = \"mdbook-i18n-helpers\""));
        let tools = std::fs::read_to_string(root.join("xtask/src/tools.rs")).unwrap();
        assert!(
            tools.contains(&format!(
                "krate: \"mdbook-i18n-helpers\",\n        version: \"{pin}\""
            )),
            "xtask/src/tools.rs does not pin mdbook-i18n-helpers {pin}, the version of Cargo.lock"
        );
    }
}
