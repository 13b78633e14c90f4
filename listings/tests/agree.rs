//! Property tests: the three forms of chapters 2 and 3 are one loss, on random inputs.
//!
//! - one-hot sum `-Σ y_true·ln softmax(x)` (chapter 2),
//! - pick-the-index `-ln softmax(x)[t]` and `NLLLoss(log_softmax(x))`,
//! - fused `logsumexp(x) - x[t]` (chapter 3);
//!
//! and the gradient matches central differences.

use listings::fused::{
    Reduction, central_difference, cross_entropy, cross_entropy_grad, log_softmax, nll_loss,
    per_row_losses, softmax,
};
use listings::one_hot::{cross_entropy_sum, one_hot, surprise_at};
use ndarray::Array2;
use proptest::prelude::*;

/// A batch: logits `[N, C]` in a range where every softmax entry stays a normal f64,
/// and one valid class id per row.
fn batch(range: f64) -> impl Strategy<Value = (Array2<f64>, Vec<usize>)> {
    (1usize..8, 1usize..12).prop_flat_map(move |(n, c)| {
        (
            proptest::collection::vec(-range..range, n * c),
            proptest::collection::vec(0..c, n),
        )
            .prop_map(move |(v, t)| (Array2::from_shape_vec((n, c), v).unwrap(), t))
    })
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #[test]
    fn three_forms_agree((logits, targets) in batch(20.0)) {
        let fused = per_row_losses(logits.view(), &targets).unwrap();
        let probs = softmax(logits.view()).unwrap();
        let log_probs = log_softmax(logits.view()).unwrap();
        let c = logits.ncols();
        for (i, &t) in targets.iter().enumerate() {
            let row = probs.row(i).to_vec();
            let y_true: Vec<f64> = one_hot(t, c).unwrap();
            let sum = cross_entropy_sum(&y_true, &row).unwrap();
            let pick = surprise_at(&row, t).unwrap();
            prop_assert!(close(fused[i], sum, 1e-9), "fused {} vs one-hot sum {}", fused[i], sum);
            prop_assert!(close(fused[i], pick, 1e-9), "fused {} vs pick {}", fused[i], pick);
            prop_assert!(close(fused[i], -log_probs[[i, t]], 1e-12));
        }
        let mean = cross_entropy(logits.view(), &targets, Reduction::Mean).unwrap();
        let nll = nll_loss(log_probs.view(), &targets, Reduction::Mean).unwrap();
        prop_assert!(close(mean, nll, 1e-12));
    }

    #[test]
    fn gradient_matches_central_differences((logits, targets) in batch(5.0), sum in any::<bool>()) {
        let reduction = if sum { Reduction::Sum } else { Reduction::Mean };
        let grad = cross_entropy_grad(logits.view(), &targets, reduction).unwrap();
        let numeric = central_difference(
            |x| cross_entropy(x, &targets, reduction), logits.view(), 1e-5).unwrap();
        for (g, n) in grad.iter().zip(&numeric) {
            prop_assert!((g - n).abs() < 1e-7, "analytic {g} vs numeric {n}");
        }
    }

    #[test]
    fn adding_a_constant_to_a_row_changes_nothing((logits, targets) in batch(20.0), shift in -500.0..500.0f64) {
        let shifted = &logits + shift;
        let a = per_row_losses(logits.view(), &targets).unwrap();
        let b = per_row_losses(shifted.view(), &targets).unwrap();
        for (x, y) in a.iter().zip(&b) {
            prop_assert!((x - y).abs() < 1e-9 * (1.0 + shift.abs()), "{x} vs {y}");
        }
    }

    #[test]
    fn f32_agrees_with_f64((logits, targets) in batch(20.0)) {
        let single = logits.mapv(|x| x as f32);
        let a = cross_entropy(logits.view(), &targets, Reduction::Mean).unwrap();
        let b = cross_entropy(single.view(), &targets, Reduction::Mean).unwrap();
        prop_assert!(close(a, f64::from(b), 1e-5), "{a} vs {b}");
    }

    #[test]
    fn bad_batches_are_errors_not_panics(
        n in 0usize..4, c in 0usize..4,
        targets in proptest::collection::vec(0usize..6, 0..5),
    ) {
        let logits = Array2::<f64>::zeros((n, c));
        let valid = targets.len() == n && n > 0 && c > 0 && targets.iter().all(|&t| t < c);
        prop_assert_eq!(cross_entropy(logits.view(), &targets, Reduction::Mean).is_ok(), valid);
        prop_assert_eq!(cross_entropy_grad(logits.view(), &targets, Reduction::Sum).is_ok(), valid);
        prop_assert_eq!(nll_loss(logits.view(), &targets, Reduction::Sum).is_ok(), valid);
    }
}
