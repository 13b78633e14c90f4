//! The chapters' listings, run as the book shows them.
//!
//! Each listing is a function in `chNN_*.rs` whose anchored regions the chapter includes.
//! The assertions after each `ANCHOR_END` check the numbers the prose quotes. What each
//! region prints is compared with `listings/output/<chapter>/<anchor>.txt`, the file the
//! chapter includes right after the code: so the output a reader sees is never typed by
//! hand and never stale. `UPDATE_EXPECT=1 cargo test` rewrites the output files.
//!
//! How: this harness runs itself once per listing as a child process (`--run NAME`) and
//! captures the child's stdout. Before each region the listing calls [`section`], which
//! prints a marker line; the parent splits the output at those markers.

mod ch01_coin;
mod ch02_one_hot;
mod ch03_fused;
mod ch04_options;
mod ch05_training;
mod ch06_speed;
mod rust_primer;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

type Listing = fn() -> Result<(), Box<dyn Error>>;

/// Every listing: the chapter's file stem, the listing's name, the code.
const LISTINGS: &[(&str, &str, Listing)] = &[
    ("rust-primer", "result", rust_primer::result),
    ("rust-primer", "question_mark", rust_primer::question_mark),
    ("rust-primer", "generics", rust_primer::generics),
    ("rust-primer", "arrays", rust_primer::arrays),
    ("rust-primer", "into_dyn", rust_primer::into_dyn),
    ("rust-primer", "zero_d", rust_primer::zero_d),
    ("rust-primer", "collect", rust_primer::collect),
    ("rust-primer", "class_ids", rust_primer::class_ids),
    ("rust-primer", "option", rust_primer::option),
    ("rust-primer", "iterators", rust_primer::iterators),
    ("rust-primer", "rows", rust_primer::rows),
    ("rust-primer", "methods", rust_primer::methods),
    ("rust-primer", "ranges", rust_primer::ranges),
    ("rust-primer", "printing", rust_primer::printing),
    ("ch01-coin", "coin", ch01_coin::coin),
    ("ch01-coin", "doubling", ch01_coin::doubling),
    ("ch01-coin", "entropy", ch01_coin::entropy),
    ("ch01-coin", "bits", ch01_coin::bits),
    ("ch01-coin", "bad_probability", ch01_coin::bad_probability),
    ("ch01-coin", "exercises", ch01_coin::exercises),
    ("ch02-one-hot", "one_hot_sum", ch02_one_hot::one_hot_sum),
    ("ch02-one-hot", "nan", ch02_one_hot::zero_times_log_zero),
    ("ch02-one-hot", "exercises", ch02_one_hot::exercises),
    ("ch03-fused", "overflow", ch03_fused::overflow),
    ("ch03-fused", "exp_limits", ch03_fused::exp_limits),
    ("ch03-fused", "batch", ch03_fused::batch),
    ("ch03-fused", "exercises", ch03_fused::exercises),
    ("ch04-options", "padding", ch04_options::padding),
    ("ch04-options", "weights", ch04_options::weights),
    (
        "ch04-options",
        "label_smoothing",
        ch04_options::label_smoothing,
    ),
    ("ch04-options", "soft_targets", ch04_options::soft_targets),
    (
        "ch04-options",
        "target_gradient",
        ch04_options::target_gradient,
    ),
    ("ch04-options", "gradients", ch04_options::gradients),
    ("ch04-options", "edge_cases", ch04_options::edge_cases),
    ("ch04-options", "exercises", ch04_options::exercises),
    ("ch05-training", "training", ch05_training::training),
    (
        "ch05-training",
        "decomposition",
        ch05_training::decomposition,
    ),
    ("ch05-training", "exercises", ch05_training::exercises),
    ("ch06-speed", "sizes", ch06_speed::sizes),
    ("ch06-speed", "measured", ch06_speed::measured),
    ("ch06-speed", "exercises", ch06_speed::exercises),
];

const MARKER: &str = "\u{1e}anchor ";

/// Marks the start of the anchored region `anchor`: what follows is its output.
pub fn section(anchor: &str) {
    println!("{MARKER}{anchor}");
}

/// Marks the start of output the chapter shows without code: a table the book's machinery
/// prints (chapter 6's measurements), whose code is not part of the lesson.
pub fn table(name: &str) {
    println!("{MARKER}{name}");
}

/// The values the registry holds for `chapter`/`name`.
pub fn quoted(chapter: &str, name: &str) -> Vec<f64> {
    listings::machinery::quoted::lookup(chapter, name)
        .unwrap_or_else(|| panic!("{chapter}/{name} is not in listings::machinery::quoted"))
        .values
}

fn output_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("output")
}

/// Splits a listing's stdout into (anchor, output) at the markers.
fn split(stdout: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in stdout.split_inclusive('\n') {
        if let Some(anchor) = line.strip_prefix(MARKER) {
            sections.push((anchor.trim_end().to_string(), String::new()));
        } else if let Some((_, text)) = sections.last_mut() {
            text.push_str(line);
        } else {
            sections.push((String::new(), line.to_string()));
        }
    }
    sections
}

/// Runs one listing in a child process and checks what it printed, region by region.
fn check(chapter: &str, name: &str, update: bool) -> Result<usize, String> {
    let child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .args(["--run", chapter, name])
        .output()
        .map_err(|e| format!("could not start the listing: {e}"))?;
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    if !child.status.success() || !stderr.is_empty() {
        return Err(format!("the listing failed ({}):\n{stderr}", child.status));
    }
    let sections = split(&stdout);
    // Each section names an anchor of its chapter's file: the book and the notebooks find
    // a region's output by its anchor's name.
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/chapters")
        .join(format!("{}.rs", chapter.replace('-', "_")));
    let source =
        std::fs::read_to_string(&source).map_err(|e| format!("{}: {e}", source.display()))?;
    if let Some((anchor, _)) = sections
        .iter()
        .find(|(a, _)| {
            !source.contains(&format!("ANCHOR: {a}\n"))
                && !source.contains(&format!("table(\"{a}\")"))
        })
    {
        return Err(format!(
            "section(\"{anchor}\") names no anchor of {chapter} (output shown without code uses table(\"{anchor}\"))"
        ));
    }
    let mut checked = 0;
    for (anchor, text) in &sections {
        if anchor.is_empty() {
            return Err(format!("printed before any section(): {text:?}"));
        }
        let path = output_dir().join(chapter).join(format!("{anchor}.txt"));
        if update {
            std::fs::create_dir_all(path.parent().expect("has a parent"))
                .map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        } else {
            let committed = std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "{}: {e}; run `UPDATE_EXPECT=1 cargo test -p listings --test chapters`",
                    path.display()
                )
            })?;
            if &committed != text {
                return Err(format!(
                    "{} is stale; run `UPDATE_EXPECT=1 cargo test -p listings --test chapters`\n--- committed\n{committed}--- printed now\n{text}",
                    path.display()
                ));
            }
        }
        checked += 1;
    }
    Ok(checked)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, chapter, name] = args.as_slice()
        && flag == "--run"
    {
        let (_, _, listing) = LISTINGS
            .iter()
            .find(|(c, n, _)| c == chapter && n == name)
            .expect("a listing of this harness");
        if let Err(e) = listing() {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    // Like libtest: a free argument filters by name; flags such as --quiet are accepted.
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let (mut passed, mut failed, mut outputs) = (0, 0, 0);
    println!();
    for (chapter, name, _) in LISTINGS {
        let id = format!("{chapter}::{name}");
        if filter.is_some_and(|f| !id.contains(f.as_str())) {
            continue;
        }
        match check(chapter, name, update) {
            Ok(n) => {
                println!("test {id} ... ok ({n} output file(s) checked)");
                passed += 1;
                outputs += n;
            }
            Err(e) => {
                println!("test {id} ... FAILED\n{e}");
                failed += 1;
            }
        }
    }
    // An output file that no section wrote any more is stale.
    if filter.is_none() {
        let expected: std::collections::BTreeSet<PathBuf> = LISTINGS
            .iter()
            .map(|(c, _, _)| output_dir().join(c))
            .collect();
        for dir in expected.iter().filter(|d| d.is_dir()) {
            for file in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let anchor = file
                    .path()
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_string();
                let chapter = dir
                    .file_name()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .replace('-', "_");
                let source = std::fs::read_to_string(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join(format!("tests/chapters/{chapter}.rs")),
                )
                .unwrap_or_default();
                if !source.contains(&format!("section(\"{anchor}\")"))
                    && !source.contains(&format!("table(\"{anchor}\")"))
                {
                    println!(
                        "stale output file {} (no section writes it)",
                        file.path().display()
                    );
                    failed += 1;
                }
            }
        }
    }
    println!("\nchapter listings: {outputs} output files checked");
    println!(
        "test result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out\n",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    if failed > 0 {
        std::process::exit(101);
    }
}
