//! The format of `bench/results.json`, typed once: `cargo xtask bench` builds a [`Results`]
//! and writes it with [`Results::to_json`]; [`Bench`](super::Bench) parses the same types.
//! Peer and operation names are the enums [`Peer`], [`LinearPeer`] and [`Op`], so neither
//! side spells them as strings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One run of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The day of the run, `YYYY-MM-DD` (UTC).
    pub date: String,
    pub machine: Machine,
    pub versions: Versions,
    /// How many times the whole list of cells was repeated.
    pub rounds: usize,
    /// How a cell was measured, in one sentence.
    pub method: String,
    /// The `[N, C]` cells: every peer, operation, shape and thread count.
    pub cross_entropy: Vec<Cell>,
    /// Fused linear cross-entropy (`[N, H] · [H, C]` then the loss), forward and backward.
    pub linear_cross_entropy: Vec<LinearCell>,
}

/// The machine the run was on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    /// The SIMD extensions the kernels may use (`avx2`, `fma`, `avx512f`).
    pub simd: Vec<String>,
    /// The compiled copy of the kernels that ran ([`crate::fast::kernels_clone`]).
    pub kernels: String,
    pub memory_gib: f64,
    /// The kernel's transparent huge page setting, as `/sys` shows it.
    pub transparent_hugepage: String,
}

/// The versions the peers ran at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    pub rustc: String,
    pub torch: String,
    #[serde(rename = "candle-nn")]
    pub candle_nn: String,
    pub ndarray: String,
}

/// The samples of one measured quantity: their median, extremes and count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: u64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    ///
    /// ```
    /// use listings::machinery::speed::Spread;
    /// let s = Spread::of(&[3.0, 1.0, 4.0, 2.0]).unwrap();
    /// assert_eq!((s.median, s.min, s.max, s.samples), (2.5, 1.0, 4.0, 4));
    /// assert_eq!(Spread::of(&[]), None);
    /// ```
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            samples: n as u64,
        })
    }
}

/// One cell of the `[N, C]` benchmark: a peer doing an operation on one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub n: usize,
    pub c: usize,
    pub threads: usize,
    #[serde(rename = "impl")]
    pub peer: Peer,
    pub op: Op,
    /// Seconds per call.
    pub seconds: Spread,
    /// The resident memory one call added at its peak, in bytes.
    pub peak_bytes: Spread,
}

/// One cell of fused linear cross-entropy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearCell {
    pub n: usize,
    pub h: usize,
    pub c: usize,
    pub threads: usize,
    #[serde(rename = "impl")]
    pub peer: LinearPeer,
    /// Our rows per chunk; `null` for torch's two.
    pub chunk: Option<usize>,
    pub seconds: Spread,
    pub peak_bytes: Spread,
    /// The loss of the last call, on the same inputs for all three.
    pub loss: f64,
    /// `[‖dL/dH‖, ‖dL/dW‖]` of the last call: the gradients compared across the peers.
    pub grad_norm: Vec<f64>,
}

/// An enum of names the results file uses, each spelled once: every variant gets
/// `#[serde(rename = name)]`, `ALL`, `name()` and a `Display` that shows the name and honours
/// width and alignment, as the tables' `{peer:<16}` needs.
macro_rules! named {
    (
        $(#[$meta:meta])*
        pub enum $type:ident {
            $($(#[$doc:meta])* $variant:ident = $name:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $type {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl $type {
            /// Every variant, in declaration order.
            pub const ALL: &[$type] = &[$($type::$variant),*];

            /// The name the results file and the tables use.
            pub fn name(self) -> &'static str {
                match self {
                    $($type::$variant => $name),*
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.name())
            }
        }
    };
}

named! {
    /// An implementation in the `[N, C]` benchmark.
    pub enum Peer {
        /// Our public API: `forward`, and `forward_backward` writing a fresh gradient on
        /// the huge pages it asks for.
        Ours = "ours",
        /// The same, in a process that may not have huge pages (`PR_SET_THP_DISABLE`):
        /// 4 KiB pages, like torch's default allocator.
        OursSmallPages = "ours (4 KiB)",
        /// `forward_backward_into`: the gradient into a buffer kept from call to call.
        OursInto = "ours (into)",
        /// `forward_backward_in_place`: the gradient over the logits.
        OursInPlace = "ours (in place)",
        /// PyTorch with `THP_MEM_ALLOC_ENABLE=1`, its fastest setting here.
        TorchThp = "torch (THP)",
        /// PyTorch as installed.
        TorchDefault = "torch (default)",
        /// candle-nn's `loss::cross_entropy`.
        Candle = "candle-nn",
        /// Our kernels on a few rows that stay in L2, repeated to cover all N rows: the
        /// arithmetic alone, as if memory were free.
        OursInCache = "ours (in cache)",
        /// Reading the logits once: the floor of a forward.
        ReadOnce = "read once",
        /// Reading every logit and writing it back: the floor of a gradient over the logits.
        ReadWrite = "read + write",
    }
}

named! {
    /// What a `[N, C]` cell times.
    pub enum Op {
        /// The loss alone.
        Forward = "forward",
        /// The loss and its gradient.
        ForwardBackward = "forward_backward",
        /// One pass over the logits, nothing computed (only [`Peer::ReadOnce`]).
        ReadOnce = "read_once",
        /// Every logit read and written back (only [`Peer::ReadWrite`]).
        ReadWrite = "read_write",
    }
}

named! {
    /// An implementation of fused linear cross-entropy.
    pub enum LinearPeer {
        /// Ours, in chunks of rows: never a whole `[N, C]` of logits.
        Ours = "ours",
        /// torch's chunked `F.linear_cross_entropy`.
        TorchChunked = "torch linear_cross_entropy",
        /// torch's `cross_entropy(h @ W.T, y)`.
        TorchUnfused = "torch unfused",
    }
}

impl Results {
    /// The text of `bench/results.json`: pretty JSON with sorted keys, ending in a newline.
    ///
    /// ```
    /// use listings::machinery::speed::Bench;
    /// let bench = Bench::load().unwrap();
    /// let text = bench.results().to_json().unwrap();
    /// assert!(text.starts_with("{\n  \"cross_entropy\": [") && text.ends_with("}\n"));
    /// ```
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        // Through a `Value`, whose maps sort their keys: the file keeps the order it has
        // always had, whatever the order of the fields above.
        let value = serde_json::to_value(self)?;
        Ok(serde_json::to_string_pretty(&value)? + "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machinery::speed::RESULTS_PATH;

    #[test]
    fn the_committed_file_parses_and_serialises_back_to_itself() {
        let text = std::fs::read_to_string(RESULTS_PATH).unwrap();
        let results: Results = serde_json::from_str(&text).unwrap();
        let committed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&results).unwrap(), committed);
        assert_eq!(results.to_json().unwrap(), text);
    }

    #[test]
    fn every_name_is_the_one_the_file_uses() {
        let file_name = |v: serde_json::Value| v.as_str().unwrap().to_string();
        for &peer in Peer::ALL {
            assert_eq!(
                file_name(serde_json::to_value(peer).unwrap()),
                peer.to_string()
            );
        }
        for &op in Op::ALL {
            assert_eq!(file_name(serde_json::to_value(op).unwrap()), op.to_string());
        }
        for &peer in LinearPeer::ALL {
            assert_eq!(
                file_name(serde_json::to_value(peer).unwrap()),
                peer.to_string()
            );
        }
        assert_eq!(format!("[{:<8}]", Peer::Candle), "[candle-nn]");
        assert_eq!(format!("[{:<12}]", Peer::Candle), "[candle-nn   ]");
    }

    #[test]
    fn an_unknown_peer_is_refused_by_name() {
        let err = serde_json::from_str::<Peer>("\"jax\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `jax`"), "{err}");
    }
}
