//! One module per command of `cargo xtask`, each with a `run`: `main.rs` maps the command
//! line to them.

pub mod bench;
pub mod build;
pub mod figures;
pub mod goldens;
pub mod jupyter;
pub mod lab_check;
pub mod notebooks;
pub mod notebooks_run;
pub mod po;
pub mod serve;
pub mod serve_check;
pub mod test;
pub mod tools;
pub mod train;
