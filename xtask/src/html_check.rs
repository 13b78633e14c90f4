//! Checks of the built HTML that mdBook itself does not make: every include expanded,
//! every formula rendered by KaTeX at build time, and nothing loaded from outside the book
//! (the book must work with the network unplugged).

use std::path::Path;

use anyhow::{Context, Result, bail};
use regex::Regex;

/// What the check saw in a book that passed.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
    pub pages: usize,
    pub formulas: usize,
    pub resources: usize,
}

/// Problems in one page's HTML, each as a sentence.
pub fn check_page(html: &str) -> (Vec<String>, usize, usize) {
    let mut problems = Vec::new();
    if let Some(at) = html.find("{{#") {
        let context: String = html[at..].chars().take(60).collect();
        problems.push(format!("an unexpanded mdBook directive: {context}"));
    }

    // Text that a reader sees: drop the TeX source KaTeX keeps for screen readers and
    // copying, scripts, styles and code, where a `$` is legitimate.
    let hidden = Regex::new(
        r"(?s)<annotation[^>]*>.*?</annotation>|<script[^>]*>.*?</script>|<style[^>]*>.*?</style>|<pre[^>]*>.*?</pre>|<code[^>]*>.*?</code>",
    )
    .expect("valid regex");
    let visible = hidden.replace_all(html, "");
    if let Some(at) = visible.find('$') {
        let start = visible[..at]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        let context: String = visible[start..].chars().take(70).collect();
        problems.push(format!("raw TeX (a `$`) left unrendered: …{context}…"));
    }
    let formulas = html.matches("class=\"katex\"").count();

    // Resources the page loads by itself: scripts, stylesheets, images, icons.
    let tag = Regex::new(r#"(?is)<(script|link|img|source|iframe)\b[^>]*>"#).expect("valid regex");
    let attr =
        Regex::new(r#"(?i)\b(src|href|srcset)\s*=\s*["']([^"']*)["']"#).expect("valid regex");
    let mut resources = 0;
    for element in tag.find_iter(html) {
        for cap in attr.captures_iter(element.as_str()) {
            let url = cap[2].trim();
            resources += 1;
            let lower = url.to_ascii_lowercase();
            if lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("//")
            {
                problems.push(format!("loads a resource from outside the book: {url}"));
            }
        }
    }
    (problems, formulas, resources)
}

/// A stylesheet must not pull anything from the network either (`@import`, `url(http…)`).
pub fn check_css(css: &str) -> Vec<String> {
    // One match per reference: `@import url('https://…')` is one problem, not two.
    let remote =
        Regex::new(r#"(?i)@import\s+(url\()?\s*["']?(https?:|//)|url\(\s*["']?(https?:|//)"#)
            .expect("valid regex");
    remote
        .find_iter(css)
        .map(|m| format!("stylesheet reaches outside the book: {}", m.as_str()))
        .collect()
}

/// Checks every page and stylesheet under `book/`.
pub fn check_book(dir: &Path) -> Result<Report> {
    let mut report = Report::default();
    let mut problems = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("listing the built book's folder {}", folder.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("listing {}", folder.display()))?
                .path();
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            match path.extension().and_then(|e| e.to_str()) {
                _ if path.is_dir() => stack.push(path),
                Some("html") => {
                    let html = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading the built page {name}"))?;
                    let (page, formulas, resources) = check_page(&html);
                    problems.extend(page.into_iter().map(|p| format!("{name}: {p}")));
                    report.pages += 1;
                    report.formulas += formulas;
                    report.resources += resources;
                }
                Some("css") => {
                    let css = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading the built stylesheet {name}"))?;
                    problems.extend(check_css(&css).into_iter().map(|p| format!("{name}: {p}")));
                }
                _ => {}
            }
        }
    }
    if report.pages == 0 {
        problems.push(format!("no HTML pages under {}", dir.display()));
    }
    if !problems.is_empty() {
        bail!(
            "the built book has {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_page_passes() {
        let html = r#"<link rel="stylesheet" href="../katex/katex.min.css"><p>熵 <span class="katex"><annotation encoding="application/x-tex">-\ln p</annotation></span></p><pre><code>let s = "$";</code></pre><a href="https://pytorch.org">PyTorch</a>"#;
        let (problems, formulas, resources) = check_page(html);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((formulas, resources), (1, 1));
    }

    #[test]
    fn unexpanded_include_fails() {
        let (problems, _, _) = check_page("<p>{{#include ../listings/src/fused.rs:grad}}</p>");
        assert!(problems[0].starts_with("an unexpanded mdBook directive"));
    }

    #[test]
    fn raw_tex_fails() {
        let (problems, _, _) = check_page("<p>损失是 $-\\ln 0.6$。</p>");
        assert!(problems[0].starts_with("raw TeX"), "{problems:?}");
        let (problems, _, _) = check_page("<p>$$\nL = -\\sum y\n$$</p>");
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn remote_resources_fail() {
        for html in [
            r#"<script src="https://cdn.jsdelivr.net/npm/katex/dist/katex.min.js"></script>"#,
            r#"<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Open+Sans">"#,
            r#"<IMG SRC='http://example.com/x.png'>"#,
        ] {
            let (problems, _, _) = check_page(html);
            assert_eq!(problems.len(), 1, "{html}");
            assert!(problems[0].starts_with("loads a resource from outside"));
        }
        assert_eq!(
            check_css("@import url('https://fonts.googleapis.com/x');").len(),
            1
        );
        assert!(check_css("src: url(fonts/KaTeX_Main-Regular.woff2)").is_empty());
        assert!(check_css("@import 'variables.css';").is_empty());
        assert_eq!(check_css("@import \"//cdn.example/x.css\";").len(), 1);
    }
}
