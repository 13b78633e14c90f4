//! `cargo xtask <command>`: every workflow of the book, the same for contributors and CI.
//! `cargo xtask --help` lists the commands (the doc comments of [`Command`]); each is a
//! module of `commands/` with a `run`.

mod commands;
mod html_check;
mod jupyter;
mod process;
mod python;
mod tools;
mod web;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

/// The book's workflows, the same for contributors and CI.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    /// Show cargo's compile lines (of clippy, `cargo test` and the tool installs), which are
    /// otherwise kept out of sight: the installs' go to `target/xtask-logs/`
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the book on localhost:3000 with live reload and search
    ///
    /// Installs the pinned tools if missing, builds the book, then runs `mdbook serve`,
    /// rebuilding the search index after each rebuild.
    Serve,
    /// Prove that `serve` reloads live and keeps search working
    ///
    /// On a copy of the book served as `serve` does, a chapter edit shows on the served
    /// page and the search finds its new word.
    ServeCheck,
    /// Build the book into `book/` and check the HTML
    Build,
    /// Everything CI checks, as numbered steps with their times
    ///
    /// fmt, clippy, `cargo test`, the translations current, the book build (both
    /// editions) and its HTML checks, links and anchors,
    /// the book in Chromium, live reload, every notebook on the evcxr kernel, and every
    /// notebook in JupyterLab in Chromium.
    Test,
    /// Regenerate `src/figures/*.svg` from `listings`
    Figures,
    /// Regenerate `notebooks/*.ipynb` and their README's table
    ///
    /// From the chapters, their listings and `listings::machinery::quoted`.
    Notebooks,
    /// Execute every notebook on the evcxr kernel and check every cell
    NotebooksRun,
    /// Install the kernel and JupyterLab (pinned) and open the notebooks
    ///
    /// Also writes the book's JupyterLab settings (no news prompt, no update check) and
    /// compiles the notebooks' crate first, so each notebook's first cell takes seconds.
    Jupyter,
    /// Run every notebook in JupyterLab in Chromium, as a reader does, and check the outputs
    ///
    /// Run ▸ Run All Cells through the page, then the saved outputs are compared with the
    /// book's; a planted notebook with a wrong expected output must fail. Screenshots go to
    /// `target/lab-check/screenshots/`.
    LabCheck,
    /// Measure ours, PyTorch and candle-nn, and regenerate the speed chapter
    ///
    /// Writes `bench/results.json`, then regenerates the chapter's tables (listing
    /// output), figures and notebook from it. `BENCH_ROUNDS` sets the rounds (default 3).
    Bench,
    /// Train chapter 7's model on the Tang poems, and regenerate the chapter
    ///
    /// The full run (minutes, in release) writes `train/results.json`; then the chapters'
    /// listing output, figures and notebooks are regenerated from it.
    Train,
    /// Recompute the PyTorch golden file from PyTorch's own cross-entropy tests
    ///
    /// Writes `listings/tests/golden/pytorch-test-suite.json.gz` with the pinned PyTorch
    /// of the bench's venv.
    Goldens,
    /// Install the pinned tools (mdbook, mdbook-katex, mdbook-i18n-helpers) into the tools folder
    Tools,
    /// Bring the translations (`po/*.po`) in step with the Chinese sources
    ///
    /// Extracts the book's messages and merges them into each catalogue with msgmerge: a
    /// new paragraph comes in untranslated, a changed one fuzzy (with its old translation),
    /// then says what is left to translate. `cargo xtask test` fails until nothing is.
    Po,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    process::set_verbose(cli.verbose);
    let command = cli.command;
    let root = process::root();
    let started = Instant::now();
    let outcome = match command {
        Command::Serve => commands::serve::run(&root),
        Command::ServeCheck => commands::serve_check::run(&root),
        Command::Build => commands::build::run(&root),
        Command::Test => commands::test::run(&root),
        Command::Figures => commands::figures::run(&root),
        Command::Notebooks => commands::notebooks::run(&root),
        Command::NotebooksRun => commands::notebooks_run::run(&root),
        Command::Jupyter => commands::jupyter::run(&root),
        Command::LabCheck => commands::lab_check::run(&root),
        Command::Bench => commands::bench::run(&root),
        Command::Train => commands::train::run(&root),
        Command::Goldens => commands::goldens::run(&root),
        Command::Tools => commands::tools::run(&root),
        Command::Po => commands::po::run(&root),
    };
    match outcome {
        Ok(()) => {
            eprintln!("xtask: done in {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}", report(&error));
            ExitCode::FAILURE
        }
    }
}

/// What was being done, then each cause on a line of its own; a cause whose words the line
/// above already shows (an error that prints its source) is not repeated.
fn report(error: &anyhow::Error) -> String {
    let mut lines = vec![format!("xtask: {error}")];
    let mut above = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !above.contains(&text) {
            lines.push(format!("xtask:   because: {text}"));
        }
        above = text;
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn a_failure_shows_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = anyhow::Error::new(io)
            .context("could not read bench/results.json: no such file")
            .context("drawing linear-memory.svg");
        assert_eq!(
            report(&error),
            "xtask: drawing linear-memory.svg\nxtask:   because: could not read bench/results.json: no such file"
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn commands_keep_their_names() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "serve",
                "serve-check",
                "build",
                "test",
                "figures",
                "notebooks",
                "notebooks-run",
                "jupyter",
                "lab-check",
                "bench",
                "train",
                "goldens",
                "tools",
                "po"
            ]
        );
        assert!(Cli::try_parse_from(["cargo xtask", "serve-check"]).is_ok());
        assert!(Cli::try_parse_from(["cargo xtask", "no-such-command"]).is_err());
        let verbose = Cli::try_parse_from(["cargo xtask", "test", "-v"]).unwrap();
        assert!(verbose.verbose && matches!(verbose.command, Command::Test));
    }
}
