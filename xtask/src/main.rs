//! `cargo xtask <command>`: every workflow of the book, the same for contributors and CI.
//!
//! - `serve`    installs the pinned tools if missing, builds the book, then `mdbook serve`s it
//!   on localhost:3000 with live reload, rebuilding the search index after each rebuild
//! - `build`    builds the book into `book/` and checks the HTML
//! - `test`     everything CI checks: fmt, clippy, `cargo test`, the book build, HTML checks
//! - `figures`  regenerates `src/figures/*.svg` from `listings`
//! - `notebooks` regenerates `notebooks/*.ipynb` from the chapters and `listings`
//! - `serve-check` proves live reload: on a copy of the book served by `serve`, a chapter
//!   edit shows on the served page and the search finds its new word
//! - `notebooks-run` executes every notebook on the evcxr kernel and checks every cell
//! - `jupyter`  installs the kernel and JupyterLab (pinned) and opens the notebooks
//! - `bench`    runs ours, PyTorch and candle-nn side by side (`bench/results.json`), then
//!   regenerates the speed chapter's tables, figures and notebook from the results
//! - `goldens`  recomputes `listings/tests/golden/pytorch-test-suite.json.gz` with PyTorch
//!   (the bench's venv) from the inputs of PyTorch's own cross-entropy tests
//! - `tools`    installs the pinned tools (mdbook, mdbook-katex) into the tools folder

mod bench;
mod html_check;
mod jupyter;
mod tools;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("build") => build().map(|_| ()),
        Some("test") => test(),
        Some("figures") => figures(),
        Some("bench") => bench::bench(&root()).and_then(|()| regenerate()),
        Some("goldens") => goldens(&root()),
        Some("notebooks") => notebooks(),
        Some("serve-check") => web::live(&root()),
        Some("notebooks-run") => jupyter::test(&root()),
        Some("jupyter") => jupyter::lab(&root()),
        Some("tools") => tools::ensure(&root()).map(|_| ()),
        _ => Err(USAGE.to_string()),
    };
    match outcome {
        Ok(()) => {
            eprintln!("xtask: done in {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <serve | serve-check | build | test | figures | notebooks | notebooks-run | jupyter | bench | goldens | tools>";

/// The repository root (the parent of this crate's folder).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the root")
        .to_path_buf()
}

/// Runs a command in the root, echoing it, and fails if it fails.
fn run(command: &mut Command) -> Result {
    eprintln!("xtask: $ {command:?}");
    let status = command
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn serve() -> Result {
    // One full build first: it checks the HTML and makes the search index.
    build()?;
    web::serve(&root())
}

/// Builds the book into `book/`, failing on any warning, then checks the HTML.
fn build() -> Result<PathBuf> {
    let root = root();
    let tools = tools::ensure(&root)?;
    let out = root.join("book");
    eprintln!("xtask: $ mdbook build");
    let output = tools
        .command("mdbook")
        .arg("build")
        .current_dir(&root)
        .output()
        .map_err(|e| format!("could not start mdbook: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    eprint!("{log}");
    if !output.status.success() {
        return Err("mdbook build failed".into());
    }
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    if !warnings.is_empty() {
        return Err(format!(
            "mdbook build printed {} warning(s); warnings are errors here",
            warnings.len()
        ));
    }
    let report = html_check::check_book(&out)?;
    web::index(&root)?;
    eprintln!(
        "xtask: HTML check: {} pages, {} formulas rendered, {} local resources, no raw TeX, no {{{{#…}}}}, nothing from outside the book",
        report.pages, report.formulas, report.resources
    );
    Ok(out)
}

/// The steps of a command, numbered as they run: `[3/9] cargo test …` and, when each
/// ends, how long it took, so that a person can see where a long run stands.
struct Steps {
    total: usize,
    done: usize,
}

impl Steps {
    fn new(total: usize) -> Self {
        Steps { total, done: 0 }
    }

    fn run<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        self.done += 1;
        let (k, n) = (self.done, self.total);
        eprintln!("xtask: [{k}/{n}] {name}");
        let started = Instant::now();
        let outcome = step().map_err(|e| format!("step [{k}/{n}] {name} failed: {e}"));
        if outcome.is_ok() {
            eprintln!(
                "xtask: [{k}/{n}] {name}: done in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
        outcome
    }
}

fn test() -> Result {
    let root = root();
    let mut steps = Steps::new(9);
    steps.run("rustfmt --check", || {
        run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    steps.run("clippy -D warnings", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    // The benchmark worker has no tests, and building candle for nothing would cost CI
    // minutes; clippy above still checks it.
    steps.run("cargo test (listings, chapters, numbers, book)", || {
        run(cargo().args(["test", "--workspace", "--exclude", "bench-peers"]))
    })?;
    steps.run("the dedent preprocessor's self-test", || {
        run(Command::new("python3").args(["preprocessors/dedent.py", "self-test"]))
    })?;
    let book = steps.run(
        "mdbook build, HTML check and search index (first time: installs mdbook and mdbook-katex, about 7 min)",
        build,
    )?;
    steps.run(
        "links and anchors (first time: installs lychee, about 10 min)",
        || web::links(&root, &book),
    )?;
    steps.run(
        "the book in Chromium (first time: installs Debian's chromium)",
        || web::browser(&root, &book),
    )?;
    steps.run("live reload and search of `cargo xtask serve`", || {
        web::live(&root)
    })?;
    steps.run(
        "every notebook on the evcxr kernel (first time: installs evcxr_jupyter, about 12 min)",
        || jupyter::test(&root),
    )?;
    Ok(())
}

/// After new benchmark results: the chapters' listing output (the speed chapter's tables
/// are listing output), the figures and the notebooks.
fn regenerate() -> Result {
    run(cargo()
        .args(["test", "--package", "listings", "--test", "chapters"])
        .env("UPDATE_EXPECT", "1"))?;
    // This xtask binary was built with the old results compiled into `listings`: a fresh
    // `cargo xtask` (rebuilt by cargo) draws the figures and writes the notebooks.
    for command in ["figures", "notebooks"] {
        run(cargo().args(["run", "--quiet", "--package", "xtask", "--", command]))?;
    }
    Ok(())
}

/// PyTorch's test inputs for cross-entropy and torch's answers (see `xtask/py/goldens.py`).
fn goldens(root: &Path) -> Result {
    let python = bench::torch_python(root)?;
    // torch.testing._internal imports expecttest, which the benchmark does not need.
    let venv = python
        .parent()
        .and_then(Path::parent)
        .ok_or("the venv's python has no venv")?;
    jupyter::pip_install(venv, &root.join("xtask/py/requirements-goldens.txt"))?;
    run(Command::new(&python)
        .arg(root.join("xtask/py/goldens.py"))
        .arg(root.join("listings/tests/golden/pytorch-test-suite.json.gz")))
}

fn figures() -> Result {
    let dir = root().join("src/figures");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for figure in listings::machinery::figures::all() {
        let svg = (figure.draw)().map_err(|e| format!("{}: {e}", figure.file))?;
        let path = dir.join(figure.file);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            std::fs::write(&path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("xtask: wrote {}", path.display());
        }
    }
    Ok(())
}

fn notebooks() -> Result {
    let root = root();
    let mut generated = xtask::notebooks::generate(&root)?;
    generated.push(xtask::notebooks::readme(&root)?);
    for notebook in generated {
        if std::fs::read_to_string(&notebook.path).ok().as_deref() != Some(notebook.json.as_str()) {
            std::fs::write(&notebook.path, &notebook.json)
                .map_err(|e| format!("{}: {e}", notebook.path.display()))?;
            eprintln!("xtask: wrote {}", notebook.path.display());
        }
    }
    Ok(())
}
