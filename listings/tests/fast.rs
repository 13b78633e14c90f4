//! The fast path gives `CrossEntropyLoss`'s answers (and so PyTorch's).

use listings::fast::{exp_nonpositive, exp_nonpositive_with};
use listings::{CrossEntropyLoss, Reduction, Target};
use ndarray::{Array1, Array2, ArrayD, Dimension};
use proptest::prelude::*;

/// The largest relative error of `exp` against `f64` on 2,000,001 points of [-87, 0].
fn worst_relative_error(exp: impl Fn(f32) -> f32) -> f64 {
    let mut worst = 0.0_f64;
    let n = 2_000_000;
    for i in 0..=n {
        let x = -87.0 * f64::from(i) / f64::from(n);
        let ours = f64::from(exp(x as f32));
        let exact = f64::from(x as f32).exp();
        worst = worst.max((ours - exact).abs() / exact);
    }
    worst
}

#[test]
fn exp_is_within_1_2e_7_of_f64_everywhere_it_is_used() {
    // Both forms: separate multiply and add (any CPU) and fused multiply-add (the hot loops
    // where the CPU has FMA; here `mul_add` may be a library call, but it rounds the same).
    for (name, worst) in [
        ("a·b + c", worst_relative_error(exp_nonpositive)),
        ("fma", worst_relative_error(exp_nonpositive_with::<true>)),
    ] {
        println!("exp_nonpositive ({name}): max relative error {worst:.2e} over [-87, 0]");
        assert!(worst < 1.2e-7, "{name}: {worst}");
    }
    for exp in [exp_nonpositive, exp_nonpositive_with::<true>] {
        assert!(exp(f32::NAN).is_nan());
        assert!(exp(f32::NEG_INFINITY) < 1e-37);
        assert_eq!(exp(0.0), 1.0);
    }
}

fn options(
    weight: Option<Vec<f32>>,
    ignore: i64,
    eps: f32,
    reduction: Reduction,
) -> CrossEntropyLoss<f32> {
    let mut loss = CrossEntropyLoss::new()
        .ignore_index(ignore)
        .label_smoothing(eps)
        .reduction(reduction);
    if let Some(w) = weight {
        loss = loss.weight(Array1::from(w));
    }
    loss
}

fn close(a: &ArrayD<f32>, b: &ArrayD<f32>, tol: f32) -> Result<(), String> {
    if a.shape() != b.shape() {
        return Err(format!("shapes {:?} vs {:?}", a.shape(), b.shape()));
    }
    for (x, y) in a.iter().zip(b) {
        let same = (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= tol * (1.0 + y.abs());
        if !same {
            return Err(format!("{x} vs {y}"));
        }
    }
    Ok(())
}

fn ids(t: &Array1<i64>) -> Target<'_, f32> {
    Target::Indices(t.view().into_dyn())
}

/// The loss and the gradient of its sum by the public API (the kernels, for `f32` ids).
fn forward_backward(
    loss: &CrossEntropyLoss<f32>,
    x: &Array2<f32>,
    t: &Array1<i64>,
) -> (ArrayD<f32>, ArrayD<f32>) {
    loss.forward_backward(x.view().into_dyn(), ids(t)).unwrap()
}

/// The kernels and the reference loops on one problem: the loss, and the gradient by every
/// entry point (`backward` with an upstream of ones and with one of its own per position,
/// fresh, into a buffer full of NaN, in place).
fn agree(
    loss: &CrossEntropyLoss<f32>,
    x: &Array2<f32>,
    t: &Array1<i64>,
    tol: f32,
) -> Result<(), String> {
    let x_d = x.view().into_dyn();
    let reference = loss.forward_reference(x_d.clone(), ids(t));
    let fast = loss.forward(x_d.clone(), ids(t));
    let (reference, fast) = match (reference, fast) {
        (Ok(r), Ok(f)) => (r, f),
        (Err(a), Err(b)) if a == b => return Ok(()),
        (r, f) => return Err(format!("reference {r:?} vs fast {f:?}")),
    };
    close(&fast, &reference, tol).map_err(|e| format!("loss: {e}"))?;
    let ones = ArrayD::from_elem(reference.raw_dim(), 1.0_f32);
    let grad = loss
        .backward_reference(x_d.clone(), ids(t), ones.view())
        .map_err(|e| e.to_string())?;
    let fast_grad = loss
        .backward(x_d.clone(), ids(t), ones.view())
        .map_err(|e| e.to_string())?;
    close(&fast_grad, &grad, tol).map_err(|e| format!("backward: {e}"))?;
    // An upstream gradient of its own per position (or a scalar other than 1).
    let upstream = ArrayD::from_shape_fn(reference.raw_dim(), |i| {
        0.5 + i.slice().iter().sum::<usize>() as f32 * 0.25
    });
    close(
        &loss
            .backward(x_d.clone(), ids(t), upstream.view())
            .map_err(|e| e.to_string())?,
        &loss
            .backward_reference(x_d.clone(), ids(t), upstream.view())
            .map_err(|e| e.to_string())?,
        tol,
    )
    .map_err(|e| format!("backward with an upstream: {e}"))?;
    let (out, fresh) = loss
        .forward_backward(x_d.clone(), ids(t))
        .map_err(|e| e.to_string())?;
    close(&out, &reference, tol).map_err(|e| format!("loss with grad: {e}"))?;
    close(&fresh, &grad, tol).map_err(|e| format!("fresh grad: {e}"))?;
    let mut buffer = ArrayD::from_elem(x_d.raw_dim(), f32::NAN);
    let out = loss
        .forward_backward_into(x_d, ids(t), buffer.view_mut())
        .map_err(|e| e.to_string())?;
    close(&out, &reference, tol).map_err(|e| format!("loss into: {e}"))?;
    close(&buffer, &grad, tol).map_err(|e| format!("grad into: {e}"))?;
    let mut in_place = x.clone().into_dyn();
    let out = loss
        .forward_backward_in_place(in_place.view_mut(), ids(t))
        .map_err(|e| e.to_string())?;
    close(&out, &reference, tol).map_err(|e| format!("loss in place: {e}"))?;
    close(&in_place, &grad, tol).map_err(|e| format!("in place: {e}"))
}

#[test]
fn every_two_dimensional_golden_case() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/pytorch-cross-entropy.json");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let number = |v: &serde_json::Value| match v.as_str() {
        Some("nan") => f32::NAN,
        Some("inf") => f32::INFINITY,
        Some("-inf") => f32::NEG_INFINITY,
        _ => v.as_f64().unwrap() as f32,
    };
    let mut checked = 0;
    for case in golden["cases"].as_array().unwrap() {
        let shape: Vec<usize> = case["logits_shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        if shape.len() != 2 || case["target_kind"] != "indices" {
            continue;
        }
        let values: Vec<f32> = case["logits"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(number))
            .collect();
        let x = Array2::from_shape_vec((shape[0], shape[1]), values).unwrap();
        let t = Array1::from_iter(
            case["target"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap()),
        );
        let weight = case["weight"]
            .as_array()
            .map(|w| w.iter().map(number).collect());
        for (name, reduction) in [
            ("mean", Reduction::Mean),
            ("sum", Reduction::Sum),
            ("none", Reduction::None),
        ] {
            let loss = options(
                weight.clone(),
                case["ignore_index"].as_i64().unwrap(),
                number(&case["label_smoothing"]),
                reduction,
            );
            let torch = &case["results"][name]["f32"];
            let out = loss.forward(x.view().into_dyn(), ids(&t)).unwrap();
            let expected: Vec<f32> = match &torch["loss"] {
                serde_json::Value::Array(a) => a.iter().map(number).collect(),
                v => vec![number(v)],
            };
            let got: Vec<f32> = out.iter().copied().collect();
            close(
                &ArrayD::from_shape_vec(vec![got.len()], got).unwrap(),
                &ArrayD::from_shape_vec(vec![expected.len()], expected).unwrap(),
                2e-5,
            )
            .unwrap_or_else(|e| panic!("{} {name}: loss {e}", case["name"]));
            let (_, grad) = forward_backward(&loss, &x, &t);
            let expected: Vec<f32> = torch["grad"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|r| r.as_array().unwrap().iter().map(number))
                .collect();
            let got: Vec<f32> = grad.iter().copied().collect();
            close(
                &ArrayD::from_shape_vec(vec![got.len()], got).unwrap(),
                &ArrayD::from_shape_vec(vec![expected.len()], expected).unwrap(),
                2e-5,
            )
            .unwrap_or_else(|e| panic!("{} {name}: grad {e}", case["name"]));
            checked += 1;
        }
    }
    println!("{checked} golden (case, reduction) pairs on the kernels");
    assert!(checked >= 57, "{checked}");
}

#[test]
fn a_transposed_view_works_too() {
    let x = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32 * 0.37 - 2.0);
    let xt = x.t().to_owned(); // [3, 4]
    let t = Array1::from(vec![1_i64, 3, 0]);
    let loss = CrossEntropyLoss::new().reduction(Reduction::None);
    let a = loss.forward(x.t().into_dyn(), ids(&t)).unwrap();
    let b = loss.forward(xt.view().into_dyn(), ids(&t)).unwrap();
    assert_eq!(a, b);
    let mut target = x.clone();
    let (_, g) = forward_backward(&loss, &xt, &t);
    loss.forward_backward_in_place(target.view_mut().reversed_axes().into_dyn(), ids(&t))
        .unwrap();
    assert_eq!(target.t().into_dyn(), g);
    // A transposed buffer for the gradient, too.
    let mut buffer = Array2::<f32>::zeros((4, 3));
    loss.forward_backward_into(
        xt.view().into_dyn(),
        ids(&t),
        buffer.view_mut().reversed_axes().into_dyn(),
    )
    .unwrap();
    assert_eq!(buffer.t().into_dyn(), g);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fast_path_agrees_with_the_reference(
        n in 1usize..5,
        c in prop_oneof![1usize..9, 1000usize..2600, 4000usize..9000],
        seed in proptest::collection::vec(-30.0f32..30.0, 64),
        t in proptest::collection::vec(-1i64..9, 5),
        weighted in any::<bool>(),
        ignore in prop_oneof![Just(-100i64), Just(0i64), Just(-1i64)],
        eps in prop_oneof![Just(0.0f32), 0.0f32..=1.0],
        reduction in prop_oneof![Just(Reduction::None), Just(Reduction::Mean), Just(Reduction::Sum)],
    ) {
        let x = Array2::from_shape_fn((n, c), |(i, j)| seed[(i * 7 + j * 13) % seed.len()] + (j as f32 * 0.01).sin());
        let t = Array1::from_iter(t[..n].iter().map(|&t| if t >= 0 { t % c as i64 } else { t }));
        let weight = weighted.then(|| (0..c).map(|k| 0.5 + (k % 5) as f32 * 0.3).collect());
        let loss = options(weight, ignore, eps, reduction);
        prop_assert!(agree(&loss, &x, &t, 3e-5).is_ok(), "{:?}", agree(&loss, &x, &t, 3e-5));
    }
}

/// The unfused reference: logits = h·Wᵀ, then the fast loss and gradient, then the chain
/// rule by hand.
fn unfused(
    loss: &CrossEntropyLoss<f32>,
    h: &Array2<f32>,
    w: &Array2<f32>,
    t: &Array1<i64>,
) -> (ArrayD<f32>, Array2<f32>, Array2<f32>) {
    let logits = h.dot(&w.t());
    let (out, g) = forward_backward(loss, &logits, t);
    let g = g.into_dimensionality::<ndarray::Ix2>().unwrap();
    (out, g.dot(w), g.t().dot(h))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn fused_linear_equals_unfused(
        n in 1usize..9, h in 1usize..6, c in 1usize..40, chunk in 1usize..5,
        seed in proptest::collection::vec(-2.0f32..2.0, 32),
        t in proptest::collection::vec(-1i64..40, 8),
        eps in prop_oneof![Just(0.0f32), 0.0f32..=1.0],
        reduction in prop_oneof![Just(Reduction::None), Just(Reduction::Mean), Just(Reduction::Sum)],
    ) {
        let hidden = Array2::from_shape_fn((n, h), |(i, j)| seed[(i * 5 + j * 3) % 32]);
        let weight = Array2::from_shape_fn((c, h), |(i, j)| seed[(i * 7 + j * 11 + 1) % 32] * 0.5);
        let t = Array1::from_iter(t[..n].iter().map(|&t| if t >= 0 { t % c as i64 } else { t }));
        let loss = CrossEntropyLoss::new().ignore_index(-1).label_smoothing(eps).reduction(reduction);
        let (out, dh, dw) = listings::fast::linear_cross_entropy(&loss, hidden.view(), weight.view(), t.view(), chunk).unwrap();
        let (out2, dh2, dw2) = unfused(&loss, &hidden, &weight, &t);
        prop_assert!(close(&out, &out2, 1e-5).is_ok(), "{:?}", close(&out, &out2, 1e-5));
        prop_assert!(close(&dh.into_dyn(), &dh2.into_dyn(), 1e-5).is_ok());
        prop_assert!(close(&dw.into_dyn(), &dw2.into_dyn(), 1e-5).is_ok());
    }
}

#[test]
fn fused_linear_refuses_bad_shapes() {
    let loss = CrossEntropyLoss::<f32>::new();
    let h = Array2::<f32>::zeros((3, 4));
    let w = Array2::<f32>::zeros((5, 2));
    let t = Array1::from(vec![0_i64, 1, 2]);
    assert!(listings::fast::linear_cross_entropy(&loss, h.view(), w.view(), t.view(), 2).is_err());
    let err =
        listings::fast::linear_cross_entropy(&loss, h.view(), w.view(), t.view(), 2).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("mat1 and mat2 shapes cannot be multiplied (3x4 and 2x5)")
    );
    let w = Array2::<f32>::zeros((5, 4));
    let short = Array1::from(vec![0_i64]);
    let err = listings::fast::linear_cross_entropy(&loss, h.view(), w.view(), short.view(), 2)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Expected input batch_size (3) to match target batch_size (1).")
    );
    let bad = Array1::from(vec![0_i64, 9, 1]);
    let err =
        listings::fast::linear_cross_entropy(&loss, h.view(), w.view(), bad.view(), 2).unwrap_err();
    assert!(err.to_string().starts_with("Target 9 is out of bounds."));
}

#[test]
fn column_major_logits_give_the_same_answers() {
    // Regression: a column-major array (what `dot` returns for some shapes) once left
    // the in-place gradient unwritten.
    use ndarray::ShapeBuilder;
    let values: Vec<f32> = (0..12).map(|i| (i as f32 * 0.7).sin() * 3.0).collect();
    let row_major = Array2::from_shape_vec((4, 3), values.clone()).unwrap();
    let column_major = Array2::from_shape_vec((4, 3).f(), values).unwrap();
    let column_major = {
        let mut a = column_major;
        a.assign(&row_major);
        a
    };
    assert!(!column_major.is_standard_layout());
    let t = Array1::from(vec![2_i64, 0, 1, 1]);
    for reduction in [Reduction::None, Reduction::Mean, Reduction::Sum] {
        let loss = CrossEntropyLoss::new().reduction(reduction);
        assert!(
            agree(&loss, &column_major, &t, 1e-6).is_ok(),
            "{:?}",
            agree(&loss, &column_major, &t, 1e-6)
        );
        let (a, ga) = forward_backward(&loss, &row_major, &t);
        let (b, gb) = forward_backward(&loss, &column_major, &t);
        assert_eq!((a, ga), (b, gb));
    }
}

#[test]
fn a_weight_that_is_not_contiguous_is_read_in_class_order() {
    // Every other entry of a longer array: strided, so not one contiguous slice.
    let weight = Array1::from(vec![0.5_f32, 9.0, 2.0, 9.0, 1.0]).slice_move(ndarray::s![..;2]);
    assert!(weight.as_slice().is_none());
    let x = Array2::from_shape_fn((3, 3), |(i, j)| (i as f32 - j as f32) * 0.7);
    let t = Array1::from(vec![0_i64, 2, 1]);
    for reduction in [Reduction::None, Reduction::Mean, Reduction::Sum] {
        let strided = CrossEntropyLoss::new()
            .weight(weight.clone())
            .label_smoothing(0.1)
            .reduction(reduction);
        let contiguous = CrossEntropyLoss::new()
            .weight(weight.as_standard_layout().into_owned())
            .label_smoothing(0.1)
            .reduction(reduction);
        assert!(
            agree(&strided, &x, &t, 1e-6).is_ok(),
            "{:?}",
            agree(&strided, &x, &t, 1e-6)
        );
        assert_eq!(
            forward_backward(&strided, &x, &t),
            forward_backward(&contiguous, &x, &t)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// `[N, C, L]` logits stored as `[N, L, C]` (what a sequence model's `[bsz, seq_len, C]`
    /// output is, seen with the class axis second): the kernels read them as rows, and
    /// every entry point gives the reference's answers in the input's own shape.
    #[test]
    fn channels_last_inputs_take_the_kernels_and_agree(
        n in 1usize..4, c in 1usize..40, l in 1usize..5,
        seed in proptest::collection::vec(-8.0f32..8.0, 48),
        t in proptest::collection::vec(-1i64..40, 16),
        eps in prop_oneof![Just(0.0f32), 0.0f32..=1.0],
        reduction in prop_oneof![Just(Reduction::None), Just(Reduction::Mean), Just(Reduction::Sum)],
    ) {
        let stored = ndarray::Array3::from_shape_fn((n, l, c), |(i, j, k)| seed[(i * 11 + j * 5 + k * 7) % 48]);
        let x = stored.view().permuted_axes([0, 2, 1]).into_dyn();
        let targets = ndarray::Array2::from_shape_fn((n, l), |(i, j)| {
            let id = t[(i * l + j) % 16];
            if id >= 0 { id % c as i64 } else { id }
        })
        .into_dyn();
        let target = || Target::Indices(targets.view());
        let loss = CrossEntropyLoss::new().ignore_index(-1).label_smoothing(eps).reduction(reduction);
        prop_assert_eq!(loss.path(&x, &target()), listings::Path::Kernels);
        let reference = loss.forward_reference(x.clone(), target()).unwrap();
        let ones = ArrayD::from_elem(reference.raw_dim(), 1.0_f32);
        let grad = loss.backward_reference(x.clone(), target(), ones.view()).unwrap();
        let (out, fresh) = loss.forward_backward(x.clone(), target()).unwrap();
        prop_assert!(close(&out, &reference, 3e-5).is_ok(), "{:?}", close(&out, &reference, 3e-5));
        prop_assert_eq!(fresh.shape(), grad.shape());
        prop_assert!(close(&fresh, &grad, 3e-5).is_ok(), "{:?}", close(&fresh, &grad, 3e-5));
        let back = loss.backward(x.clone(), target(), ones.view()).unwrap();
        prop_assert!(close(&back, &grad, 3e-5).is_ok());
        let mut in_place = stored.clone();
        let out = loss
            .forward_backward_in_place(in_place.view_mut().permuted_axes([0, 2, 1]).into_dyn(), target())
            .unwrap();
        prop_assert!(close(&out, &reference, 3e-5).is_ok());
        let in_place = in_place.view().permuted_axes([0, 2, 1]).into_dyn().to_owned();
        prop_assert!(close(&in_place, &grad, 3e-5).is_ok());
        // A buffer in the plain [N, C, L] layout still gets every element.
        let mut buffer = ArrayD::from_elem(grad.raw_dim(), f32::NAN);
        loss.forward_backward_into(x, target(), buffer.view_mut()).unwrap();
        prop_assert!(close(&buffer, &grad, 3e-5).is_ok());
    }
}

#[test]
fn a_maximum_that_grows_block_after_block_is_rescaled_everywhere() {
    // Rows that rise (and one that falls) across 3 blocks of 4096: every block's running
    // maximum beats the last, so the sum and every kept exp are rescaled.
    let c = 12_000;
    let x = Array2::from_shape_fn((3, c), |(i, j)| match i {
        0 => j as f32 * 0.003 - 10.0,
        1 => 20.0 - j as f32 * 0.002,
        _ => ((j * 37) % 1000) as f32 * 0.01 + j as f32 * 0.001,
    });
    let t = Array1::from(vec![11_999_i64, 0, 5000]);
    for eps in [0.0, 0.2] {
        for weighted in [false, true] {
            let weight = weighted.then(|| (0..c).map(|k| 0.5 + (k % 3) as f32 * 0.25).collect());
            for reduction in [Reduction::None, Reduction::Mean, Reduction::Sum] {
                let loss = options(weight.clone(), -100, eps, reduction);
                let result = agree(&loss, &x, &t, 3e-5);
                assert!(result.is_ok(), "eps {eps}, weighted {weighted}: {result:?}");
            }
        }
    }
}

#[test]
fn blocks_of_minus_infinity_nan_and_infinity_behave_as_the_reference() {
    // C = 12000: three blocks of 4096. Row 0: its first block all -∞ (a masked part of the
    // vocabulary) before any finite logit; row 1: +∞ in its second block; row 2: NaN in its
    // third; row 3: every logit -∞; row 4 ignored, with a NaN in it.
    let c = 12_000;
    let x = Array2::from_shape_fn((5, c), |(i, j)| match (i, j) {
        (0, j) if j < 4096 => f32::NEG_INFINITY,
        (1, 5000) => f32::INFINITY,
        (2, 9000) | (4, 7) => f32::NAN,
        (3, _) => f32::NEG_INFINITY,
        (_, j) => (j % 17) as f32 * 0.3 - 2.0,
    });
    let t = Array1::from(vec![4100_i64, 5000, 3, 11_999, -100]);
    for eps in [0.0, 0.1] {
        for weighted in [false, true] {
            let weight = weighted.then(|| (0..c).map(|k| 0.5 + (k % 3) as f32 * 0.25).collect());
            for reduction in [Reduction::None, Reduction::Mean, Reduction::Sum] {
                let loss = options(weight.clone(), -100, eps, reduction);
                let result = agree(&loss, &x, &t, 3e-5);
                assert!(
                    result.is_ok(),
                    "eps {eps}, weighted {weighted}, {reduction:?}: {result:?}"
                );
            }
        }
    }
}

#[test]
fn infinite_upstreams_and_ignored_nan_rows_give_pytorchs_answers() {
    // What PyTorch 2.15 gives (F.cross_entropy(x, t, reduction="sum", label_smoothing=ε)
    // .backward(g)): with ε = 0, ±∞ off the target and NaN at it (∞ − ∞ in log_softmax's
    // backward); with ε > 0, NaN everywhere.
    let x = Array2::from_shape_fn((2, 5), |(i, j)| (i * 5 + j) as f32 * 0.4 - 1.0);
    let t = Array1::from(vec![1_i64, 4]);
    for eps in [0.0, 0.2] {
        for g in [f32::INFINITY, f32::NEG_INFINITY] {
            let loss = options(None, -100, eps, Reduction::Sum);
            let upstream = ndarray::arr0(g).into_dyn();
            let x_d = x.view().into_dyn();
            let fast = loss
                .backward(x_d.clone(), ids(&t), upstream.view())
                .unwrap();
            let reference = loss
                .backward_reference(x_d, ids(&t), upstream.view())
                .unwrap();
            for ((index, &a), &b) in fast.indexed_iter().zip(&reference) {
                let at_target = index[1] as i64 == t[index[0]];
                let torch = if eps > 0.0 || at_target { f32::NAN } else { g };
                for (path, value) in [("kernels", a), ("reference", b)] {
                    let same = (value.is_nan() && torch.is_nan()) || value == torch;
                    assert!(
                        same,
                        "ε {eps}, upstream {g}, {index:?}: {path} {value}, torch {torch}"
                    );
                }
            }
        }
    }
    // An ignored row holding a NaN: PyTorch's gradient there is NaN (0 − exp(NaN)·0); a
    // finite ignored row gets 0.
    let y = ndarray::array![[0.0_f32, f32::NAN, 1.0], [1.0, 2.0, 3.0], [0.5, 0.5, 0.5]];
    let t = Array1::from(vec![-100_i64, 2, -100]);
    let loss = CrossEntropyLoss::new();
    let (_, fast) = loss.forward_backward(y.view().into_dyn(), ids(&t)).unwrap();
    let ones = ndarray::arr0(1.0_f32).into_dyn();
    let reference = loss
        .backward_reference(y.view().into_dyn(), ids(&t), ones.view())
        .unwrap();
    for grad in [fast, reference] {
        assert!(
            grad.slice(ndarray::s![0, ..]).iter().all(|v| v.is_nan()),
            "{grad}"
        );
        assert!(
            grad.slice(ndarray::s![2, ..]).iter().all(|&v| v == 0.0),
            "{grad}"
        );
        // torch: [0.0900, 0.2447, -0.3348] for the row that counts
        assert!((grad[[1, 2]] + 0.334_759).abs() < 1e-6, "{grad}");
    }
}

#[test]
fn label_smoothing_keeps_its_precision_on_logits_far_from_zero() {
    // Logits near 10⁴ share a large offset: Σ w·z and (Σw)·m are both about C·10⁴, and the
    // smoothing term is their small difference. The kernels keep Σ w·(z − m) instead, and
    // stay within f32 rounding of the loss computed in f64 (the f32 reference loops sum
    // 3000 exps one after another and are no better than 1e-5 here themselves).
    let c = 3000;
    let x = Array2::from_shape_fn((2, c), |(i, j)| {
        10_000.0 + ((i * 31 + j * 7) % 23) as f32 * 0.125 + (j / 1000) as f32
    });
    let t = Array1::from(vec![3_i64, 2999]);
    for weighted in [false, true] {
        let weights: Vec<f32> = (0..c).map(|k| 0.5 + (k % 3) as f32 * 0.25).collect();
        let loss = options(
            weighted.then(|| weights.clone()),
            -100,
            0.1,
            Reduction::None,
        );
        let fast = loss.forward(x.view().into_dyn(), ids(&t)).unwrap();
        let mut wide = CrossEntropyLoss::<f64>::new()
            .label_smoothing(0.1)
            .reduction(Reduction::None);
        if weighted {
            wide = wide.weight(weights.iter().map(|&w| f64::from(w)).collect());
        }
        let t64 = t.clone().into_dyn();
        let exact = wide
            .forward(
                x.mapv(f64::from).into_dyn().view(),
                Target::Indices(t64.view()),
            )
            .unwrap();
        for (f, e) in fast.iter().zip(&exact) {
            assert!(
                ((f64::from(*f) - e) / e).abs() < 2e-6,
                "weighted {weighted}: {f} vs {e}"
            );
        }
    }
}
