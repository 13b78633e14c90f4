//! `CrossEntropyLoss` against PyTorch: every case of the golden file, loss and gradient,
//! every reduction, f32 and f64; and every input PyTorch rejects.
//!
//! The golden file is `shared/golden/pytorch-cross-entropy.json` (PyTorch 2.15, CPU),
//! vendored in `tests/golden/` so that a clone of this repository alone can run it; a test
//! checks the copy against `../shared/golden/` whenever that folder is present.

use std::path::Path;

mod golden_json;
use golden_json::{close, number, shape as shape_of};

use listings::{CrossEntropyLoss, LossError, Real, Reduction, Target};
use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

/// Flattens nested lists, returning the values and the shape of the nesting.
fn nested(v: &Value) -> (Vec<f64>, Vec<usize>) {
    match v {
        Value::Array(items) => {
            let mut values = Vec::new();
            let mut inner = vec![];
            for item in items {
                let (vs, shape) = nested(item);
                values.extend(vs);
                inner = shape;
            }
            let mut shape = vec![items.len()];
            if !items.is_empty() {
                shape.extend(inner);
            }
            (values, shape)
        }
        scalar => (vec![number(scalar)], vec![]),
    }
}

fn array<A: Real>(values: &[f64], shape: &[usize]) -> ArrayD<A> {
    ArrayD::from_shape_vec(IxDyn(shape), values.iter().map(|&v| A::narrow(v)).collect())
        .expect("shape fits")
}

struct Case<'a> {
    name: &'a str,
    logits: (Vec<f64>, Vec<usize>),
    target: (Vec<f64>, Vec<usize>),
    probabilities: bool,
    weight: Option<Vec<f64>>,
    ignore_index: i64,
    label_smoothing: f64,
}

impl<'a> Case<'a> {
    fn from(case: &'a Value) -> Self {
        let (values, _) = nested(&case["logits"]);
        let logits_shape = shape_of(&case["logits_shape"]);
        let probabilities = case["target_kind"] == "probabilities";
        let (t_values, mut t_shape) = nested(&case["target"]);
        if probabilities {
            t_shape = logits_shape.clone();
        } else if logits_shape.len() >= 2 && logits_shape[0] == 0 {
            t_shape = vec![0];
        }
        Case {
            name: case["name"].as_str().expect("name"),
            logits: (values, logits_shape),
            target: (t_values, t_shape),
            probabilities,
            weight: case["weight"]
                .as_array()
                .map(|w| w.iter().map(number).collect()),
            ignore_index: case["ignore_index"].as_i64().expect("ignore_index"),
            label_smoothing: number(&case["label_smoothing"]),
        }
    }

    fn loss<A: Real>(&self, reduction: Reduction) -> CrossEntropyLoss<A> {
        let mut loss = CrossEntropyLoss::new()
            .ignore_index(self.ignore_index)
            .reduction(reduction)
            .label_smoothing(A::narrow(self.label_smoothing));
        if let Some(w) = &self.weight {
            loss = loss.weight(w.iter().map(|&v| A::narrow(v)).collect());
        }
        loss
    }

    /// Forward and backward (with grad_output = 1 everywhere, i.e. d(sum(out))/dx).
    fn run<A: Real>(&self, reduction: Reduction) -> Result<(ArrayD<A>, ArrayD<A>), LossError> {
        let x = array::<A>(&self.logits.0, &self.logits.1);
        let indices: ArrayD<i64> = ArrayD::from_shape_vec(
            IxDyn(&self.target.1),
            self.target.0.iter().map(|&v| v as i64).collect(),
        )
        .expect("target shape");
        let probs = array::<A>(&self.target.0, &self.target.1);
        let target = || {
            if self.probabilities {
                Target::Probabilities(probs.view())
            } else {
                Target::Indices(indices.view())
            }
        };
        let loss = self.loss::<A>(reduction);
        let out = loss.forward(x.view(), target())?;
        let ones = ArrayD::from_elem(out.raw_dim(), A::one());
        let grad = loss.backward(x.view(), target(), ones.view())?;
        Ok((out, grad))
    }
}

fn check_precision<A: Real>(
    case: &Case,
    precision: &str,
    results: &Value,
    tol: f64,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, reduction) in [
        ("mean", Reduction::Mean),
        ("sum", Reduction::Sum),
        ("none", Reduction::None),
    ] {
        let expected = &results[name][precision];
        let (out, grad) = match case.run::<A>(reduction) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{} {name} {precision}: error {e}", case.name));
                continue;
            }
        };
        let (loss_values, loss_shape) = nested(&expected["loss"]);
        let (grad_values, _) = nested(&expected["grad"]);
        let expected_shape = if name == "none" { loss_shape } else { vec![] };
        if out.shape() != expected_shape.as_slice() && !(out.is_empty() && loss_values.is_empty()) {
            problems.push(format!(
                "{} {name} {precision}: shape {:?}, torch {:?}",
                case.name,
                out.shape(),
                expected_shape
            ));
        }
        // A sum over many elements is compared relative to its magnitude.
        let scale = if name == "sum" {
            grad_values.len().max(1) as f64 / 5.0
        } else {
            1.0
        };
        for (i, (ours, torch)) in out.iter().map(|v| v.widen()).zip(&loss_values).enumerate() {
            if !close(ours, *torch, tol * scale.max(1.0)) {
                problems.push(format!(
                    "{} {name} {precision}: loss[{i}] = {ours}, torch {torch}",
                    case.name
                ));
            }
        }
        if grad.len() != grad_values.len() {
            problems.push(format!(
                "{} {name} {precision}: {} grads, torch {}",
                case.name,
                grad.len(),
                grad_values.len()
            ));
        }
        for (i, (ours, torch)) in grad.iter().map(|v| v.widen()).zip(&grad_values).enumerate() {
            if !close(ours, *torch, tol) {
                problems.push(format!(
                    "{} {name} {precision}: grad[{i}] = {ours}, torch {torch}",
                    case.name
                ));
            }
        }
    }
    problems
}

#[test]
fn every_golden_case_matches_pytorch() {
    let golden = golden();
    let cases = golden["cases"].as_array().expect("cases");
    let mut problems = Vec::new();
    for case in cases {
        let c = Case::from(case);
        problems.extend(check_precision::<f64>(&c, "f64", &case["results"], 1e-12));
        problems.extend(check_precision::<f32>(&c, "f32", &case["results"], 1e-5));
    }
    println!(
        "{} golden cases × 3 reductions × 2 precisions checked",
        cases.len()
    );
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(cases.len() >= 26);
}

#[test]
fn every_input_pytorch_rejects_is_rejected_with_its_message() {
    let golden = golden();
    let mut checked = 0;
    for case in golden["error_cases"].as_array().expect("error_cases") {
        let name = case["name"].as_str().expect("name");
        let message = case["error_message"].as_str().expect("message");
        let dtype = case["target_dtype"].as_str().expect("dtype");
        if dtype == "torch.int32" {
            // Target::Indices holds i64 only: int32 class ids do not type-check at all.
            continue;
        }
        let (x_values, _) = nested(&case["logits"]);
        let x = array::<f32>(&x_values, &shape_of(&case["logits_shape"]));
        let (t_values, t_shape) = nested(&case["target"]);
        let kwargs = &case["kwargs"];
        let result = (|| -> Result<ArrayD<f32>, LossError> {
            let mut loss = CrossEntropyLoss::<f32>::new();
            if let Some(w) = kwargs.get("weight") {
                loss = loss.weight(
                    w.as_array()
                        .expect("weight")
                        .iter()
                        .map(|v| number(v) as f32)
                        .collect(),
                );
            }
            if let Some(s) = kwargs.get("label_smoothing") {
                loss = loss.label_smoothing(number(s) as f32);
            }
            if let Some(i) = kwargs.get("ignore_index") {
                loss = loss.ignore_index(i.as_i64().expect("int"));
            }
            if let Some(r) = kwargs.get("reduction") {
                loss = loss.reduction(r.as_str().expect("string").parse()?);
            }
            if dtype == "torch.int64" {
                let t = ArrayD::from_shape_vec(
                    IxDyn(&t_shape),
                    t_values.iter().map(|&v| v as i64).collect(),
                )
                .expect("shape");
                loss.forward(x.view(), Target::Indices(t.view()))
            } else {
                let t = array::<f32>(&t_values, &t_shape);
                loss.forward(x.view(), Target::Probabilities(t.view()))
            }
        })();
        match result {
            Ok(out) => panic!("{name}: PyTorch rejects this, we returned {out}"),
            Err(e) => assert!(
                e.to_string().contains(message),
                "{name}: ours `{e}` does not say torch's `{message}`"
            ),
        }
        checked += 1;
    }
    println!("{checked} error cases rejected with PyTorch's message");
    assert!(checked >= 9);
}

#[test]
fn vendored_golden_is_the_shared_one() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/golden/pytorch-cross-entropy.json");
    let ours =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/pytorch-cross-entropy.json");
    match std::fs::read(&shared) {
        Ok(bytes) => assert!(
            bytes == std::fs::read(ours).expect("vendored"),
            "shared/golden changed: copy it to listings/tests/golden/"
        ),
        Err(_) => println!("no ../shared/golden beside the repository: using the vendored copy"),
    }
}

fn golden() -> Value {
    golden_json::load("pytorch-cross-entropy.json")
}
