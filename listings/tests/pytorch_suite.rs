//! `CrossEntropyLoss` on the inputs of PyTorch's own tests for cross-entropy: the OpInfo
//! `nn.functional.cross_entropy`, the ModuleInfo of `nn.CrossEntropyLoss` (inputs and error
//! inputs), the `test_cross_entropy_*` tests of `test/test_nn.py`, and inputs with two faults
//! at once that show the order of PyTorch's checks. `cargo xtask goldens` regenerates the file
//! (`xtask/py/goldens.py`, torch from the bench's venv).
//!
//! Every case × reduction × f32/f64: the loss, `d(sum(loss))/d(logits)` and, for probability
//! targets, `d(sum(loss))/d(target)`, at the tolerances of `../shared/golden/README.md`. Every
//! error case: rejected with PyTorch's sentence and PyTorch's exception type.

mod golden_json;
use golden_json::{close, load, number, shape};

use listings::{CrossEntropyLoss, LossError, Path, PyTorchError, Real, Reduction, Target};
use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

fn suite() -> Value {
    load("pytorch-test-suite.json.gz")
}

fn flat(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flat(i, out)),
        scalar => out.push(number(scalar)),
    }
}

fn values(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    flat(v, &mut out);
    out
}

/// Inputs are float32: read as f32, then widened (the file writes the shortest decimal that
/// reads back as the same f32).
fn input<A: Real>(v: &Value, dims: &[usize]) -> ArrayD<A> {
    let data = values(v)
        .iter()
        .map(|&x| A::narrow(f64::from(x as f32)))
        .collect();
    ArrayD::from_shape_vec(IxDyn(dims), data).expect("shape fits")
}

/// The loss a case (or error case) describes, in precision `A`.
fn loss_of<A: Real>(case: &Value, reduction: Reduction) -> CrossEntropyLoss<A> {
    let options = case.get("kwargs").unwrap_or(case);
    let mut loss = CrossEntropyLoss::new().reduction(reduction);
    if let Some(w) = options.get("weight").filter(|w| !w.is_null()) {
        loss = loss.weight(input::<A>(w, &[values(w).len()]).into_iter().collect());
    }
    if let Some(s) = options.get("label_smoothing") {
        loss = loss.label_smoothing(A::narrow(number(s)));
    }
    if let Some(i) = options.get("ignore_index") {
        loss = loss.ignore_index(i.as_i64().expect("int"));
    }
    loss
}

struct Inputs<A> {
    x: ArrayD<A>,
    ids: Option<ArrayD<i64>>,
    bytes: Option<ArrayD<u8>>,
    probabilities: Option<ArrayD<A>>,
}

impl<A: Real> Inputs<A> {
    /// `None` for targets our types cannot hold (int32 ids).
    fn of(case: &Value) -> Option<Self> {
        let x = input::<A>(&case["logits"], &shape(&case["logits_shape"]));
        let dims = shape(&case["target_shape"]);
        let t = values(&case["target"]);
        let (mut ids, mut bytes, mut probabilities) = (None, None, None);
        match case["target_dtype"].as_str().expect("dtype") {
            "torch.int64" => {
                ids = Some(
                    ArrayD::from_shape_vec(IxDyn(&dims), t.iter().map(|&v| v as i64).collect())
                        .ok()?,
                )
            }
            "torch.uint8" => {
                bytes = Some(
                    ArrayD::from_shape_vec(IxDyn(&dims), t.iter().map(|&v| v as u8).collect())
                        .ok()?,
                )
            }
            "torch.float32" => probabilities = Some(input::<A>(&case["target"], &dims)),
            _ => return None,
        }
        Some(Inputs {
            x,
            ids,
            bytes,
            probabilities,
        })
    }

    fn target(&self) -> Target<'_, A> {
        match (&self.ids, &self.bytes, &self.probabilities) {
            (Some(t), _, _) => Target::Indices(t.view()),
            (_, Some(t), _) => Target::ByteIndices(t.view()),
            (_, _, Some(q)) => Target::Probabilities(q.view()),
            _ => unreachable!("one target is set"),
        }
    }
}

fn compare(
    what: &str,
    ours: &ArrayD<impl Real>,
    torch: &Value,
    tol: f64,
    problems: &mut Vec<String>,
) {
    let torch = values(torch);
    if ours.len() != torch.len() {
        problems.push(format!(
            "{what}: {} values, torch {}",
            ours.len(),
            torch.len()
        ));
        return;
    }
    // A sum over many elements is compared relative to its magnitude.
    let scale = (torch.len() as f64 / 5.0).max(1.0);
    for (i, (o, t)) in ours.iter().map(|v| v.widen()).zip(&torch).enumerate() {
        if !close(o, *t, tol * scale) {
            problems.push(format!("{what}[{i}] = {o}, torch {t}"));
            return;
        }
    }
}

/// Which of `CrossEntropyLoss`'s entry points a check calls.
#[derive(Clone, Copy, PartialEq)]
enum Entry {
    /// `forward` and `backward`: the kernels where they apply.
    Public,
    /// `forward_reference` and `backward_reference`: chapter 4's loops, always.
    Reference,
}

fn check<A: Real>(
    case: &Value,
    precision: &str,
    tol: f64,
    entry: Entry,
    problems: &mut Vec<String>,
) -> usize {
    let name = case["name"].as_str().expect("name");
    let inputs = Inputs::<A>::of(case).expect("every case's target fits our types");
    let mut checks = 0;
    for (r, reduction) in [
        ("mean", Reduction::Mean),
        ("sum", Reduction::Sum),
        ("none", Reduction::None),
    ] {
        let expected = &case["results"][r][precision];
        let loss = loss_of::<A>(case, reduction);
        let what = format!(
            "{name} {r} {precision}{}",
            if entry == Entry::Reference {
                " reference"
            } else {
                ""
            }
        );
        let forward = match entry {
            Entry::Public => CrossEntropyLoss::forward,
            Entry::Reference => CrossEntropyLoss::forward_reference,
        };
        let backward = match entry {
            Entry::Public => CrossEntropyLoss::backward,
            Entry::Reference => CrossEntropyLoss::backward_reference,
        };
        let out = match forward(&loss, inputs.x.view(), inputs.target()) {
            Ok(out) => out,
            Err(e) => {
                problems.push(format!("{what}: forward error {e}"));
                continue;
            }
        };
        let loss_shape = if r == "none" {
            shape_of_nested(&expected["loss"])
        } else {
            vec![]
        };
        if out.shape() != loss_shape.as_slice() && !out.is_empty() {
            problems.push(format!(
                "{what}: shape {:?}, torch {loss_shape:?}",
                out.shape()
            ));
        }
        compare(
            &format!("{what} loss"),
            &out,
            &expected["loss"],
            if r == "sum" { tol } else { tol / 1.0 },
            problems,
        );
        let ones = ArrayD::from_elem(out.raw_dim(), A::one());
        match backward(&loss, inputs.x.view(), inputs.target(), ones.view()) {
            Ok(g) => compare(
                &format!("{what} grad"),
                &g,
                &expected["grad"],
                tol,
                problems,
            ),
            Err(e) => problems.push(format!("{what}: backward error {e}")),
        }
        if let Some(torch_target_grad) = expected.get("target_grad") {
            match loss.backward_target(inputs.x.view(), inputs.target(), ones.view()) {
                Ok(g) => compare(
                    &format!("{what} target grad"),
                    &g,
                    torch_target_grad,
                    tol,
                    problems,
                ),
                Err(e) => problems.push(format!("{what}: backward_target error {e}")),
            }
            checks += 1;
        }
        checks += 2;
    }
    checks
}

/// The shape of nested lists (empty tensors have a shape of their own in `target_shape`;
/// a `none` loss of an empty batch compares as empty).
fn shape_of_nested(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(items) => {
            let mut s = vec![items.len()];
            if let Some(first) = items.first() {
                s.extend(shape_of_nested(first));
            }
            s
        }
        _ => vec![],
    }
}

#[test]
fn every_case_of_pytorchs_own_tests_matches_pytorch() {
    let suite = suite();
    let cases = suite["cases"].as_array().expect("cases");
    let mut problems = Vec::new();
    let mut checks = 0;
    for case in cases {
        checks += check::<f64>(case, "f64", 1e-12, Entry::Public, &mut problems);
        checks += check::<f32>(case, "f32", 1e-5, Entry::Public, &mut problems);
        checks += check::<f32>(case, "f32", 1e-5, Entry::Reference, &mut problems);
    }
    println!(
        "{} cases × 3 reductions × f32 (public and reference)/f64: {checks} loss/gradient comparisons against torch {}",
        cases.len(),
        suite["torch_version"]
    );
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(cases.len() >= 250);
}

/// Runs an error case's input through forward (and backward, where forward passes).
fn rejection(case: &Value) -> Option<Result<(), LossError>> {
    let reduction = match case["kwargs"].get("reduction") {
        Some(r) => match r.as_str().expect("string").parse::<Reduction>() {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        },
        None => Reduction::Mean,
    };
    let inputs = Inputs::<f32>::of(case)?;
    let loss = loss_of::<f32>(case, reduction);
    Some(loss.forward(inputs.x.view(), inputs.target()).map(|_| ()))
}

fn kind(name: &str) -> PyTorchError {
    match name {
        "ValueError" => PyTorchError::ValueError,
        "IndexError" => PyTorchError::IndexError,
        "RuntimeError" => PyTorchError::RuntimeError,
        other => panic!("unexpected exception type {other}"),
    }
}

/// Every error case of a golden file: PyTorch's sentence first, PyTorch's exception type.
fn check_errors(golden: &Value) -> (usize, usize) {
    let (mut checked, mut untypable) = (0, 0);
    let mut problems = Vec::new();
    for case in golden["error_cases"].as_array().expect("error_cases") {
        let name = case["name"].as_str().expect("name");
        let message = case["error_message"].as_str().expect("message");
        let Some(result) = rejection(case) else {
            untypable += 1; // int32 ids: no such Target
            continue;
        };
        match result {
            Ok(()) => problems.push(format!("{name}: PyTorch rejects this, we accept it")),
            Err(e) => {
                if !e.to_string().starts_with(message) {
                    problems.push(format!("{name}: ours `{e}`, torch `{message}`"));
                }
                let expected = kind(case["error_type"].as_str().expect("type"));
                if e.pytorch_kind() != Some(expected) {
                    problems.push(format!(
                        "{name}: ours {:?}, torch {expected:?}",
                        e.pytorch_kind()
                    ));
                }
            }
        }
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    (checked, untypable)
}

#[test]
fn every_error_case_is_rejected_with_pytorchs_sentence_and_exception() {
    let (checked, untypable) = check_errors(&suite());
    println!("{checked} error cases rejected as PyTorch does ({untypable} not expressible)");
    assert!(checked >= 35);
}

#[test]
fn the_shared_golden_files_errors_have_pytorchs_exception_types_too() {
    // The shared file has no target_shape: give it one (its targets are never empty).
    let mut golden = load("pytorch-cross-entropy.json");
    for case in golden["error_cases"].as_array_mut().expect("error_cases") {
        let dims = shape_of_nested(&case["target"]);
        case["target_shape"] = dims.into();
    }
    let (checked, untypable) = check_errors(&golden);
    println!(
        "{checked} shared error cases with PyTorch's exception type ({untypable} not expressible)"
    );
    assert!(checked >= 9);
}

#[test]
fn the_fused_entry_points_agree_with_torch_wherever_the_kernels_run() {
    let suite = suite();
    let (mut kernels, mut dims) = (0, std::collections::BTreeSet::new());
    let mut problems = Vec::new();
    for case in suite["cases"].as_array().expect("cases") {
        let Some(inputs) = Inputs::<f32>::of(case) else {
            continue;
        };
        let plain = CrossEntropyLoss::<f32>::new();
        if plain.path(&inputs.x.view(), &inputs.target()) != Path::Kernels {
            continue;
        }
        dims.insert(inputs.x.ndim());
        for (r, reduction) in [
            ("mean", Reduction::Mean),
            ("sum", Reduction::Sum),
            ("none", Reduction::None),
        ] {
            let expected = &case["results"][r]["f32"];
            let what = format!("{} {r} f32", case["name"]);
            let loss = loss_of::<f32>(case, reduction);
            match loss.forward_backward(inputs.x.view(), inputs.target()) {
                Ok((out, grad)) => {
                    compare(
                        &format!("{what} loss"),
                        &out,
                        &expected["loss"],
                        1e-5,
                        &mut problems,
                    );
                    compare(
                        &format!("{what} grad"),
                        &grad,
                        &expected["grad"],
                        1e-5,
                        &mut problems,
                    );
                }
                Err(e) => problems.push(format!("{what}: {e}")),
            }
            let mut buffer = ArrayD::from_elem(inputs.x.raw_dim(), f32::NAN);
            match loss.forward_backward_into(inputs.x.view(), inputs.target(), buffer.view_mut()) {
                Ok(_) => compare(
                    &format!("{what} grad into"),
                    &buffer,
                    &expected["grad"],
                    1e-5,
                    &mut problems,
                ),
                Err(e) => problems.push(format!("{what} into: {e}")),
            }
            let mut in_place = inputs.x.clone();
            match loss.forward_backward_in_place(in_place.view_mut(), inputs.target()) {
                Ok(out) => {
                    compare(
                        &format!("{what} loss in place"),
                        &out,
                        &expected["loss"],
                        1e-5,
                        &mut problems,
                    );
                    compare(
                        &format!("{what} grad in place"),
                        &in_place,
                        &expected["grad"],
                        1e-5,
                        &mut problems,
                    );
                }
                Err(e) => problems.push(format!("{what} in place: {e}")),
            }
            kernels += 1;
        }
    }
    println!("{kernels} (case, reduction) pairs on the kernels, inputs of {dims:?} dimensions");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        kernels >= 30 && dims.contains(&1) && dims.contains(&2),
        "{kernels} {dims:?}"
    );
}

/// One regression test per difference the suite found, with the numbers PyTorch gives.
mod found_by_pytorchs_tests {
    use super::*;
    use ndarray::{Array1, Array2, arr0, array};

    #[test]
    fn zero_classes_with_probabilities_mean_is_nan() {
        for dims in [vec![1, 0], vec![0], vec![5, 0]] {
            let x = ArrayD::<f64>::zeros(IxDyn(&dims));
            let loss = CrossEntropyLoss::new();
            let mean = loss
                .forward(x.view(), Target::Probabilities(x.view()))
                .unwrap();
            assert!(mean[[]].is_nan(), "{dims:?}");
            let sum = loss.clone().reduction(Reduction::Sum);
            assert_eq!(
                sum.forward(x.view(), Target::Probabilities(x.view()))
                    .unwrap()[[]],
                0.0
            );
        }
    }

    #[test]
    fn label_smoothing_is_checked_before_the_batch_size() {
        let x = Array2::<f32>::zeros((3, 4)).into_dyn();
        let t = array![0_i64, 1, 2, 3].into_dyn();
        let e = CrossEntropyLoss::new()
            .label_smoothing(1.2)
            .forward(x.view(), Target::Indices(t.view()));
        assert_eq!(
            e.unwrap_err().to_string(),
            "label_smoothing must be between 0.0 and 1.0. Got: 1.2"
        );
    }

    #[test]
    fn with_probabilities_the_weight_is_checked_before_label_smoothing() {
        let x = Array2::<f32>::zeros((2, 3)).into_dyn();
        let loss = CrossEntropyLoss::new()
            .weight(array![1.0, 1.0])
            .label_smoothing(1.5);
        let e = loss
            .forward(x.view(), Target::Probabilities(x.view()))
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cross_entropy: weight tensor should be defined")
        );
    }

    #[test]
    fn negative_or_nan_label_smoothing_means_none() {
        let x = array![[1.0_f64, 2.0, 0.5], [0.0, -1.0, 3.0]].into_dyn();
        let t = array![0_i64, 2].into_dyn();
        let plain = CrossEntropyLoss::new();
        let want = plain.forward(x.view(), Target::Indices(t.view())).unwrap();
        let one = arr0(1.0).into_dyn();
        let want_grad = plain
            .backward(x.view(), Target::Indices(t.view()), one.view())
            .unwrap();
        for eps in [-0.1, f64::NAN] {
            let loss = CrossEntropyLoss::new().label_smoothing(eps);
            assert_eq!(
                loss.forward(x.view(), Target::Indices(t.view())).unwrap(),
                want
            );
            assert_eq!(
                loss.backward(x.view(), Target::Indices(t.view()), one.view())
                    .unwrap(),
                want_grad
            );
            let x2 = x.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
            let t1 = Array1::from(vec![0_i64, 2]);
            let fast = CrossEntropyLoss::<f32>::new()
                .label_smoothing(eps as f32)
                .forward_backward(
                    x2.mapv(|v| v as f32).into_dyn().view(),
                    Target::Indices(t1.view().into_dyn()),
                )
                .unwrap();
            assert!((f64::from(fast.0[[]]) - want[[]]).abs() < 1e-6);
        }
    }

    #[test]
    fn pytorchs_sentences_for_target_shapes() {
        let loss = CrossEntropyLoss::<f32>::new();
        let say = |x: ArrayD<f32>, t: ArrayD<i64>| {
            loss.forward(x.view(), Target::Indices(t.view()))
                .unwrap_err()
                .to_string()
        };
        let x2 = ArrayD::zeros(IxDyn(&[2, 3]));
        assert!(
            say(x2.clone(), ArrayD::zeros(IxDyn(&[2, 1])))
                .starts_with("0D or 1D target tensor expected")
        );
        assert!(
            say(x2, arr0(1).into_dyn())
                .starts_with("Expected input batch_size (2) to match target batch_size (0).")
        );
        let x4 = ArrayD::zeros(IxDyn(&[2, 3, 4, 5]));
        assert!(
            say(x4.clone(), ArrayD::zeros(IxDyn(&[2, 4])))
                .starts_with("only batches of spatial targets supported")
        );
        assert!(
            say(x4, ArrayD::zeros(IxDyn(&[2, 4, 6])))
                .starts_with("size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]")
        );
        assert!(
            say(ArrayD::zeros(IxDyn(&[3])), array![1, 2].into_dyn())
                .starts_with("For 1D input, 1D target must have size 1")
        );
        assert!(
            say(arr0(1.0).into_dyn(), array![0].into_dyn()).starts_with("Dimension out of range")
        );
    }

    #[test]
    fn byte_ids_give_the_same_answers_as_long_ids() {
        let x = array![[1.0_f64, 2.0, 0.5], [0.0, -1.0, 3.0]].into_dyn();
        let long = array![0_i64, 2].into_dyn();
        let byte = array![0_u8, 2].into_dyn();
        let loss = CrossEntropyLoss::new().weight(array![0.5, 2.0, 1.0]);
        assert_eq!(
            loss.forward(x.view(), Target::ByteIndices(byte.view()))
                .unwrap(),
            loss.forward(x.view(), Target::Indices(long.view()))
                .unwrap()
        );
        // PyTorch cannot take the smoothed, weighted mean over Byte ids.
        let e = loss
            .label_smoothing(0.2)
            .forward(x.view(), Target::ByteIndices(byte.view()))
            .unwrap_err();
        assert_eq!(e, LossError::ByteIndexGather);
    }
}
