//! Chapter 7's full training run: `cargo xtask train` runs this in release and commits what
//! it writes. `cargo run --release -p listings --example train_poems -- OUT.json [DATE] [MACHINE]`

use std::error::Error;

use listings::machinery::poems_run::PoemsRun;
use listings::poems::run::{Data, FULL};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: train_poems OUT.json [DATE] [MACHINE]")?;
    let date = args.next().unwrap_or_default();
    let machine = args.next().unwrap_or_default();
    let data = Data::poems(FULL.context)?;
    let run = PoemsRun::make(&FULL, &data, date, machine, |e| {
        eprintln!(
            "epoch {:>2} ({:>5} steps): train {:.4}, validation {:.4} nats per character",
            e.epoch, e.steps, e.train, e.valid
        );
    })?;
    eprintln!(
        "baselines: uniform {:.4}, unigram {:.4}, bigram {:.4}; trained in {:.0} s",
        run.baselines.uniform,
        run.baselines.unigram.loss,
        run.baselines.bigram.loss,
        run.train_seconds
    );
    std::fs::write(&out, run.to_json()?)?;
    Ok(())
}
