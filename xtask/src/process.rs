//! Running other programs from the repository root, and the numbered steps a long command
//! prints so that a person can see where it stands.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, ensure};

/// The repository root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the root")
        .to_path_buf()
}

/// The cargo that runs this xtask (so that the toolchain is the same).
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Whether `cargo xtask -v` asked to see cargo's compile lines.
pub fn set_verbose(verbose: bool) {
    VERBOSE.store(verbose, Ordering::Relaxed);
}

pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// `cargo <subcommand>` for a step: `--quiet` unless `-v`, so that a person sees the
/// step's findings (warnings, failing tests) and not a page of `Compiling …` lines.
pub fn cargo_step(subcommand: &str) -> Command {
    let mut command = cargo();
    command.arg(subcommand);
    if !verbose() {
        command.arg("--quiet");
    }
    command
}

/// The program a command starts, for messages.
fn program(command: &Command) -> String {
    command.get_program().to_string_lossy().into_owned()
}

/// Runs a command in the root, echoing it, and fails if it fails.
pub fn run_command(command: &mut Command) -> Result<()> {
    eprintln!("xtask: $ {command:?}");
    let status = command
        .current_dir(root())
        .status()
        .with_context(|| format!("could not start {} (is it installed?)", program(command)))?;
    ensure!(status.success(), "{command:?} failed ({status})");
    Ok(())
}

/// Runs a command and returns its standard output, trimmed; on failure the error shows
/// what it printed to standard error.
pub fn output(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("could not start {} (is it installed?)", program(command)))?;
    ensure!(
        out.status.success(),
        "{command:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The steps of a command, numbered as they run: `[3/9] cargo test …` and, when each
/// ends, how long it took, so that a person can see where a long run stands.
pub struct Steps {
    total: usize,
    done: usize,
}

impl Steps {
    pub fn new(total: usize) -> Self {
        Steps { total, done: 0 }
    }

    /// Runs the next step; its failure names the step.
    pub fn run<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        self.done += 1;
        let (k, n) = (self.done, self.total);
        eprintln!("xtask: [{k}/{n}] {name}");
        let started = Instant::now();
        let value = step().with_context(|| format!("step [{k}/{n}] {name} failed"))?;
        eprintln!(
            "xtask: [{k}/{n}] {name}: done in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_is_named_with_its_number() {
        let mut steps = Steps::new(2);
        assert_eq!(steps.run("first", || Ok(1)).unwrap(), 1);
        let err = steps
            .run("second", || -> Result<()> { anyhow::bail!("it broke") })
            .unwrap_err();
        assert_eq!(format!("{err:#}"), "step [2/2] second failed: it broke");
    }

    #[test]
    fn a_step_hides_compile_lines_unless_verbose() {
        let args = |c: &Command| -> Vec<String> {
            c.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(args(&cargo_step("clippy")), ["clippy", "--quiet"]);
        set_verbose(true);
        assert_eq!(args(&cargo_step("clippy")), ["clippy"]);
        set_verbose(false);
    }

    #[test]
    fn a_failed_command_says_so() {
        let err = run_command(&mut Command::new("false")).unwrap_err();
        assert!(err.to_string().contains("failed"), "{err}");
        let err = output(&mut Command::new("no-such-program-here")).unwrap_err();
        assert!(
            err.to_string()
                .contains("could not start no-such-program-here"),
            "{err}"
        );
    }
}
