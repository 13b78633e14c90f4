//! The glossary (`src/glossary.md`) speaks of the book as it is: every term it lists is
//! used in the chapters, its last column (首次出现) links first to the chapter where the
//! term really first occurs, then perhaps to a later chapter that explains it in depth,
//! and every link it gives points at a numbered chapter that exists.

mod common;

use regex::Regex;

/// The header of the glossary's table: the last column is where a term first occurs.
const HEADER: [&str; 4] = ["术语", "英文", "符号 / 说明", "首次出现"];

/// One row of the glossary's table.
struct Row {
    line: usize,
    /// The Chinese term column, split at ` / ` (a term and its synonyms).
    terms: Vec<String>,
    /// The chapter files the last column links to, in the order written: first the
    /// chapter where the term first occurs, then any chapter that explains it further.
    chapters: Vec<String>,
}

fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

fn rows(markdown: &str) -> Vec<Row> {
    let link = Regex::new(r"\]\(([^)#]+\.md)(?:#[^)]*)?\)").expect("valid regex");
    markdown
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('|'))
        // The header and the `| --- |` rule are not terms.
        .skip(2)
        .map(|(i, l)| {
            let cells = cells(l);
            Row {
                line: i + 1,
                terms: cells[0]
                    .split(" / ")
                    .map(|t| t.trim().trim_matches('`').to_string())
                    .filter(|t| !t.is_empty())
                    .collect(),
                chapters: cells
                    .last()
                    .map(|c| link.captures_iter(c).map(|c| c[1].to_string()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The prose of the numbered chapters (`chNN-…`), by file name, in reading order.
fn chapters() -> Vec<(String, String)> {
    common::numbered()
        .into_iter()
        .map(|(stem, markdown)| {
            let prose: Vec<String> = common::prose(&markdown)
                .into_iter()
                .map(|(_, l)| l)
                .collect();
            (format!("{stem}.md"), prose.join("\n"))
        })
        .collect()
}

fn glossary_markdown() -> String {
    std::fs::read_to_string(common::path("src/glossary.md")).expect("glossary.md")
}

fn glossary() -> Vec<Row> {
    rows(&glossary_markdown())
}

#[test]
fn the_last_column_says_where_a_term_first_occurs() {
    let markdown = glossary_markdown();
    let header = markdown
        .lines()
        .find(|l| l.starts_with('|'))
        .expect("the glossary has a table");
    assert_eq!(cells(header), HEADER, "src/glossary.md: the table's header");
}

#[test]
fn the_glossary_has_its_terms() {
    let rows = glossary();
    assert!(
        rows.len() >= 35,
        "only {} rows: is the parser broken?",
        rows.len()
    );
    for row in &rows {
        assert!(
            !row.terms.is_empty(),
            "src/glossary.md:{}: no term",
            row.line
        );
        assert!(
            !row.chapters.is_empty(),
            "src/glossary.md:{}: no chapter link",
            row.line
        );
    }
}

#[test]
fn every_term_is_used_in_the_chapters() {
    let chapters = chapters();
    let mut unused = Vec::new();
    for row in glossary() {
        for term in &row.terms {
            if !chapters
                .iter()
                .any(|(_, prose)| prose.contains(term.as_str()))
            {
                unused.push(format!(
                    "src/glossary.md:{}: “{term}” occurs in no chapter",
                    row.line
                ));
            }
        }
    }
    assert!(unused.is_empty(), "\n{}\n", unused.join("\n"));
}

#[test]
fn every_term_occurs_in_a_chapter_its_row_links() {
    let chapters = chapters();
    let mut wrong = Vec::new();
    for row in glossary() {
        for term in &row.terms {
            let linked = row.chapters.iter().any(|file| {
                chapters
                    .iter()
                    .any(|(f, prose)| f == file && prose.contains(term.as_str()))
            });
            if !linked {
                wrong.push(format!(
                    "src/glossary.md:{}: “{term}” occurs in none of {:?}",
                    row.line, row.chapters
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}\n", wrong.join("\n"));
}

#[test]
fn the_first_link_is_where_the_term_first_occurs() {
    let chapters = chapters();
    let mut wrong = Vec::new();
    for row in glossary() {
        let Some(first) = row.chapters.first() else {
            continue; // reported above
        };
        let earliest = chapters
            .iter()
            .find(|(_, prose)| row.terms.iter().any(|term| prose.contains(term.as_str())));
        if let Some((file, _)) = earliest
            && file != first
        {
            wrong.push(format!(
                "src/glossary.md:{}: {:?} first occurs in src/{file}, not src/{first}",
                row.line, row.terms
            ));
        }
        // Any further links point at later chapters, in reading order.
        let positions: Vec<Option<usize>> = row
            .chapters
            .iter()
            .map(|file| chapters.iter().position(|(f, _)| f == file))
            .collect();
        if !positions.windows(2).all(|w| w[0] < w[1]) {
            wrong.push(format!(
                "src/glossary.md:{}: the links {:?} are not in reading order",
                row.line, row.chapters
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}\n", wrong.join("\n"));
}

#[test]
fn every_chapter_link_points_at_a_chapter() {
    let chapters = chapters();
    for row in glossary() {
        for file in &row.chapters {
            assert!(
                common::path("src").join(file).exists(),
                "src/glossary.md:{}: links to missing src/{file}",
                row.line
            );
            assert!(
                chapters.iter().any(|(f, _)| f == file),
                "src/glossary.md:{}: {file} is not a numbered chapter of SUMMARY.md",
                row.line
            );
        }
    }
}

#[test]
fn the_table_parser_sees_terms_and_links() {
    let table = "| 术语 | 英文 | 符号 / 说明 | 首次出现 |\n| --- | --- | --- | --- |\n| 惊讶度 / 自信息 | surprisal | $-\\ln p$ | [第 1 章](ch01-coin.md) |\n| `ignore_index` | padding | | [第 3 章](ch03-fused.md)；[第 4 章](ch04-options.md#填充)详谈 |\n";
    let rows = rows(table);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].terms, ["惊讶度", "自信息"]);
    assert_eq!(rows[0].chapters, ["ch01-coin.md"]);
    assert_eq!(rows[1].terms, ["ignore_index"]);
    assert_eq!(rows[1].chapters, ["ch03-fused.md", "ch04-options.md"]);
    assert_eq!(cells(table.lines().next().expect("a header")), HEADER);
}
