//! Every variant of the book's cross-entropy, measured side by side in one run: the
//! reference `CrossEntropyLoss` and the fast path (forward; forward+backward into a fresh
//! gradient and in place) on `f32` logits `[N, C]`, and fused linear cross-entropy against
//! the unfused product-then-loss. (The comparison with PyTorch and candle-nn is
//! `cargo xtask bench`, chapter 6.)

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use listings::fast::linear_cross_entropy;
use listings::{CrossEntropyLoss, Target};
use ndarray::{Array1, Array2, ArrayD};
use std::hint::black_box;

fn problem(n: usize, c: usize) -> (Array2<f32>, Array1<i64>) {
    // Deterministic, varied logits in about [-8, 8]; targets spread over the classes.
    let x = Array2::from_shape_fn((n, c), |(i, j)| {
        ((i * 31 + j * 17) % 1601) as f32 / 100.0 - 8.0
    });
    let t = Array1::from_shape_fn(n, |i| ((i * 7919) % c) as i64);
    (x, t)
}

fn bench(criterion: &mut Criterion) {
    let loss = CrossEntropyLoss::<f32>::new();
    let mut group = criterion.benchmark_group("cross_entropy f32");
    group.sample_size(10);
    for (n, c) in [(512, 5), (1024, 32000)] {
        let (x, t) = problem(n, c);
        let id = format!("{n}x{c}");
        group.bench_with_input(BenchmarkId::new("forward reference", &id), &(), |b, _| {
            b.iter(|| {
                loss.forward_reference(
                    black_box(x.view().into_dyn()),
                    Target::Indices(t.view().into_dyn()),
                )
                .unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("forward (kernels)", &id), &(), |b, _| {
            b.iter(|| {
                loss.forward(
                    black_box(x.view().into_dyn()),
                    Target::Indices(t.view().into_dyn()),
                )
                .unwrap()
            })
        });
        let ones = ArrayD::from_elem(vec![], 1.0_f32);
        group.bench_with_input(
            BenchmarkId::new("forward+backward reference", &id),
            &(),
            |b, _| {
                b.iter(|| {
                    let out = loss
                        .forward_reference(
                            black_box(x.view().into_dyn()),
                            Target::Indices(t.view().into_dyn()),
                        )
                        .unwrap();
                    let grad = loss
                        .backward_reference(
                            x.view().into_dyn(),
                            Target::Indices(t.view().into_dyn()),
                            ones.view(),
                        )
                        .unwrap();
                    (out, grad)
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("forward+backward (kernels), fresh gradient", &id),
            &(),
            |b, _| {
                b.iter(|| {
                    loss.forward_backward(
                        black_box(x.view().into_dyn()),
                        Target::Indices(t.view().into_dyn()),
                    )
                    .unwrap()
                })
            },
        );
        let mut grad = ArrayD::zeros(x.shape());
        group.bench_with_input(
            BenchmarkId::new("forward+backward (kernels), into a buffer", &id),
            &(),
            |b, _| {
                b.iter(|| {
                    loss.forward_backward_into(
                        black_box(x.view().into_dyn()),
                        Target::Indices(t.view().into_dyn()),
                        grad.view_mut(),
                    )
                    .unwrap()
                })
            },
        );
        let mut buffer = x.clone().into_dyn();
        group.bench_with_input(
            BenchmarkId::new("forward+backward (kernels), in place", &id),
            &(),
            |b, _| {
                b.iter(|| {
                    buffer.assign(&x); // the logits a training step would hand over
                    loss.forward_backward_in_place(
                        black_box(buffer.view_mut()),
                        Target::Indices(t.view().into_dyn()),
                    )
                    .unwrap()
                })
            },
        );
    }
    group.finish();

    // LM head + loss at [N, H] = [512, 256], C = 8000: chunks of 128 rows against the
    // whole [N, C] logits at once.
    let mut group = criterion.benchmark_group("linear cross_entropy f32");
    group.sample_size(10);
    let (n, h, c) = (512, 256, 8000);
    let hidden = problem(n, h).0.mapv(|v| v / 16.0);
    let weight = problem(c, h).0.mapv(|v| v / 64.0);
    let t = Array1::from_shape_fn(n, |i| ((i * 7919) % c) as i64);
    let id = format!("{n}x{h}x{c}");
    group.bench_with_input(
        BenchmarkId::new("fused, chunks of 128", &id),
        &(),
        |b, _| {
            b.iter(|| {
                linear_cross_entropy(
                    &loss,
                    black_box(hidden.view()),
                    weight.view(),
                    t.view(),
                    128,
                )
                .unwrap()
            })
        },
    );
    group.bench_with_input(BenchmarkId::new("unfused", &id), &(), |b, _| {
        b.iter(|| {
            let mut logits = black_box(hidden.view()).dot(&weight.t());
            loss.forward_backward_in_place(
                logits.view_mut().into_dyn(),
                Target::Indices(t.view().into_dyn()),
            )
            .unwrap();
            (logits.dot(&weight), logits.t().dot(&hidden))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
