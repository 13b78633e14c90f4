//! Chapter 1, 硬币的惊讶度: the 90/10 coin, entropy, nats and bits.

use super::{Kind, Quoted, QuotedError, Values, quote};
use crate::surprise::{entropy, nats_to_bits, surprise};

const CHAPTER: &str = "ch01-coin";

/// The chapter's quoted numbers, computed now.
pub(super) fn entries() -> Result<Vec<Quoted>, QuotedError> {
    Ok(vec![
        // Chapter 1: the 90/10 coin.
        quote!(CHAPTER, "coin", Input, [0.9, 0.1]),
        quote!(CHAPTER, "heads", Computed, surprise(0.9)?),
        quote!(CHAPTER, "tails", Computed, surprise(0.1)?),
        quote!(CHAPTER, "doubling", Input, [0.2, 0.4]),
        quote!(CHAPTER, "inverse", Computed, [1.0 / 0.2, 1.0 / 0.4]),
        quote!(CHAPTER, "surprise_0.2", Computed, surprise(0.2)?),
        quote!(CHAPTER, "surprise_0.4", Computed, surprise(0.4)?),
        quote!(CHAPTER, "fair_coin", Computed, surprise(0.5)?),
        quote!(CHAPTER, "entropy_nats", Computed, entropy(&[0.9, 0.1])?),
        quote!(
            CHAPTER,
            "entropy_bits",
            Computed,
            nats_to_bits(entropy(&[0.9, 0.1])?)
        ),
        quote!(
            CHAPTER,
            "heads_bits",
            Computed,
            nats_to_bits(surprise(0.9)?)
        ),
        quote!(
            CHAPTER,
            "tails_bits",
            Computed,
            nats_to_bits(surprise(0.1)?)
        ),
        quote!(CHAPTER, "nat_in_bits", Computed, nats_to_bits(1.0)),
        quote!(CHAPTER, "not_a_probability", Input, [1.5]),
        quote!(CHAPTER, "die", Computed, surprise(1.0 / 6.0)?),
        quote!(
            CHAPTER,
            "die_bits",
            Computed,
            nats_to_bits(surprise(1.0 / 6.0)?)
        ),
        quote!(CHAPTER, "exercise_ps", Input, [0.1, 0.3, 0.5, 0.7, 0.9]),
        quote!(
            CHAPTER,
            "coin_entropies",
            Computed,
            [0.1, 0.3, 0.5, 0.7, 0.9]
                .iter()
                .map(|&p: &f64| entropy(&[p, 1.0 - p]))
                .collect::<Result<Vec<f64>, _>>()?
        ),
        // Exercise 3: two independent tails, by multiplying and by adding.
        quote!(CHAPTER, "tails_tails_p", Computed, 0.1 * 0.1),
        quote!(
            CHAPTER,
            "tails_tails_product",
            Computed,
            surprise(0.1 * 0.1)?
        ),
        quote!(
            CHAPTER,
            "tails_tails",
            Computed,
            surprise(0.1)? + surprise(0.1)?
        ),
    ])
}
