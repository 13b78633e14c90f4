//! The book's machinery: what checks and draws the book, apart from what it teaches.
//!
//! The modules above this one are the lessons: chapters show their code and readers call
//! it. The modules here serve the book itself and no lesson module uses them (the tidy test
//! `tests/tidy.rs` fails if one does, or if a chapter's listing shows one to the reader):
//!
//! | module | what it does |
//! |--------|--------------|
//! | [`quoted`] | every number the prose quotes, with the code that computes it, per chapter |
//! | [`figures`] | the SVG figures the chapters show, drawn from the lessons' functions |
//! | [`poems_run`] | chapter 7's training run: made by `cargo xtask train`, committed in `train/results.json`, read back |
//! | [`speed`] | reads `bench/results.json` (written by `cargo xtask bench`) into chapter 6's tables |
//! | [`fresh`] | the one freshness check of every generated file (`UPDATE_EXPECT=1` rewrites) |
//! | [`layout`] | the book's pages from `src/SUMMARY.md`, and the anchored regions chapters include |

pub mod figures;
pub mod fresh;
pub mod layout;
pub mod poems_run;
pub mod quoted;
pub mod speed;
