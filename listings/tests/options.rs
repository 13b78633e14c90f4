//! Property tests for `CrossEntropyLoss`, over random shapes, options and values.
//!
//! Together with `agree.rs` these run well over 10,000 random cases per `cargo test`:
//!
//! - the fused loss = the one-hot sum = a probability target with one-hot rows;
//! - `backward` = central finite differences of `Σ grad_output ⊙ forward`, for every option;
//! - adding a constant to all logits of a position changes nothing;
//! - label smoothing = probability targets holding the smoothed distribution;
//! - no input, valid or not, makes a public function panic.

use listings::fused::per_row_losses;
use listings::one_hot::{cross_entropy_sum, one_hot};
use listings::{CrossEntropyLoss, Reduction, Target};
use ndarray::{Array1, ArrayD, Axis, IxDyn};
use proptest::prelude::*;

const CASES: u32 = 2_000;

/// An input shape: `[C]`, `[N, C]` or `[N, C, d]`, with C ≥ 1.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        (1usize..6).prop_map(|c| vec![c]),
        (1usize..5, 1usize..6).prop_map(|(n, c)| vec![n, c]),
        (1usize..4, 1usize..5, 1usize..4).prop_map(|(n, c, d)| vec![n, c, d]),
    ]
}

fn values(len: usize, range: f64) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-range..range, len)
}

/// The class axis of an input of this many dimensions.
fn class_axis(ndim: usize) -> Axis {
    Axis(if ndim == 1 { 0 } else { 1 })
}

/// The target shape for class indices: the input's shape without the class axis.
fn index_shape(shape: &[usize]) -> Vec<usize> {
    let mut s = shape.to_vec();
    s.remove(if shape.len() == 1 { 0 } else { 1 });
    s
}

#[derive(Debug, Clone)]
struct Problem {
    x: ArrayD<f64>,
    indices: ArrayD<i64>,
    probabilities: ArrayD<f64>,
    weight: Option<Array1<f64>>,
    ignore: bool,
    smoothing: f64,
    reduction: Reduction,
    soft: bool,
    grad_output: ArrayD<f64>,
}

impl Problem {
    fn loss(&self) -> CrossEntropyLoss<f64> {
        let mut loss = CrossEntropyLoss::new()
            .reduction(self.reduction)
            .label_smoothing(self.smoothing);
        if let Some(w) = &self.weight {
            loss = loss.weight(w.clone());
        }
        if self.ignore {
            // A real class id as ignore_index: PyTorch allows it, and it is the hard case.
            loss = loss.ignore_index(0);
        }
        loss
    }

    fn target(&self) -> Target<'_, f64> {
        if self.soft {
            Target::Probabilities(self.probabilities.view())
        } else {
            Target::Indices(self.indices.view())
        }
    }
}

/// A valid problem: every option drawn at random.
fn problem() -> impl Strategy<Value = Problem> {
    shape().prop_flat_map(|shape| {
        let c = shape[if shape.len() == 1 { 0 } else { 1 }];
        let len: usize = shape.iter().product();
        let ishape = index_shape(&shape);
        let ilen: usize = ishape.iter().product();
        (
            values(len, 6.0),
            proptest::collection::vec(0..c as i64, ilen),
            proptest::collection::vec(0.0..1.0f64, len),
            proptest::option::of(proptest::collection::vec(0.1..3.0f64, c)),
            any::<bool>(),
            prop_oneof![Just(0.0), 0.0..=1.0f64],
            prop_oneof![
                Just(Reduction::None),
                Just(Reduction::Mean),
                Just(Reduction::Sum)
            ],
            any::<bool>(),
            values(ilen.max(1), 2.0),
        )
            .prop_map(move |(x, t, q, w, ignore, smoothing, reduction, soft, g)| {
                let x = ArrayD::from_shape_vec(IxDyn(&shape), x).unwrap();
                let indices = ArrayD::from_shape_vec(IxDyn(&ishape), t).unwrap();
                let probabilities = ArrayD::from_shape_vec(IxDyn(&shape), q).unwrap();
                let grad_output = match reduction {
                    Reduction::None => {
                        ArrayD::from_shape_vec(IxDyn(&ishape), g[..ilen].to_vec()).unwrap()
                    }
                    _ => ArrayD::from_elem(IxDyn(&[]), g[0]),
                };
                Problem {
                    x,
                    indices,
                    probabilities,
                    weight: w.map(Array1::from),
                    // ignore_index does not apply to probability targets.
                    ignore: ignore && !soft,
                    smoothing,
                    reduction,
                    soft,
                    grad_output,
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn fused_equals_one_hot_sum_equals_one_hot_probabilities(
        (n, c) in (1usize..6, 1usize..7),
        seed in values(36, 8.0),
        targets in proptest::collection::vec(0usize..64, 6),
    ) {
        let x = ArrayD::from_shape_vec(IxDyn(&[n, c]), seed[..n * c].to_vec()).unwrap();
        let t: Vec<usize> = targets[..n].iter().map(|t| t % c).collect();
        let indices = ArrayD::from_shape_vec(IxDyn(&[n]), t.iter().map(|&t| t as i64).collect()).unwrap();
        let mut onehot = ArrayD::<f64>::zeros(IxDyn(&[n, c]));
        for (i, &ti) in t.iter().enumerate() {
            onehot[[i, ti]] = 1.0;
        }
        let loss = CrossEntropyLoss::new().reduction(Reduction::None);
        let by_index = loss.forward(x.view(), Target::Indices(indices.view())).unwrap();
        let by_probability = loss.forward(x.view(), Target::Probabilities(onehot.view())).unwrap();
        let x2 = x.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
        let fused = per_row_losses(x2.view(), &t).unwrap();
        let probs = listings::fused::softmax(x2.view()).unwrap();
        for i in 0..n {
            let y_true: Vec<f64> = one_hot(t[i], c).unwrap();
            let sum = cross_entropy_sum(&y_true, &probs.row(i).to_vec()).unwrap();
            prop_assert!((by_index[[i]] - fused[i]).abs() < 1e-12);
            prop_assert!((by_probability[[i]] - fused[i]).abs() < 1e-12);
            prop_assert!((sum - fused[i]).abs() < 1e-9 * (1.0 + sum.abs()), "{} vs {}", sum, fused[i]);
        }
    }

    #[test]
    fn backward_equals_finite_differences_for_every_option(p in problem()) {
        let loss = p.loss();
        let analytic = loss.backward(p.x.view(), p.target(), p.grad_output.view()).unwrap();
        let objective = |x: &ArrayD<f64>| -> f64 {
            let out = loss.forward(x.view(), p.target()).unwrap();
            (&out * &p.grad_output).sum()
        };
        let h = 1e-5;
        let mut x = p.x.clone();
        for (k, g) in analytic.iter().enumerate() {
            let original = x.as_slice().unwrap()[k];
            x.as_slice_mut().unwrap()[k] = original + h;
            let up = objective(&x);
            x.as_slice_mut().unwrap()[k] = original - h;
            let down = objective(&x);
            x.as_slice_mut().unwrap()[k] = original;
            let numeric = (up - down) / (2.0 * h);
            if numeric.is_nan() {
                // Mean over nothing (every target ignored) is NaN, and so is its slope;
                // PyTorch's gradient there is 0, as ours is.
                prop_assert_eq!(*g, 0.0);
            } else {
                prop_assert!((g - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                    "entry {}: analytic {} vs numeric {} ({:?})", k, g, numeric, p);
            }
        }
    }

    #[test]
    fn backward_target_equals_finite_differences_for_probability_targets(p in problem()) {
        let p = Problem { soft: true, ignore: false, ..p };
        let loss = p.loss();
        let analytic = loss.backward_target(p.x.view(), p.target(), p.grad_output.view()).unwrap();
        prop_assert_eq!(analytic.shape(), p.probabilities.shape());
        let objective = |q: &ArrayD<f64>| -> f64 {
            let out = loss.forward(p.x.view(), Target::Probabilities(q.view())).unwrap();
            (&out * &p.grad_output).sum()
        };
        let h = 1e-5;
        let mut q = p.probabilities.clone();
        for (k, g) in analytic.iter().enumerate() {
            let original = q.as_slice().unwrap()[k];
            q.as_slice_mut().unwrap()[k] = original + h;
            let up = objective(&q);
            q.as_slice_mut().unwrap()[k] = original - h;
            let down = objective(&q);
            q.as_slice_mut().unwrap()[k] = original;
            let numeric = (up - down) / (2.0 * h);
            prop_assert!((g - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                "entry {}: analytic {} vs numeric {} ({:?})", k, g, numeric, p);
        }
        // Class ids have no gradient.
        prop_assert_eq!(
            loss.backward_target(p.x.view(), Target::Indices(p.indices.view()), p.grad_output.view()),
            Err(listings::LossError::NotDifferentiable)
        );
    }

    #[test]
    fn adding_a_constant_per_position_changes_nothing(p in problem(), shift in -100.0..100.0f64) {
        let loss = p.loss();
        let axis = class_axis(p.x.ndim());
        let mut shifted = p.x.clone();
        for (k, mut lane) in shifted.lanes_mut(axis).into_iter().enumerate() {
            lane += shift * (k as f64 + 1.0).sqrt();
        }
        let a = loss.forward(p.x.view(), p.target()).unwrap();
        let b = loss.forward(shifted.view(), p.target()).unwrap();
        for (x, y) in a.iter().zip(&b) {
            prop_assert!((x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9 * (1.0 + x.abs()), "{} vs {}", x, y);
        }
    }

    #[test]
    fn label_smoothing_is_a_smoothed_probability_target(p in problem()) {
        let c = p.x.len_of(class_axis(p.x.ndim()));
        let eps = p.smoothing;
        // The smoothed distribution, written out: (1-ε)·onehot + ε/C.
        let mut smoothed = ArrayD::<f64>::from_elem(p.x.raw_dim(), eps / c as f64);
        let axis = class_axis(p.x.ndim());
        for (lane, &t) in smoothed.lanes_mut(axis).into_iter().zip(p.indices.iter()) {
            let mut lane = lane;
            lane[t as usize] += 1.0 - eps;
        }
        let mut by_index = CrossEntropyLoss::new().reduction(Reduction::None).label_smoothing(eps);
        let mut by_probability = CrossEntropyLoss::new().reduction(Reduction::None);
        if let Some(w) = &p.weight {
            by_index = by_index.weight(w.clone());
            by_probability = by_probability.weight(w.clone());
        }
        let a = by_index.forward(p.x.view(), Target::Indices(p.indices.view())).unwrap();
        let b = by_probability.forward(p.x.view(), Target::Probabilities(smoothed.view())).unwrap();
        for (x, y) in a.iter().zip(&b) {
            prop_assert!((x - y).abs() < 1e-12 * (1.0 + x.abs()), "{} vs {}", x, y);
        }
    }

    #[test]
    fn no_input_panics(
        dims in proptest::collection::vec(0usize..4, 0..5),
        tdims in proptest::collection::vec(0usize..4, 0..4),
        x in proptest::collection::vec(prop_oneof![any::<f32>(), Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY)], 0..64),
        t in proptest::collection::vec(-4i64..8, 0..64),
        w in proptest::option::of(proptest::collection::vec(any::<f32>(), 0..6)),
        ignore in -101i64..6,
        smoothing in prop_oneof![any::<f32>(), 0.0..=1.0f32],
        reduction in prop_oneof![Just(Reduction::None), Just(Reduction::Mean), Just(Reduction::Sum)],
        soft in any::<bool>(),
        gdims in proptest::collection::vec(0usize..3, 0..3),
    ) {
        let len: usize = dims.iter().product();
        let tlen: usize = tdims.iter().product();
        let glen: usize = gdims.iter().product();
        let fill = |n: usize| -> Vec<f32> { (0..n).map(|i| x.get(i % x.len().max(1)).copied().unwrap_or(0.5)).collect() };
        let input = ArrayD::from_shape_vec(IxDyn(&dims), fill(len)).unwrap();
        let indices = ArrayD::from_shape_vec(IxDyn(&tdims), (0..tlen).map(|i| t.get(i % t.len().max(1)).copied().unwrap_or(0)).collect()).unwrap();
        let probs = ArrayD::from_shape_vec(IxDyn(&tdims), fill(tlen)).unwrap();
        let grad = ArrayD::from_shape_vec(IxDyn(&gdims), fill(glen)).unwrap();
        let mut loss = CrossEntropyLoss::new().ignore_index(ignore).label_smoothing(smoothing).reduction(reduction);
        if let Some(w) = w {
            loss = loss.weight(Array1::from(w));
        }
        let target = || if soft { Target::Probabilities(probs.view()) } else { Target::Indices(indices.view()) };
        // Ok or Err, never a panic (proptest reports a panic as a failure).
        let forward = loss.forward(input.view(), target());
        let backward = loss.backward(input.view(), target(), grad.view());
        if let Ok(out) = forward {
            let ones = ArrayD::from_elem(out.raw_dim(), 1.0_f32);
            let g = loss.backward(input.view(), target(), ones.view());
            prop_assert!(g.is_ok(), "forward succeeded but backward said {:?}", g);
            let g = g.unwrap();
            prop_assert_eq!(g.shape(), input.shape());
        }
        drop(backward);
    }
}
