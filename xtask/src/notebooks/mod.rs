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
//! Each translated edition has its notebooks too, `notebooks/<language>/NN-<name>.ipynb`,
//! made the same way from the translated page (`crate::edition`): its prose and its
//! listings' comments translated, its code and expected output the tested ones.
//!
//! Generated notebooks carry no outputs. `tests/notebooks.rs` fails when a committed one
//! differs from what this code generates now.

mod cells;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use listings::machinery::layout::{self, Page};
use serde_json::{Value, json};

use crate::edition::{self, Translation};
use cells::{Cell, cells_of, numbers_cell};

/// The edition a notebook belongs to: the Chinese source, or a translation of it.
pub(crate) enum Edition<'a> {
    Chinese,
    Translated(&'a Translation),
}

/// A generated file: where it goes and its text (a notebook's JSON, or the README's
/// Markdown).
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

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The exact version `listings` resolves `name` to, from `Cargo.lock`.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
/// let ndarray = xtask::notebooks::locked_version(root, "ndarray").unwrap();
/// assert!(ndarray.starts_with("0.17."), "{ndarray}");
/// assert!(xtask::notebooks::locked_version(root, "no-such-crate").is_err());
/// ```
pub fn locked_version(root: &Path, name: &str) -> Result<String> {
    let lock = read(&root.join("Cargo.lock"))?;
    let header = format!("name = \"{name}\"\nversion = \"");
    let at = lock
        .find(&header)
        .with_context(|| format!("{name} is not in Cargo.lock"))?
        + header.len();
    Ok(lock[at..].split('"').next().unwrap_or_default().to_string())
}

/// The notebook file name of a chapter: `ch03-fused` → `03-fused.ipynb`.
pub fn file_name(chapter: &str) -> String {
    format!("{}.ipynb", chapter.trim_start_matches("ch"))
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

/// The numbered chapters of `src/SUMMARY.md`, in order: one notebook each.
///
/// ```
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
/// let chapters = xtask::notebooks::chapters(root).unwrap();
/// assert_eq!(chapters[0].stem, "ch01-coin");
/// ```
pub fn chapters(root: &Path) -> Result<Vec<Page>> {
    layout::chapters(root).context("reading the chapters from src/SUMMARY.md")
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
pub fn readme(root: &Path) -> Result<Notebook> {
    let path = root.join("notebooks/README.md");
    let text = read(&path)?;
    let Some((before, rest)) = text.split_once(TABLE_BEGIN) else {
        bail!("{}: no line {TABLE_BEGIN}", path.display());
    };
    let Some((_, after)) = rest.split_once(TABLE_END) else {
        bail!("{}: no line {TABLE_END}", path.display());
    };
    let mut table = format!("{TABLE_BEGIN}\n| 笔记本 | 章节 |\n| --- | --- |\n");
    for (number, chapter) in chapters(root)?.iter().enumerate() {
        table.push_str(&format!(
            "| `{}` | {} {} |\n",
            file_name(&chapter.stem),
            number + 1,
            chapter.title
        ));
    }
    Ok(Notebook {
        path,
        json: format!("{before}{table}{TABLE_END}{after}"),
    })
}

/// Every notebook, generated now: the Chinese ones, then each translated edition's.
pub fn generate(root: &Path) -> Result<Vec<Notebook>> {
    let mut notebooks = generate_edition(root, &Edition::Chinese)?;
    for language in edition::languages(root)? {
        let translation = Translation::load(root, &language)?;
        notebooks.extend(generate_edition(root, &Edition::Translated(&translation))?);
    }
    Ok(notebooks)
}

/// The other generated files of `notebooks/`: the README's table, and for each translated
/// edition its folder's README and `evcxr.toml` (the kernel reads its settings from the
/// notebook's folder: the same settings).
pub fn companions(root: &Path) -> Result<Vec<Notebook>> {
    let mut files = vec![readme(root)?];
    for language in edition::languages(root)? {
        let translation = Translation::load(root, &language)?;
        let folder = root.join("notebooks").join(&language);
        files.push(Notebook {
            path: folder.join("evcxr.toml"),
            json: read(&root.join("notebooks/evcxr.toml"))?,
        });
        let mut text = String::from(
            "# The notebooks of the English edition\n\n\
             One Jupyter notebook per chapter, on the evcxr Rust kernel: generated by `cargo xtask notebooks` from the chapters, their translation (`po/",
        );
        text.push_str(&format!(
            "{language}.po`) and `listings`, and executed cell by cell by `cargo xtask test`, like the Chinese ones in `notebooks/` (see its README). `cargo xtask jupyter` opens JupyterLab on `notebooks/`; this edition's notebooks are in the folder `{language}/`. Do not edit them by hand.\n\n| Notebook | Chapter |\n| --- | --- |\n"
        ));
        for (number, chapter) in chapters(root)?.iter().enumerate() {
            let title = translation.markdown(&chapter.title)?;
            text.push_str(&format!(
                "| `{}` | {} {} |\n",
                file_name(&chapter.stem),
                number + 1,
                title.trim()
            ));
        }
        files.push(Notebook {
            path: folder.join("README.md"),
            json: text,
        });
    }
    Ok(files)
}

/// The words of a notebook around the chapter's own: the opening note, the numbers' title.
fn frame(chapter: &str, edition: &Edition) -> (String, &'static str) {
    match edition {
        Edition::Chinese => (
            format!(
                "> 本笔记本由 `cargo xtask notebooks` 从 `src/{chapter}.md` 和 `listings` 生成，请勿手改。\n\
                 > 运行环境：evcxr Rust 内核（`cargo xtask jupyter`）。\n\
                 >\n\
                 > 下面第一个代码单元格加载本书的 `listings` crate 及其依赖，它们要先编译好。用 `cargo xtask jupyter` 打开时，编译在打开 JupyterLab 之前就做完了（在 2 核机器上第一次约两分钟），这个单元格只需几秒；用别的方式打开（例如自己启动的 Jupyter）、还没编译过时，这个单元格要等约两分钟，请等它完成（左边的 `[*]` 变成数字）再运行后面的单元格。用 `cargo xtask jupyter` 时，若另一个笔记本的内核还在运行（只关掉标签页不会停掉内核），新笔记本的内核会在另一个文件夹里自己编译一份，它的第一个单元格也要这样等一次；以后再用到那个文件夹就只需几秒。"
            ),
            "## 本章引用的数字",
        ),
        Edition::Translated(t) => (
            format!(
                "> This notebook is generated by `cargo xtask notebooks` from `src/{chapter}.md`, its translation `po/{}.po` and `listings`; do not edit it by hand.\n\
                 > It runs on the evcxr Rust kernel (`cargo xtask jupyter`). The programs print some labels in Chinese: they are the tested programs of the book, the same in every edition. Links to the book's other pages open the built English edition in `book/en/` (made by `cargo xtask build` or `cargo xtask serve`).\n\
                 >\n\
                 > The first code cell below loads the book's `listings` crate and its dependencies, which must be compiled first. Opened with `cargo xtask jupyter`, they are compiled before JupyterLab opens (about two minutes the first time on a 2-core machine), and this cell takes seconds; opened another way (your own Jupyter, say) before they are compiled, this cell takes about two minutes: wait until it is done (the `[*]` on its left turns into a number) before you run the cells after it. With `cargo xtask jupyter`, if another notebook's kernel is still running (closing its tab does not stop it), the new notebook's kernel compiles its own copy in another folder, and its first cell waits like this once; later uses of that folder take seconds.",
                t.language
            ),
            "## The numbers this chapter quotes",
        ),
    }
}

/// The notebooks of one edition.
fn generate_edition(root: &Path, edition: &Edition) -> Result<Vec<Notebook>> {
    let ndarray = locked_version(root, "ndarray")?;
    let (folder, listings) = match edition {
        Edition::Chinese => (root.join("notebooks"), "../listings".to_string()),
        Edition::Translated(t) => (
            root.join("notebooks").join(&t.language),
            "../../listings".to_string(),
        ),
    };
    let mut notebooks = Vec::new();
    for page in chapters(root)? {
        let chapter = page.stem.as_str();
        let source = read(&page.path)?;
        let markdown = match edition {
            Edition::Chinese => source,
            Edition::Translated(t) => t
                .markdown(&source)
                .with_context(|| format!("translating {}", page.path.display()))?,
        };
        let (opening, numbers) = frame(chapter, edition);
        let mut cells = vec![Cell::Markdown(opening)];
        cells.push(Cell::Code {
            source: format!(
                ":dep listings = {{ path = \"{listings}\" }}\n:dep ndarray = \"={ndarray}\""
            ),
            expect: Expect {
                stdout: String::new(),
                display: None,
                origin: "dependencies".into(),
            },
        });
        cells.extend(
            cells_of(root, chapter, &markdown, edition)
                .with_context(|| format!("making the cells of {}", page.path.display()))?,
        );
        cells.push(Cell::Markdown(numbers.into()));
        cells.push(numbers_cell(chapter, edition)?);
        let value = to_json(chapter, cells);
        let mut json = serde_json::to_string_pretty(&value)
            .with_context(|| format!("writing the notebook of {chapter} as JSON"))?;
        json.push('\n');
        notebooks.push(Notebook {
            path: folder.join(file_name(chapter)),
            json,
        });
    }
    Ok(notebooks)
}

/// The expectations of every code cell of a notebook, in order (for the executor's tests).
pub fn expectations(json: &str) -> Result<Vec<Expect>> {
    let value: Value = serde_json::from_str(json).context("parsing a notebook's JSON")?;
    let cells = value["cells"]
        .as_array()
        .context("the notebook has no list of cells")?;
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
