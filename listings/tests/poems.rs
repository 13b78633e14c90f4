//! Chapter 7's model, checked number by number: every gradient of a tiny model against
//! central differences in `f64`, the fused `f32` head against the `f64` reference, and
//! the model's refusals.

use listings::poems::model::{CharModel, Shape, fused_head, reference_head};
use ndarray::{Array1, Array2, array, s};

fn tiny() -> (CharModel<f64>, Array2<usize>, Array1<i64>) {
    let shape = Shape {
        classes: 7,
        context: 3,
        embedding: 2,
        hidden: 4,
    };
    let contexts = array![[0, 0, 0], [0, 0, 3], [0, 3, 5], [3, 5, 5], [5, 5, 1]];
    (CharModel::new(shape, 11), contexts, array![3, 5, 5, 1, 0])
}

/// Every gradient of the tiny model, number by number, against central differences of
/// the loss in `f64`.
#[test]
fn every_gradient_matches_central_differences() {
    let (model, contexts, targets) = tiny();
    let (_, grad) = model
        .gradients(contexts.view(), targets.view(), reference_head)
        .unwrap();
    let loss_of = |m: &CharModel<f64>| {
        m.gradients(contexts.view(), targets.view(), reference_head)
            .unwrap()
            .0
    };
    let step = 1e-6;
    let mut checked = 0;
    for which in 0..4 {
        let len = model.arrays()[which].len();
        for i in 0..len {
            let mut up = model.clone();
            *up.arrays_mut()[which].iter_mut().nth(i).unwrap() += step;
            let mut down = model.clone();
            *down.arrays_mut()[which].iter_mut().nth(i).unwrap() -= step;
            let numeric = (loss_of(&up) - loss_of(&down)) / (2.0 * step);
            let analytic = *grad.arrays()[which].iter().nth(i).unwrap();
            assert!(
                (numeric - analytic).abs() < 1e-8,
                "array {which}, number {i}: {numeric} vs {analytic}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, model.shape().parameters());
}

/// The fused `f32` head gives the `f64` reference's gradients to `f32` precision.
#[test]
fn the_fused_head_agrees_with_the_reference_in_f64() {
    let (model, contexts, targets) = tiny();
    let (loss, grad) = model
        .gradients(contexts.view(), targets.view(), reference_head)
        .unwrap();
    let narrow = CharModel {
        embedding: model.embedding.mapv(|x| x as f32),
        w1: model.w1.mapv(|x| x as f32),
        b1: model.b1.mapv(|x| x as f32),
        head: model.head.mapv(|x| x as f32),
    };
    let (loss32, grad32) = narrow
        .gradients(contexts.view(), targets.view(), fused_head)
        .unwrap();
    assert!((f64::from(loss32) - loss).abs() < 1e-6);
    for (a, b) in grad.arrays().iter().zip(grad32.arrays()) {
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x - f64::from(*y)).abs() < 1e-6, "{x} vs {y}");
        }
    }
}

#[test]
fn a_context_of_the_wrong_width_or_an_unknown_id_is_refused() {
    let (model, _, targets) = tiny();
    let err = model
        .gradients(
            array![[0, 9, 0]].view(),
            targets.slice(s![..1]),
            reference_head,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "character id 9 is out of bounds for a vocabulary of 7 characters"
    );
    assert_eq!(
        model.logits(array![[0, 1]].view()).unwrap_err().to_string(),
        "the model reads the 3 previous characters, but these contexts have 2"
    );
}
