//! The prose renders as written: no hard line breaks inside Chinese paragraphs.
//!
//! Markdown turns a line break inside a paragraph into a space, and between two Chinese
//! characters that space shows up in the browser (and in notebook cells). So a paragraph
//! is one line; a new line starts only a new block (list item, heading, table, math…).

mod common;

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}' | '“' | '”' | '—' | '…')
}

fn starts_block(line: &str) -> bool {
    let t = line.trim_start();
    ["#", "- ", "|", "![", "{{", "$$", ">", "```"]
        .iter()
        .any(|p| t.starts_with(p))
        || t.split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// `(line, text)` of every line that continues a paragraph across a Chinese line break.
fn hard_wraps(markdown: &str) -> Vec<(usize, String)> {
    let (mut fence, mut math) = (false, false);
    let mut found = Vec::new();
    let lines: Vec<&str> = markdown.lines().collect();
    for (i, pair) in lines.windows(2).enumerate() {
        let (line, next) = (pair[0].trim(), pair[1].trim());
        if line.starts_with("```") {
            fence = !fence;
        } else if line == "$$" && !fence {
            math = !math;
        }
        if fence
            || math
            || line.is_empty()
            || next.is_empty()
            || line == "$$"
            || line.starts_with('#')
            || line.starts_with('|')
            || starts_block(pair[1])
        {
            continue;
        }
        let joins_chinese =
            line.chars().last().is_some_and(is_cjk) || next.chars().next().is_some_and(is_cjk);
        if joins_chinese {
            found.push((i + 2, next.to_string()));
        }
    }
    found
}

#[test]
fn no_hard_wraps_inside_chinese_paragraphs() {
    let mut problems = Vec::new();
    for (chapter, markdown) in common::chapters() {
        for (line, text) in hard_wraps(&markdown) {
            problems.push(format!(
                "src/{chapter}.md:{line}: continues the paragraph above: {text}"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "join these lines to the line above:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_a_wrap() {
    assert_eq!(
        hard_wraps("这是一段\n被折断的话。\n"),
        [(2, "被折断的话。".to_string())]
    );
    assert!(hard_wraps("一段话。\n\n- 列表\n- 另一项\n\n$$\na\n\\\\ b\n$$\n").is_empty());
    assert!(hard_wraps("```text\n第一行\n第二行\n```\n").is_empty());
}

/// Words the book does not use: 惊喜 is a *pleasant* surprise (the book's word for −ln p
/// is 惊讶度), and the book stands alone, so it never points to a source document.
fn banned_words(markdown: &str) -> Vec<(usize, &'static str)> {
    let banned = ["惊喜", "原文", "源文档"];
    markdown
        .lines()
        .enumerate()
        .flat_map(|(i, line)| {
            banned
                .iter()
                .filter(move |w| line.contains(*w))
                .map(move |w| (i + 1, *w))
        })
        .collect()
}

#[test]
fn no_page_uses_a_banned_word() {
    let mut found = Vec::new();
    for (chapter, markdown) in common::chapters() {
        for (line, word) in banned_words(&markdown) {
            found.push(format!("src/{chapter}.md:{line}: {word}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_banned_word_check_sees_one() {
    assert_eq!(banned_words("正面\n带来的惊喜很小"), vec![(2, "惊喜")]);
    assert!(banned_words("惊讶度").is_empty());
}
