//! Chapter 3's listings: the fused loss over a batch, and its gradient.

use std::error::Error;

use listings::fused::{BATCH_TARGETS, batch_logits};

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch03-fused", name)
}

pub fn overflow() -> Result<(), Box<dyn Error>> {
    section("overflow");
    // ANCHOR: overflow
    use listings::fused::{log_softmax, naive_log_softmax};
    use ndarray::array;

    let logits = array![[1000.0_f64, 0.0]];
    let naive = naive_log_softmax(logits.view());
    let stable = log_softmax(logits.view())?;
    println!("先 softmax 再 ln：{naive}");
    println!("log-sum-exp：   {stable}");
    // ANCHOR_END: overflow
    assert!(naive[[0, 0]].is_nan());
    assert_eq!(naive[[0, 1]], f64::NEG_INFINITY);
    assert_eq!(stable, array![[0.0, -1000.0]]);
    Ok(())
}

pub fn exp_limits() -> Result<(), Box<dyn Error>> {
    section("exp_limits");
    // ANCHOR: exp_limits
    println!("f32 的 exp 在 x > {:.1} 时溢出", f32::MAX.ln());
    println!("f64 的 exp 在 x > {:.1} 时溢出", f64::MAX.ln());
    // ANCHOR_END: exp_limits
    assert_eq!(vec![f64::from(f32::MAX.ln())], quoted("f32_exp_limit"));
    assert_eq!(vec![f64::MAX.ln()], quoted("f64_exp_limit"));
    assert!(88.7_f32.exp().is_finite() && 88.8_f32.exp().is_infinite());
    assert!(709.7_f64.exp().is_finite() && 709.8_f64.exp().is_infinite());
    Ok(())
}

pub fn batch() -> Result<(), Box<dyn Error>> {
    section("batch");
    // ANCHOR: batch
    use listings::fused::{Reduction, cross_entropy, per_row_losses};
    use listings::one_hot::VOCAB;
    use ndarray::array;

    let (bsz, seq_len, vocab_size) = (2, 3, VOCAB.len());
    // 模型输出的 logits，形状 [bsz, seq_len, C]
    let logits = array![
        [
            [0.2, 2.1, 0.5, 0.3, -1.0],  // 我 → 爱
            [-0.5, 0.1, 2.4, 0.9, -0.7], // 爱 → 吃
            [-1.1, -0.4, 0.3, 1.4, -1.1]
        ], // 吃 → 苹果
        [
            [0.1, 1.8, 0.4, 0.2, -0.9],   // 我 → 吃
            [-1.0, -0.3, 0.2, 1.6, -0.8], // 吃 → 苹果
            [-0.6, -0.8, -0.2, -0.1, 1.9]
        ] // 苹果 → eos
    ];
    // 正确答案的 id，形状 [bsz, seq_len]
    let y = array![[1_usize, 2, 3], [2, 3, 4]];

    let logits_flat = logits.into_shape_with_order((bsz * seq_len, vocab_size))?; // [N, C]
    let y_flat: Vec<usize> = y.iter().copied().collect(); // [N]

    let losses = per_row_losses(logits_flat.view(), &y_flat)?;
    let mean = cross_entropy(logits_flat.view(), &y_flat, Reduction::Mean)?;
    let sum = cross_entropy(logits_flat.view(), &y_flat, Reduction::Sum)?;
    println!("每行的损失：{losses:.3}");
    println!("mean = {mean:.3}，sum = {sum:.3}");
    // ANCHOR_END: batch
    assert_eq!(logits_flat, batch_logits());
    assert_eq!(y_flat, BATCH_TARGETS);
    assert_eq!(losses.to_vec(), quoted("row_losses"));
    assert_eq!(vec![mean], quoted("mean"));
    assert_eq!(vec![sum], quoted("sum"));

    section("gradient");

    // ANCHOR: gradient
    use listings::fused::{central_difference, cross_entropy_grad, softmax};

    let grad = cross_entropy_grad(logits_flat.view(), &y_flat, Reduction::Mean)?;
    println!(
        "第 2 行的 softmax：{:.3}",
        softmax(logits_flat.view())?.row(2)
    );
    println!("第 2 行的梯度：    {:.3}", grad.row(2));

    // 用中心差分独立地估计同一个梯度
    let numeric = central_difference(
        |x| cross_entropy(x, &y_flat, Reduction::Mean),
        logits_flat.view(),
        1e-5,
    )?;
    let worst = (&grad - &numeric)
        .iter()
        .fold(0.0_f64, |m, d| m.max(d.abs()));
    println!("解析梯度与中心差分的最大差小于 1e-9：{}", worst < 1e-9);
    // ANCHOR_END: gradient
    assert_eq!(grad.row(2).to_vec(), quoted("row2_grad"));
    assert_eq!(
        softmax(logits_flat.view())?.row(2).to_vec(),
        quoted("row2_softmax")
    );
    assert!(worst < 1e-9, "{worst}");
    assert_eq!(
        (grad.row(2).to_owned() * 6.0).to_vec(),
        quoted("row2_grad_times_n")
    );
    // Each row's gradient sums to 0: softmax sums to 1, the one-hot too.
    assert!(grad.rows().into_iter().all(|r| r.sum().abs() < 1e-15));

    section("errors");

    // ANCHOR: errors
    let wrong = cross_entropy(logits_flat.view(), &[1, 2, 3, 2, 3, 5], Reduction::Mean);
    let short = cross_entropy(logits_flat.view(), &[1, 2, 3], Reduction::Mean);
    println!("{}", wrong.unwrap_err());
    println!("{}", short.unwrap_err());
    // ANCHOR_END: errors
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::fused::{Reduction, cross_entropy, cross_entropy_grad};
    // The batch cell of the chapter defines these; the notebook keeps them.
    let logits_flat = batch_logits();
    let y_flat: Vec<usize> = BATCH_TARGETS.to_vec();
    section("ex1");
    // ANCHOR: ex1
    let shifted = &logits_flat + 100.0; // 每个 logit 都加 100
    let before = cross_entropy(logits_flat.view(), &y_flat, Reduction::Mean)?;
    let after = cross_entropy(shifted.view(), &y_flat, Reduction::Mean)?;
    println!("加 100 之前：{before:.3}，之后：{after:.3}");
    // ANCHOR_END: ex1
    assert!((before - after).abs() < 1e-12);
    assert_eq!(vec![before], quoted("mean"));

    section("ex2");
    // ANCHOR: ex2
    let mean = cross_entropy_grad(logits_flat.view(), &y_flat, Reduction::Mean)?;
    let sum = cross_entropy_grad(logits_flat.view(), &y_flat, Reduction::Sum)?;
    println!(
        "sum 的梯度 ÷ mean 的梯度 = {:.1}",
        sum[[0, 0]] / mean[[0, 0]]
    );
    // ANCHOR_END: ex2
    assert!((sum[[0, 0]] / mean[[0, 0]] - 6.0).abs() < 1e-12);
    Ok(())
}
