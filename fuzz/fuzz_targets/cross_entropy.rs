//! Fuzzes `CrossEntropyLoss::forward`, `backward` and `backward_target` (and chapter 3's fused functions)
//! over arbitrary shapes, options and values, NaN and infinities included.
//! The property: no public function panics; an `Ok` forward has a matching `Ok` backward
//! whose gradient has the input's shape.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use listings::fused::{Reduction as Scalar, cross_entropy, cross_entropy_grad, log_softmax, nll_loss};
use listings::{CrossEntropyLoss, Reduction, Target};
use ndarray::{Array1, Array2, ArrayD, IxDyn};

#[derive(Debug, Arbitrary)]
struct Input {
    dims: Vec<u8>,
    target_dims: Vec<u8>,
    grad_dims: Vec<u8>,
    values: Vec<f32>,
    targets: Vec<i64>,
    weight: Option<Vec<f32>>,
    ignore_index: i64,
    label_smoothing: f32,
    reduction: u8,
    soft: bool,
    double: bool,
}

/// Small dimensions (at most 4 axes of at most 7), so that every run is quick.
fn shape(dims: &[u8]) -> Vec<usize> {
    dims.iter().take(4).map(|&d| usize::from(d % 8)).collect()
}

fn filled<T: Copy>(shape: &[usize], source: &[T], fallback: T) -> ArrayD<T> {
    let len = shape.iter().product();
    let data = (0..len).map(|i| source.get(i % source.len().max(1)).copied().unwrap_or(fallback)).collect();
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("len matches shape")
}

fn run<A: listings::Real>(input: &Input, cast: fn(f32) -> A) {
    let values: Vec<A> = input.values.iter().map(|&v| cast(v)).collect();
    let x = filled(&shape(&input.dims), &values, A::zero());
    let tshape = shape(&input.target_dims);
    let indices = filled(&tshape, &input.targets, 0);
    let probabilities = filled(&tshape, &values, A::zero());
    let grad = filled(&shape(&input.grad_dims), &values, A::one());
    let reduction = match input.reduction % 3 {
        0 => Reduction::None,
        1 => Reduction::Mean,
        _ => Reduction::Sum,
    };
    let mut loss = CrossEntropyLoss::new()
        .ignore_index(input.ignore_index)
        .label_smoothing(cast(input.label_smoothing))
        .reduction(reduction);
    if let Some(w) = &input.weight {
        loss = loss.weight(Array1::from_iter(w.iter().map(|&v| cast(v))));
    }
    // reduction / 3 picks i64 or u8 class ids (the seeds in corpus/ keep their meaning).
    let bytes = indices.mapv(|t| t as u8);
    let target = || {
        if input.soft {
            Target::Probabilities(probabilities.view())
        } else if input.reduction / 3 % 2 == 1 {
            Target::ByteIndices(bytes.view())
        } else {
            Target::Indices(indices.view())
        }
    };
    let _ = loss.backward(x.view(), target(), grad.view());
    let _ = loss.backward_target(x.view(), target(), grad.view());
    if let Ok(out) = loss.forward(x.view(), target()) {
        let ones = ArrayD::from_elem(out.raw_dim(), A::one());
        let g = loss.backward(x.view(), target(), ones.view()).expect("forward was Ok");
        assert_eq!(g.shape(), x.shape());
        if input.soft {
            let gt = loss.backward_target(x.view(), target(), ones.view()).expect("forward was Ok");
            assert_eq!(gt.shape(), x.shape());
        }
    }

    // Chapter 3's functions on the same data, seen as [N, C].
    if let Ok(x2) = x.clone().into_dimensionality::<ndarray::Ix2>() {
        let t: Vec<usize> = input.targets.iter().take(x2.nrows()).map(|&t| t.unsigned_abs() as usize % 9).collect();
        let _ = log_softmax(x2.view());
        let _ = nll_loss(x2.view(), &t, Scalar::Mean);
        let _ = cross_entropy(x2.view(), &t, Scalar::Sum);
        let _ = cross_entropy_grad(x2.view(), &t, Scalar::Mean);
        let _ = Array2::<A>::zeros((0, 0));
    }
}

fuzz_target!(|input: Input| {
    if input.double {
        run::<f64>(&input, f64::from);
    } else {
        run::<f32>(&input, |v| v);
    }
});
