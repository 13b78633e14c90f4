//! Chapter 7, 让模型读唐诗: a character-level language model trained on real text with the
//! book's loss.
//!
//! | module | idea |
//! |--------|------|
//! | [`corpus`] | the vendored Tang quatrains as character ids, with `k` characters of context |
//! | [`baselines`] | what the earlier chapters' models score: uniform, unigram, bigram |
//! | [`head`] | the LM head and its loss in one call: chapter 6's fused linear cross-entropy, or the long way in any precision |
//! | [`model`] | embeddings → one hidden layer → the LM head, and the chain rule back |
//! | [`adam`] | the optimiser |
//! | [`run`] | training with mini-batches, the training and validation curves, the model kept at the best epoch |
//! | [`sample`] | writing poems: sampling the next character at a temperature |

pub mod adam;
pub mod baselines;
pub mod corpus;
pub mod head;
pub mod model;
pub mod reading;
pub mod run;
pub mod sample;
