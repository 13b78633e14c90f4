//! `cargo xtask train`: chapter 7's full training run, and what reads it regenerated.
//!
//! The run is `listings/examples/train_poems.rs` in release (minutes on two cores); it
//! writes `train/results.json` in the types of `listings::machinery::poems_run`. Then the
//! chapters' listing output, the figures and the notebooks are regenerated from it, as
//! after `cargo xtask bench`. `cargo test` never trains for minutes: it checks that the
//! committed file matches the code's config and data, and that the first steps, taken
//! again, give the losses the file records.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::process::{cargo_step, output, run_command};

/// Trains, writes `train/results.json`, and regenerates what reads it.
pub fn run(root: &Path) -> Result<()> {
    std::fs::create_dir_all(root.join("train")).context("creating train/")?;
    let date = output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?;
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_string(), |v| v.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let machine = format!("{cpu}, {cores} cores");
    run_command(
        cargo_step("run")
            .args([
                "--release",
                "--package",
                "listings",
                "--example",
                "train_poems",
                "--",
            ])
            .arg(root.join("train/results.json"))
            .args([date.trim(), &machine]),
    )
    .context("training chapter 7's model")?;
    super::bench::regenerate(root)
}
