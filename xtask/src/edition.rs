//! The translated editions as the tests and the notebooks read them, and what keeps a
//! translation in step with the Chinese source.
//!
//! The book is built by mdbook-gettext (see `book.toml`); this module does the same
//! translation with the same library, `mdbook_i18n_helpers`, on one page's Markdown at a
//! time, so that `tests/numbers.rs` can check the English pages' numbers and
//! `cargo xtask notebooks` can make the English notebooks. TeX is guarded around the
//! translation exactly as `preprocessors/math.py` guards it for the build (a test checks
//! the two agree on every page).

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
}

/// The languages of the translated editions, as `book.toml` lists them: one table
/// `[preprocessor.editions.<language>]` each.
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
    pub fn load(root: &Path, language: &str) -> Result<Translation> {
        Ok(Translation {
            language: language.to_string(),
            catalog: read_catalogue(&catalogue_path(root, language))?,
        })
    }

    /// An edition with nothing translated yet: each page comes back as it is, through the
    /// same round trip as a translated one.
    pub fn empty(language: &str) -> Translation {
        Translation {
            language: language.to_string(),
            catalog: Catalog::new(polib::metadata::CatalogMetadata::new()),
        }
    }

    /// A page's Markdown in this edition: every paragraph, heading, list item and table
    /// cell that the catalogue translates, translated; code blocks and `{{#include}}`
    /// lines as they are.
    pub fn markdown(&self, source: &str) -> Result<String> {
        let guarded = guard(source)?;
        let events = extract_events(&guarded, None);
        let translated = translate_events(&events, &self.catalog)
            .map_err(|e| anyhow!("translating a page: {e:?}"))?;
        let (markdown, _) = reconstruct_markdown(&translated, None)
            .map_err(|e| anyhow!("writing a translated page back as Markdown: {e:?}"))?;
        Ok(unguard(&markdown))
    }

    /// A listing's code in this edition: its comments translated, its code untouched.
    pub fn code(&self, language: &str, code: &str) -> Result<String> {
        let block = format!("```{language}\n{code}\n```\n");
        let translated = self.markdown(&block)?;
        let body = translated
            .trim_end()
            .strip_prefix(&format!("```{language}\n"))
            .and_then(|rest| rest.strip_suffix("```"))
            .ok_or_else(|| anyhow!("a translated code block came back reshaped:\n{translated}"))?;
        Ok(body.strip_suffix('\n').unwrap_or(body).to_string())
    }
}

static FENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)").expect("valid regex"));
static INLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<code>`+)|\$(?P<math>[^$\n]+?)\$").expect("valid regex"));
static GUARDED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`\$(?P<math>[^`\n]+?)\$`").expect("valid regex"));
static DISPLAY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<indent>[ \t]*)`\$\$(?P<math>[^`\n]+)\$\$`$").expect("valid regex")
});
static WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\x{4e00}-\x{9fff}]").expect("valid regex"));

/// Whether `line` closes the fence `fence` opened.
fn closes(line: &str, fence: &str) -> bool {
    FENCE.captures(line).is_some_and(|c| {
        c["fence"].starts_with(fence) && line.trim()[c["fence"].len()..].trim().is_empty()
    })
}

/// One line of prose with its inline formulas hidden in code spans; code spans (any run
/// of backticks up to the same run) are left alone.
fn guard_line(line: &str) -> Result<String> {
    let mut out = String::new();
    let mut at = 0;
    while let Some(m) = INLINE.captures_at(line, at) {
        let whole = m.get(0).expect("a match");
        out.push_str(&line[at..whole.start()]);
        if let Some(ticks) = m.name("code") {
            let rest = &line[ticks.end()..];
            let end = rest
                .find(ticks.as_str())
                .map_or(line.len(), |e| ticks.end() + e + ticks.len());
            out.push_str(&line[whole.start()..end]);
            at = end;
        } else {
            let math = &m["math"];
            if math.contains('`') {
                bail!("a backtick inside the formula ${math}$ cannot be guarded");
            }
            out.push_str(&format!("`${math}$`"));
            at = whole.end();
        }
    }
    out.push_str(&line[at..]);
    Ok(out)
}

/// The TeX of a page hidden in code, which CommonMark keeps byte for byte: what
/// `preprocessors/math.py guard` does (its docstring says why and how).
///
/// ```
/// let page = "若 $p = 0.9$：\n\n$$\n-\\ln 0.9\n$$\n";
/// let guarded = xtask::edition::guard(page).unwrap();
/// assert_eq!(guarded, "若 `$p = 0.9$`：\n\n```math\n-\\ln 0.9\n```\n");
/// assert_eq!(xtask::edition::unguard(&guarded), page);
/// ```
pub fn guard(text: &str) -> Result<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::new();
    let (mut fence, mut display): (Option<String>, Option<String>) = (None, None);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(open) = &fence {
            if closes(line, open) {
                fence = None;
            }
            out.push(line.to_string());
        } else if let Some(indent) = &display {
            if line.trim() == "$$" {
                out.push(format!("{indent}```"));
                display = None;
            } else {
                out.push(line.to_string());
            }
        } else if let Some(c) = FENCE.captures(line) {
            fence = Some(c["fence"].to_string());
            out.push(line.to_string());
        } else if line.trim() == "$$" {
            let indent = &line[..line.len() - line.trim_start().len()];
            let tex = lines.get(i).copied().unwrap_or_default();
            let one_line = lines.get(i + 1).is_some_and(|l| l.trim() == "$$");
            if one_line && WORDS.is_match(tex) && !tex.contains('`') {
                out.push(format!("{indent}`$${}$$`", tex.trim()));
                i += 2;
            } else {
                display = Some(indent.to_string());
                out.push(format!("{indent}```math"));
            }
        } else {
            out.push(guard_line(line)?);
        }
    }
    if display.is_some() {
        bail!("a display formula opened by $$ is never closed");
    }
    Ok(out.join("\n"))
}

/// The reverse of [`guard`]: `preprocessors/math.py unguard`.
pub fn unguard(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let (mut fence, mut display): (Option<String>, Option<String>) = (None, None);
    for line in text.split('\n') {
        let opening = FENCE.captures(line);
        if let Some(indent) = &display {
            if opening
                .as_ref()
                .is_some_and(|c| line.trim()[c["fence"].len()..].trim().is_empty())
            {
                out.push(format!("{indent}$$"));
                display = None;
            } else {
                out.push(line.to_string());
            }
        } else if let Some(open) = &fence {
            if closes(line, open) {
                fence = None;
            }
            out.push(line.to_string());
        } else if let Some(c) = opening {
            if line.trim()[c["fence"].len()..].trim() == "math" {
                display = Some(c["indent"].to_string());
                out.push(format!("{}$$", &c["indent"]));
            } else {
                fence = Some(c["fence"].to_string());
                out.push(line.to_string());
            }
        } else if let Some(c) = DISPLAY_LINE.captures(line) {
            let indent = &c["indent"];
            out.push(format!("{indent}$$"));
            out.push(format!("{indent}{}", &c["math"]));
            out.push(format!("{indent}$$"));
        } else {
            out.push(GUARDED.replace_all(line, "$$$math$$").into_owned());
        }
    }
    out.join("\n")
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
