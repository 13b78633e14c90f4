//! Notebooks, generated from the chapters: one `notebooks/NN-<name>.ipynb` per chapter.
//!
//! - the chapter's prose becomes Markdown cells (math stays `$…$`, which Jupyter renders);
//! - each region included from `listings/tests/chapters/` becomes a code cell, whose
//!   expected stdout (in the cell's metadata) is the `listings/output/` file the book shows
//!   after it; the output block itself is dropped, since the kernel prints it;
//! - library code included from `listings/src/` stays a Rust block in the Markdown (the
//!   notebook uses it through the crate, it does not redefine it);
//! - each figure is drawn live by a cell, through evcxr's `EVCXR_BEGIN_CONTENT` protocol;
//! - a first cell brings in the crate, a last one prints every number the chapter quotes.
//!
//! Generated notebooks carry no outputs. `tests/notebooks.rs` fails when a committed one
//! differs from what this code generates now.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// A generated notebook: where it goes and its JSON text.
pub struct Notebook {
    pub path: PathBuf,
    pub json: String,
}

/// What a code cell is expected to produce when executed.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// Exactly what it prints to stdout.
    pub stdout: String,
    /// The MIME type of a rich output it must display, if any (a figure).
    pub display: Option<&'static str>,
    /// Where the cell comes from, for messages.
    pub origin: String,
}

enum Cell {
    Markdown(String),
    Code { source: String, expect: Expect },
}

/// The text between `ANCHOR: name` and `ANCHOR_END: name`, without anchor lines, dedented.
pub fn region(text: &str, anchor: &str) -> Option<String> {
    let start = format!("ANCHOR: {anchor}");
    let end = format!("ANCHOR_END: {anchor}");
    let mut lines = text.lines().skip_while(|l| !l.trim_end().ends_with(&start));
    lines.next()?;
    let mut body = Vec::new();
    for line in lines {
        if line.trim_end().ends_with(&end) {
            return Some(dedent(&body));
        }
        if !line.contains("ANCHOR: ") && !line.contains("ANCHOR_END: ") {
            body.push(line);
        }
    }
    None
}

fn dedent(lines: &[&str]) -> String {
    let cut = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| if l.trim().is_empty() { "" } else { &l[cut..] })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `{{#include path:anchor}}` → (path, anchor).
fn include(line: &str) -> Option<(&str, Option<&str>)> {
    let inner = line
        .trim()
        .strip_prefix("{{#include ")?
        .strip_suffix("}}")?;
    Some(match inner.split_once(':') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (inner, None),
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Resolves an include relative to `src/`.
fn resolve(root: &Path, path: &str, anchor: Option<&str>) -> Result<String, String> {
    let file = root.join("src").join(path);
    let text = read(&file)?;
    match anchor {
        Some(a) => region(&text, a).ok_or_else(|| format!("{path}: no anchor {a}")),
        None => Ok(text.trim_end_matches('\n').to_string()),
    }
}

/// The exact version `listings` resolves `name` to, from `Cargo.lock`.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
/// let ndarray = xtask::notebooks::locked_version(root, "ndarray").unwrap();
/// assert!(ndarray.starts_with("0.17."), "{ndarray}");
/// assert!(xtask::notebooks::locked_version(root, "no-such-crate").is_err());
/// ```
pub fn locked_version(root: &Path, name: &str) -> Result<String, String> {
    let lock = read(&root.join("Cargo.lock"))?;
    let header = format!("name = \"{name}\"\nversion = \"");
    let at = lock
        .find(&header)
        .ok_or_else(|| format!("{name} is not in Cargo.lock"))?
        + header.len();
    Ok(lock[at..].split('"').next().unwrap_or_default().to_string())
}

/// The notebook file name of a chapter: `ch03-fused` → `03-fused.ipynb`.
pub fn file_name(chapter: &str) -> String {
    format!("{}.ipynb", chapter.trim_start_matches("ch"))
}

/// Chapter links point at the notebooks instead, links to the book's other pages (the
/// Rust primer, the glossary) at their Markdown in `src/`; figures are drawn by cells. An
/// exercise's collapsed answer (`<details>`) cannot span cells in Jupyter, so its
/// summary becomes a bold line and the answer's code a cell of its own.
fn jupyter_markdown(line: &str) -> String {
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
        regex::Regex::new(r"\]\(((?:[\w-]+)\.md(?:#[^)]*)?)\)").expect("valid regex")
    });
    let line = LINK.replace_all(line, "]($1.ipynb)");
    PAGE.replace_all(&line, "](../src/$1)").into_owned()
}

fn cells_of(root: &Path, chapter: &str, markdown: &str) -> Result<Vec<Cell>, String> {
    let image =
        regex::Regex::new(r"^!\[([^\]]*)\]\(figures/([\w-]+)\.svg\)$").expect("valid regex");
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
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(lang) = line.strip_prefix("```") {
            let end = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with("```"))
                .map(|p| i + 1 + p)
                .ok_or_else(|| format!("{chapter}: unclosed code block at line {}", i + 1))?;
            let body = &lines[i + 1..end];
            let listing = body
                .iter()
                .find_map(|l| include(l))
                .filter(|(p, _)| p.contains("listings/tests/chapters/"));
            match (lang, listing) {
                ("rust", Some((path, Some(anchor)))) => {
                    flush(&mut prose, &mut cells);
                    let source = resolve(root, path, Some(anchor))?;
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
            cells.push(Cell::Markdown(format!(
                "**图：{}**（下面的单元格用 `listings::machinery::figures::{figure}` 现场画出）",
                &cap[1]
            )));
            cells.push(Cell::Code {
                source: format!(
                    "let svg = listings::machinery::figures::{figure}()?;\nprintln!(\"EVCXR_BEGIN_CONTENT image/svg+xml\\n{{svg}}\\nEVCXR_END_CONTENT\");"
                ),
                expect: Expect { stdout: String::new(), display: Some("image/svg+xml"), origin: format!("figures/{}.svg", &cap[2]) },
            });
            i += 1;
            continue;
        }
        prose.push(jupyter_markdown(line));
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
const NUMBERS_CELL: &str = r#"// 本章正文引用的每一个数字，都由 listings::machinery::quoted 中的代码算出
let numbers: Vec<String> = listings::machinery::quoted::registry()?
    .iter()
    .filter(|q| q.chapter == "CHAPTER")
    .map(|q| {
        let values: Vec<String> = q.values.iter().map(|v| format!("{v:.4}")).collect();
        format!("{}: {}", q.name, values.join(", "))
    })
    .collect();
println!("{}", numbers.join("
"));"#;

/// The last cell: every number the chapter quotes, printed from `listings::machinery::quoted`.
fn numbers_cell(chapter: &str) -> Result<Cell, String> {
    let registry = listings::machinery::quoted::registry().map_err(|e| e.to_string())?;
    let mut stdout = String::new();
    for q in registry.iter().filter(|q| q.chapter == chapter) {
        let values: Vec<String> = q.values.iter().map(|v| format!("{v:.4}")).collect();
        stdout.push_str(&format!("{}: {}\n", q.name, values.join(", ")));
    }
    let source = NUMBERS_CELL.replace("CHAPTER", chapter);
    Ok(Cell::Code {
        source,
        expect: Expect {
            stdout,
            display: None,
            origin: "listings::machinery::quoted".into(),
        },
    })
}

fn source_lines(text: &str) -> Value {
    let lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    json!(lines)
}

fn to_json(chapter: &str, cells: Vec<Cell>) -> Value {
    let cells: Vec<Value> = cells
        .into_iter()
        .enumerate()
        .map(|(n, cell)| {
            let id = format!("{chapter}-{n:03}");
            match cell {
                Cell::Markdown(text) => json!({"cell_type": "markdown", "id": id, "metadata": {}, "source": source_lines(&text)}),
                Cell::Code { source, expect } => json!({
                    "cell_type": "code",
                    "execution_count": null,
                    "id": id,
                    "metadata": {"book": {"expected_stdout": expect.stdout, "expected_display": expect.display, "origin": expect.origin}},
                    "outputs": [],
                    "source": source_lines(&source),
                }),
            }
        })
        .collect();
    json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"},
            "language_info": {"codemirror_mode": "rust", "file_extension": ".rs", "mimetype": "text/rust", "name": "Rust", "pygment_lexer": "rust", "version": ""}
        },
        "nbformat": 4,
        "nbformat_minor": 5
    })
}

/// The chapters of `src/SUMMARY.md` that are numbered (`chNN-…`), in order.
pub fn chapters(root: &Path) -> Result<Vec<String>, String> {
    let summary = read(&root.join("src/SUMMARY.md"))?;
    let link = regex::Regex::new(r"\]\((ch\d\d-[\w-]+)\.md\)").expect("valid regex");
    Ok(link
        .captures_iter(&summary)
        .map(|c| c[1].to_string())
        .collect())
}

/// Each numbered chapter of `src/SUMMARY.md` with its title, in order: `("ch01-coin", "…")`.
pub fn chapter_titles(root: &Path) -> Result<Vec<(String, String)>, String> {
    let summary = read(&root.join("src/SUMMARY.md"))?;
    let link = regex::Regex::new(r"\[([^\]]+)\]\((ch\d\d-[\w-]+)\.md\)").expect("valid regex");
    Ok(link
        .captures_iter(&summary)
        .map(|c| (c[2].to_string(), c[1].to_string()))
        .collect())
}

const TABLE_BEGIN: &str = "<!-- notebooks: generated by `cargo xtask notebooks` -->";
const TABLE_END: &str = "<!-- /notebooks -->";

/// `notebooks/README.md` with its table of notebooks rewritten from `src/SUMMARY.md`, so
/// that the list never misses a chapter.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
/// let readme = xtask::notebooks::readme(root).unwrap();
/// assert!(readme.json.contains("| `01-coin.ipynb` | 1 "));
/// ```
pub fn readme(root: &Path) -> Result<Notebook, String> {
    let path = root.join("notebooks/README.md");
    let text = read(&path)?;
    let (before, rest) = text
        .split_once(TABLE_BEGIN)
        .ok_or_else(|| format!("{}: no line {TABLE_BEGIN}", path.display()))?;
    let (_, after) = rest
        .split_once(TABLE_END)
        .ok_or_else(|| format!("{}: no line {TABLE_END}", path.display()))?;
    let mut table = format!("{TABLE_BEGIN}\n| 笔记本 | 章节 |\n| --- | --- |\n");
    for (number, (chapter, title)) in chapter_titles(root)?.iter().enumerate() {
        table.push_str(&format!(
            "| `{}` | {} {title} |\n",
            file_name(chapter),
            number + 1
        ));
    }
    Ok(Notebook {
        path,
        json: format!("{before}{table}{TABLE_END}{after}"),
    })
}

/// Every notebook, generated now.
pub fn generate(root: &Path) -> Result<Vec<Notebook>, String> {
    let ndarray = locked_version(root, "ndarray")?;
    let mut notebooks = Vec::new();
    for chapter in chapters(root)? {
        let markdown = read(&root.join("src").join(format!("{chapter}.md")))?;
        let mut cells = vec![Cell::Markdown(format!(
            "> 本笔记本由 `cargo xtask notebooks` 从 `src/{chapter}.md` 和 `listings` 生成，请勿手改。\n\
             > 运行环境：evcxr Rust 内核（`cargo xtask jupyter`）。\n\
             >\n\
             > 下面第一个代码单元格会先编译本书的 `listings` crate 及其依赖：第一次要等一两分钟（之后同一台机器上只需几秒），请耐心等它完成。"
        ))];
        cells.push(Cell::Code {
            source: format!(
                ":dep listings = {{ path = \"../listings\" }}\n:dep ndarray = \"={ndarray}\""
            ),
            expect: Expect {
                stdout: String::new(),
                display: None,
                origin: "dependencies".into(),
            },
        });
        cells.extend(cells_of(root, &chapter, &markdown)?);
        cells.push(Cell::Markdown("## 本章引用的数字".into()));
        cells.push(numbers_cell(&chapter)?);
        let value = to_json(&chapter, cells);
        let mut json = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        json.push('\n');
        notebooks.push(Notebook {
            path: root.join("notebooks").join(file_name(&chapter)),
            json,
        });
    }
    Ok(notebooks)
}

/// The expectations of every code cell of a notebook, in order (for the executor's tests).
pub fn expectations(json: &str) -> Result<Vec<Expect>, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let cells = value["cells"].as_array().ok_or("no cells")?;
    Ok(cells
        .iter()
        .filter(|c| c["cell_type"] == "code")
        .map(|c| Expect {
            stdout: c["metadata"]["book"]["expected_stdout"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            display: c["metadata"]["book"]["expected_display"]
                .as_str()
                .map(|_| "image/svg+xml"),
            origin: c["metadata"]["book"]["origin"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_drop_nested_anchors_and_indentation() {
        let text = "fn f() {\n    // ANCHOR: a\n    let x = 1;\n    // ANCHOR: b\n        x + 1;\n    // ANCHOR_END: b\n    // ANCHOR_END: a\n}\n";
        assert_eq!(region(text, "a").unwrap(), "let x = 1;\n    x + 1;");
        assert_eq!(region(text, "b").unwrap(), "x + 1;");
        assert!(region(text, "c").is_none());
    }

    #[test]
    fn links_to_other_pages_open_their_markdown() {
        assert_eq!(
            jupyter_markdown(
                "见[怎么读](rust-primer.md#问号与-result)与[第 2 章](ch09-example.md)"
            ),
            "见[怎么读](../src/rust-primer.md#问号与-result)与[第 2 章](09-example.ipynb)"
        );
    }

    #[test]
    fn names_and_links() {
        assert_eq!(file_name("ch03-fused"), "03-fused.ipynb");
        assert_eq!(
            jupyter_markdown("见[第 1 章](ch01-coin.md)。"),
            "见[第 1 章](01-coin.ipynb)。"
        );
        assert_eq!(
            jupyter_markdown("<summary>参考答案</summary>"),
            "**参考答案**"
        );
        assert_eq!(jupyter_markdown("</details>"), "");
        assert_eq!(
            include("{{#include ../a.rs:x}}"),
            Some(("../a.rs", Some("x")))
        );
    }
}
