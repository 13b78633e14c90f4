//! A chapter's Markdown turned into cells: prose, listings with the output they must print,
//! figures drawn live, and the closing cell of the chapter's quoted numbers.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use listings::machinery::layout::anchor;

use super::{Edition, Expect, read};

/// One cell of a notebook, before it becomes JSON.
pub(super) enum Cell {
    Markdown(String),
    Code { source: String, expect: Expect },
}

/// `{{#include path:anchor}}` → (path, anchor), read by the book's one include parser.
fn include(line: &str) -> Option<(&str, Option<&str>)> {
    listings::machinery::layout::include::parse_line(line).map(|i| (i.path, i.anchor))
}

/// Resolves an include relative to `src/`.
fn resolve(root: &Path, path: &str, name: Option<&str>) -> Result<String> {
    let file = root.join("src").join(path);
    let text = read(&file)?;
    match name {
        Some(a) => anchor::region(&text, a).with_context(|| format!("{path} has no anchor {a}")),
        None => Ok(text.trim_end_matches('\n').to_string()),
    }
}

/// Chapter links point at the notebooks instead, links to the book's other pages (the
/// Rust primer, the glossary) at their Markdown in `src/` (a translated notebook: at the
/// built page of its edition, `book/<language>/`); figures are drawn by cells. An
/// exercise's collapsed answer (`<details>`) cannot span cells in Jupyter, so its
/// summary becomes a bold line and the answer's code a cell of its own.
fn jupyter_markdown(line: &str, edition: &Edition) -> String {
    match line.trim() {
        "<details>" | "</details>" => return String::new(),
        l if l.starts_with("<summary>") && l.ends_with("</summary>") => {
            return format!(
                "**{}**",
                &l["<summary>".len()..l.len() - "</summary>".len()]
            );
        }
        _ => {}
    }
    static LINK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\]\(ch(\d\d-[\w-]+)\.md\)").expect("valid regex")
    });
    static PAGE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\]\(([\w-]+)\.md((?:#[^)]*)?)\)").expect("valid regex")
    });
    let line = LINK.replace_all(line, "]($1.ipynb)");
    let page = match edition {
        Edition::Chinese => "](../src/$1.md$2)".to_string(),
        Edition::Translated(t) => format!("](../../book/{}/$1.html$2)", t.language),
    };
    PAGE.replace_all(&line, page.as_str()).into_owned()
}

pub(super) fn cells_of(
    root: &Path,
    chapter: &str,
    markdown: &str,
    edition: &Edition,
) -> Result<Vec<Cell>> {
    let image = regex::Regex::new(r"^!\[([^\]]*)\]\(figures/(?:[\w-]+/)?([\w-]+)\.svg\)$")
        .expect("valid regex");
    let mut cells = Vec::new();
    let mut prose: Vec<String> = Vec::new();
    let flush = |prose: &mut Vec<String>, cells: &mut Vec<Cell>| {
        let text = prose.join("\n").trim().to_string();
        if !text.is_empty() {
            cells.push(Cell::Markdown(text));
        }
        prose.clear();
    };
    let lines: Vec<&str> = markdown.lines().collect();
    let mut summary = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(lang) = line.strip_prefix("```") {
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with("```"))
                .map(|p| i + 1 + p)
                .ok_or_else(|| anyhow!("{chapter}: unclosed code block at line {}", i + 1))?;
            let body = &lines[i + 1..end];
            let listing = body
                .iter()
                .find_map(|l| include(l))
                .filter(|(p, _)| p.contains("listings/tests/chapters/"));
            match (lang, listing) {
                ("rust", Some((path, Some(anchor)))) => {
                    flush(&mut prose, &mut cells);
                    let source = match edition {
                        Edition::Chinese => resolve(root, path, Some(anchor))?,
                        Edition::Translated(t) => {
                            t.code("rust", &resolve(root, path, Some(anchor))?)?
                        }
                    };
                    // What the cell must print is the output file the book shows for
                    // this region; the book's ```text block for it is dropped below.
                    let output = root
                        .join("listings/output")
                        .join(chapter)
                        .join(format!("{anchor}.txt"));
                    let stdout = if output.exists() {
                        read(&output)?
                    } else {
                        String::new()
                    };
                    cells.push(Cell::Code {
                        source,
                        expect: Expect {
                            stdout,
                            display: None,
                            origin: format!("{path}:{anchor}"),
                        },
                    });
                    i = end + 1;
                    continue;
                }
                ("text", _) if printed_by_last_cell(&cells, body) => {
                    // A listing's output: the kernel prints it itself.
                    i = end + 1;
                    continue;
                }
                _ => {
                    prose.push(line.to_string());
                    for l in body {
                        match include(l) {
                            Some((path, anchor)) => prose.push(resolve(root, path, anchor)?),
                            None => prose.push(l.to_string()),
                        }
                    }
                    prose.push(lines[end].to_string());
                    i = end + 1;
                    continue;
                }
            }
        }
        if let Some(cap) = image.captures(line) {
            flush(&mut prose, &mut cells);
            let figure = cap[2].replace('-', "_");
            let (caption, language) = match edition {
                Edition::Chinese => (
                    format!(
                        "**图：{}**（下面的单元格用 `listings::machinery::figures::{figure}` 现场画出）",
                        &cap[1]
                    ),
                    "Chinese",
                ),
                Edition::Translated(_) => (
                    format!(
                        "**Figure: {}** (drawn live by the cell below, with `listings::machinery::figures::{figure}`)",
                        &cap[1]
                    ),
                    "English",
                ),
            };
            cells.push(Cell::Markdown(caption));
            cells.push(Cell::Code {
                source: format!(
                    "let svg = listings::machinery::figures::{figure}(listings::machinery::figures::Language::{language})?;\nprintln!(\"EVCXR_BEGIN_CONTENT image/svg+xml\\n{{svg}}\\nEVCXR_END_CONTENT\");"
                ),
                expect: Expect { stdout: String::new(), display: Some("image/svg+xml"), origin: format!("figures/{}.svg", &cap[2]) },
            });
            i += 1;
            continue;
        }
        // An answer's summary on lines of its own (`<summary>`, its text, `</summary>`):
        // the text becomes the bold line, as in the one-line form.
        match line.trim() {
            "<summary>" => summary = true,
            "</summary>" => summary = false,
            text if summary && !text.is_empty() => prose.push(format!("**{text}**")),
            _ if summary => {}
            _ => prose.push(jupyter_markdown(line, edition)),
        }
        i += 1;
    }
    flush(&mut prose, &mut cells);
    Ok(cells)
}

/// Whether a ```text block only includes the output of the code cell just before it (which
/// the kernel prints itself). Output made by the book's machinery (chapter 6's tables, whose
/// code the chapter does not show) has no such cell and stays in the Markdown.
fn printed_by_last_cell(cells: &[Cell], body: &[&str]) -> bool {
    let Some(Cell::Code { expect, .. }) = cells.last() else {
        return false;
    };
    body.iter().filter_map(|l| include(l)).any(|(path, _)| {
        path.contains("../listings/output/")
            && path
                .rsplit('/')
                .next()
                .and_then(|file| file.strip_suffix(".txt"))
                .is_some_and(|anchor| expect.origin.ends_with(&format!(":{anchor}")))
    })
}

/// The last cell's code. It ends with a statement, not a block: evcxr would display a
/// block's `()`.
const NUMBERS_CELL: &str = r#"// COMMENT
let numbers = listings::machinery::quoted::chapter_lines("CHAPTER")?;
println!("{}", numbers.join("
"));"#;

/// The last cell: every number the chapter quotes, printed from `listings::machinery::quoted`.
pub(super) fn numbers_cell(chapter: &str, edition: &Edition) -> Result<Cell> {
    let lines = listings::machinery::quoted::chapter_lines(chapter)
        .context("computing the quoted numbers")?;
    let stdout: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let comment = match edition {
        Edition::Chinese => {
            "本章正文引用的每一个数字，都由 listings::machinery::quoted 中的代码算出"
        }
        Edition::Translated(_) => {
            "Every number this chapter's text quotes, computed by listings::machinery::quoted"
        }
    };
    let source = NUMBERS_CELL
        .replace("CHAPTER", chapter)
        .replace("COMMENT", comment);
    Ok(Cell::Code {
        source,
        expect: Expect {
            stdout,
            display: None,
            origin: "listings::machinery::quoted".into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_other_pages_open_their_markdown() {
        assert_eq!(
            jupyter_markdown(
                "见[怎么读](rust-primer.md#问号与-result)与[第 2 章](ch09-example.md)",
                &Edition::Chinese
            ),
            "见[怎么读](../src/rust-primer.md#问号与-result)与[第 2 章](09-example.ipynb)"
        );
        let english = Edition::Translated(xtask_translation());
        assert_eq!(
            jupyter_markdown(
                "See [the primer](rust-primer.md#the-question-mark) and [Chapter 2](ch02-one-hot.md)",
                &english
            ),
            "See [the primer](../../book/en/rust-primer.html#the-question-mark) and [Chapter 2](02-one-hot.ipynb)"
        );
    }

    fn xtask_translation() -> &'static crate::edition::Translation {
        static EMPTY: std::sync::LazyLock<crate::edition::Translation> =
            std::sync::LazyLock::new(|| {
                let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
                crate::edition::Translation::empty(&root, "en")
            });
        &EMPTY
    }

    #[test]
    fn names_and_links() {
        assert_eq!(super::super::file_name("ch03-fused"), "03-fused.ipynb");
        assert_eq!(
            jupyter_markdown("见[第 1 章](ch01-coin.md)。", &Edition::Chinese),
            "见[第 1 章](01-coin.ipynb)。"
        );
        assert_eq!(
            jupyter_markdown("<summary>参考答案</summary>", &Edition::Chinese),
            "**参考答案**"
        );
        assert_eq!(jupyter_markdown("</details>", &Edition::Chinese), "");
        assert_eq!(
            include("{{#include ../a.rs:x}}"),
            Some(("../a.rs", Some("x")))
        );
    }
}
