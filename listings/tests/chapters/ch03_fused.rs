//! Chapter 3's listings: LogSoftmax and NLLLoss over a batch, the loss in one call, and
//! its gradient.

use std::error::Error;

use listings::fused::{BATCH_TARGETS, batch_logits};

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch03-fused", name)
}

pub fn exp_limits() -> Result<(), Box<dyn Error>> {
    section("exp_limits");
    // ANCHOR: exp_limits
    // 每种浮点类型三个界限：最大的有限数、最小的正规数、最小的正数（次正规数）。
    // Rust 的 f16 还不稳定，这里直接写出它的三个常数：65504、2^−14、2^−24
    let f16_limits = (65504.0, 2.0_f64.powi(-14), 2.0_f64.powi(-24));
    let f32_limits = (
        f64::from(f32::MAX),
        f64::from(f32::MIN_POSITIVE),
        f64::from(f32::from_bits(1)),
    );
    let f64_limits = (f64::MAX, f64::MIN_POSITIVE, f64::from_bits(1));
    for (name, (max, min_normal, min_subnormal)) in [
        ("f16", f16_limits),
        ("f32", f32_limits),
        ("f64", f64_limits),
    ] {
        // e^z 比最小正数的一半还小，就舍入成 0：z < ln(最小正数) − ln 2
        let to_zero = min_subnormal.ln() - 2.0_f64.ln();
        println!(
            "{name}：z > {:.2} 上溢成 inf；z < {:.2} 只剩次正规数；z < {:.2} 下溢成 0",
            max.ln(),
            min_normal.ln(),
            to_zero
        );
    }
    // 比如 e^(−1000)：在 f32 和 f64 里都下溢成 0
    println!(
        "e^(−1000)：f32 里是 {}，f64 里是 {}",
        (-1000.0_f32).exp(),
        (-1000.0_f64).exp()
    );
    // ANCHOR_END: exp_limits
    let to_zero = |min_subnormal: f64| min_subnormal.ln() - 2.0_f64.ln();
    assert_eq!(
        vec![65504.0_f64.ln(), f64::from(f32::MAX).ln(), f64::MAX.ln()],
        quoted("exp_overflow")
    );
    assert_eq!(
        vec![
            2.0_f64.powi(-14).ln(),
            f64::from(f32::MIN_POSITIVE).ln(),
            f64::MIN_POSITIVE.ln()
        ],
        quoted("exp_subnormal")
    );
    assert_eq!(
        vec![
            to_zero(2.0_f64.powi(-24)),
            to_zero(f64::from(f32::from_bits(1))),
            to_zero(f64::from_bits(1))
        ],
        quoted("exp_zero")
    );
    // The thresholds are where Rust's own exp overflows and underflows.
    assert!(88.7_f32.exp().is_finite() && 88.8_f32.exp().is_infinite());
    assert!(709.7_f64.exp().is_finite() && 709.8_f64.exp().is_infinite());
    assert!((-87.3_f32).exp() >= f32::MIN_POSITIVE && (-87.4_f32).exp() < f32::MIN_POSITIVE);
    assert!((-708.3_f64).exp() >= f64::MIN_POSITIVE && (-708.5_f64).exp() < f64::MIN_POSITIVE);
    assert!((-103.9_f32).exp() > 0.0 && (-104.0_f32).exp() == 0.0);
    assert!((-745.1_f64).exp() > 0.0 && (-745.2_f64).exp() == 0.0);
    // e^{-1000} is 0 in f32 and f64 alike.
    assert!((-1000.0_f32).exp() == 0.0 && (-1000.0_f64).exp() == 0.0);
    Ok(())
}

pub fn overflow() -> Result<(), Box<dyn Error>> {
    section("overflow");
    // ANCHOR: overflow
    use listings::fused::{log_softmax, naive_log_softmax, softmax};
    use ndarray::array;

    let logits = array![[1000.0_f64, 0.0]];
    // 照定义：exp、归一化、ln
    let naive = naive_log_softmax(logits.view());
    println!("先 softmax 再 ln：        {naive}");
    // 先减去最大值再 exp，softmax 本身不再溢出……
    let y_hat = softmax(logits.view())?;
    println!("稳定的 softmax：          {y_hat}");
    // ……但 e^(−1000) 比 f64 最小的正数还小，下溢成 0，ln 0 = −∞
    println!("稳定的 softmax 再 ln：    {}", y_hat.mapv(f64::ln));
    // 位模式为 1 的 f64：最小的正次正规数（比它再小的正数都装不下）
    println!("f64 最小的正数：          {:e}", f64::from_bits(1));
    // 最小的正规数：再往下的次正规数，有效数字一位一位地减少
    println!("f64 最小的正规数：        {:e}", f64::MIN_POSITIVE);
    // 直接在对数空间里算：z − m − ln Σ e^(z − m)
    let stable = log_softmax(logits.view())?;
    println!("log_softmax（对数空间）： {stable}");
    // ANCHOR_END: overflow
    assert!(naive[[0, 0]].is_nan());
    assert_eq!(naive[[0, 1]], f64::NEG_INFINITY);
    assert_eq!(y_hat, array![[1.0, 0.0]]);
    assert_eq!(y_hat[[0, 1]].ln(), f64::NEG_INFINITY);
    assert_eq!((-1000.0_f64).exp(), 0.0);
    assert_eq!(stable, array![[0.0, -1000.0]]);
    assert_eq!(
        vec![f64::MIN_POSITIVE * 1e308],
        quoted("f64_min_normal_mantissa")
    );
    Ok(())
}

pub fn batch() -> Result<(), Box<dyn Error>> {
    section("batch");
    // ANCHOR: batch
    use listings::fused::{
        BATCH_TARGETS_2D, Reduction, batch_logits_3d, cross_entropy, per_row_losses,
    };
    use listings::one_hot::VOCAB;

    let (bsz, seq_len, vocab_size) = (2, 3, VOCAB.len());
    // 模型输出的 logits，形状 [bsz, seq_len, C]
    let logits = batch_logits_3d();
    // 摊平成 [N, C]，N = bsz · seq_len：相当于 PyTorch 的 logits.reshape(-1, C)。
    // 第 b 句的第 s 个位置（都从 0 数）落在第 b · seq_len + s 行
    let logits_flat = logits.into_shape_with_order((bsz * seq_len, vocab_size))?;
    // 正确答案的 id t_i 从 [bsz, seq_len] 按同样的顺序摊平成 [N]
    let targets_flat: Vec<usize> = BATCH_TARGETS_2D.as_flattened().to_vec();

    let losses = per_row_losses(logits_flat.view(), &targets_flat)?;
    let mean = cross_entropy(logits_flat.view(), &targets_flat, Reduction::Mean)?;
    let sum = cross_entropy(logits_flat.view(), &targets_flat, Reduction::Sum)?;
    println!("每行的损失：{losses:.3}");
    println!("mean = {mean:.3}，sum = {sum:.3}");
    // ANCHOR_END: batch
    assert_eq!(logits_flat, batch_logits());
    assert_eq!(targets_flat, BATCH_TARGETS);
    assert_eq!(losses.to_vec(), quoted("row_losses"));
    assert_eq!(vec![mean], quoted("mean"));
    assert_eq!(vec![sum], quoted("sum"));
    // The other way into PyTorch: classes at dim 1, [bsz, C, seq_len], targets [bsz, seq_len].
    {
        use listings::{CrossEntropyLoss, Target};
        let transposed = batch_logits_3d().permuted_axes([0, 2, 1]).into_dyn();
        let targets = ndarray::arr2(&BATCH_TARGETS_2D)
            .mapv(|t| t as i64)
            .into_dyn();
        let kdim =
            CrossEntropyLoss::new().forward(transposed.view(), Target::Indices(targets.view()))?;
        assert!((kdim[[]] - mean).abs() < 1e-15);
        // With reduction none the two ways differ in shape: [N] flat, [bsz, seq_len] here.
        let none = CrossEntropyLoss::new()
            .reduction(listings::Reduction::None)
            .forward(transposed.view(), Target::Indices(targets.view()))?;
        assert_eq!(none.shape(), [bsz, seq_len]);
        assert_eq!(losses.len(), bsz * seq_len);
        // [bsz, seq_len, C] as it is would be read as seq_len = 3 classes: refused.
        let as_is = batch_logits_3d().into_dyn();
        assert!(
            CrossEntropyLoss::new()
                .forward(as_is.view(), Target::Indices(targets.view()))
                .is_err()
        );
    }

    section("two_steps");

    // ANCHOR: two_steps
    use listings::fused::{log_softmax, nll_loss};
    use ndarray::array;

    // 两步：LogSoftmax 写出整个 [N, C] 的对数概率矩阵，NLLLoss 再挑出、取负、平均
    let log_probs = log_softmax(logits_flat.view())?;
    let two_steps = nll_loss(log_probs.view(), &targets_flat, Reduction::Mean)?;
    // 一次调用：同样的算术，逐行算完，不存 [N, C] 矩阵
    let one_call = cross_entropy(logits_flat.view(), &targets_flat, Reduction::Mean)?;
    println!("两步：    {two_steps:.17}");
    println!("一次调用：{one_call:.17}");
    println!("逐位相同：{}", two_steps.to_bits() == one_call.to_bits());

    // 极端的一行 [1000, 0]，答案是第 1 类：两种写法都有限
    let extreme = array![[1000.0, 0.0]];
    let two = nll_loss(log_softmax(extreme.view())?.view(), &[1], Reduction::Mean)?;
    let one = cross_entropy(extreme.view(), &[1], Reduction::Mean)?;
    println!("[1000, 0]：两步 {two}，一次调用 {one}");
    // ANCHOR_END: two_steps
    assert_eq!(two_steps.to_bits(), one_call.to_bits());
    assert_eq!((two, one), (1000.0, 1000.0));

    section("likelihood");

    // ANCHOR: likelihood
    use listings::fused::softmax;

    let y_hat = softmax(logits_flat.view())?;
    // 似然：模型给这批数据里每一个正确答案的概率，全部乘起来
    let mut likelihood = 1.0;
    for (i, &t) in targets_flat.iter().enumerate() {
        likelihood *= y_hat[[i, t]];
    }
    let n = targets_flat.len() as f64;
    println!("似然 Π ŷ = {likelihood:.4}");
    println!(
        "−ln(似然) / N = {:.3}，平均损失 = {mean:.3}",
        -likelihood.ln() / n
    );

    // 第 1 句“我 爱 吃 苹果”：前 3 行的概率之积是 P(爱 吃 苹果 | 我)
    let mut sentence = 1.0;
    for (i, &t) in targets_flat.iter().enumerate().take(3) {
        sentence *= y_hat[[i, t]];
    }
    println!(
        "P(爱 吃 苹果 | 我) = {sentence:.3}，−ln P = {:.3} 奈特",
        -sentence.ln()
    );
    println!(
        "前 3 个位置的损失之和 = {:.3} 奈特",
        losses[0] + losses[1] + losses[2]
    );
    // ANCHOR_END: likelihood
    assert_eq!(vec![likelihood], quoted("likelihood"));
    assert!((-likelihood.ln() / n - mean).abs() < 1e-15);
    assert_eq!(vec![sentence], quoted("sentence_probability"));
    assert_eq!(vec![-sentence.ln()], quoted("sentence_surprise"));
    assert!((-sentence.ln() - (losses[0] + losses[1] + losses[2])).abs() < 1e-15);

    section("uniform");

    // ANCHOR: uniform
    use ndarray::Array2;

    // 没训练的模型：logits 全都一样，等于在 C 个词元上均匀地猜
    let untrained = Array2::<f64>::zeros((bsz * seq_len, vocab_size));
    let loss_5 = cross_entropy(untrained.view(), &targets_flat, Reduction::Mean)?;
    println!("C = 5：损失 = {loss_5:.3}，ln 5 = {:.3}", 5.0_f64.ln());

    // GPT-2 的词表有 50257 个词元
    let gpt2 = Array2::<f64>::zeros((1, 50257));
    let loss_gpt2 = cross_entropy(gpt2.view(), &[0], Reduction::Mean)?;
    println!(
        "C = 50257：损失 = {loss_gpt2:.3}，ln 50257 = {:.3}",
        50257.0_f64.ln()
    );
    // ANCHOR_END: uniform
    assert_eq!(vec![loss_5, loss_gpt2], quoted("uniform_loss"));
    assert!((loss_5 - 5.0_f64.ln()).abs() < 1e-15);
    assert!((loss_gpt2 - 50257.0_f64.ln()).abs() < 1e-12);

    section("gradient");

    // ANCHOR: gradient
    use listings::fused::{central_difference, cross_entropy_grad};

    let grad = cross_entropy_grad(logits_flat.view(), &targets_flat, Reduction::Mean)?;
    println!("第 2 行的 ŷ = softmax(z)：{:.3}", y_hat.row(2));
    println!("第 2 行的梯度：           {:.3}", grad.row(2));

    // 用中心差分独立地估计同一个梯度
    let numeric = central_difference(
        |z| cross_entropy(z, &targets_flat, Reduction::Mean),
        logits_flat.view(),
        1e-5,
    )?;
    let mut worst = 0.0_f64;
    for (a, b) in grad.iter().zip(&numeric) {
        worst = worst.max((a - b).abs());
    }
    println!("解析梯度与中心差分的最大差小于 1e-9：{}", worst < 1e-9);
    // ANCHOR_END: gradient
    assert_eq!(grad.row(2).to_vec(), quoted("row2_grad"));
    assert_eq!(y_hat.row(2).to_vec(), quoted("row2_softmax"));
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

    // 空的批（N = 0）：没有行可以平均
    let empty = Array2::<f64>::zeros((0, vocab_size));
    let empty_mean = cross_entropy(empty.view(), &[], Reduction::Mean);
    println!("{}", empty_mean.unwrap_err());
    // ANCHOR_END: errors
    // Sum and the per-row losses refuse an empty batch as well (the prose says so).
    assert!(cross_entropy(empty.view(), &[], Reduction::Sum).is_err());
    assert!(per_row_losses(empty.view(), &[]).is_err());
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::fused::{Reduction, cross_entropy, cross_entropy_grad};
    // The batch cell of the chapter defines these; the notebook keeps them.
    let logits_flat = batch_logits();
    let targets_flat: Vec<usize> = BATCH_TARGETS.to_vec();
    section("ex1");
    // ANCHOR: ex1
    // 每个 logit 都加 100
    let shifted = &logits_flat + 100.0;
    let before = cross_entropy(logits_flat.view(), &targets_flat, Reduction::Mean)?;
    let after = cross_entropy(shifted.view(), &targets_flat, Reduction::Mean)?;
    println!("加 100 之前：{before:.3}，之后：{after:.3}");
    // ANCHOR_END: ex1
    assert!((before - after).abs() < 1e-12);
    assert_eq!(vec![before], quoted("mean"));

    section("ex2");
    // ANCHOR: ex2
    let mean = cross_entropy_grad(logits_flat.view(), &targets_flat, Reduction::Mean)?;
    let sum = cross_entropy_grad(logits_flat.view(), &targets_flat, Reduction::Sum)?;
    println!(
        "sum 的梯度 ÷ mean 的梯度 = {:.1}",
        sum[[0, 0]] / mean[[0, 0]]
    );
    // ANCHOR_END: ex2
    assert!((sum[[0, 0]] / mean[[0, 0]] - 6.0).abs() < 1e-12);

    section("ex3");
    // ANCHOR: ex3
    use listings::LossError;
    use listings::fused::{central_difference, log_softmax, softmax};
    use ndarray::{ArrayView2, arr2, s};

    // 第 2 行的 logits，配一个软目标 y（加起来是 1）
    let z = logits_flat.slice(s![2..3, ..]).to_owned();
    let y = [0.0, 0.0, 0.0, 0.9, 0.1];
    // L(z) = −Σ_k y_k ln ŷ_k
    fn soft_loss(z: ArrayView2<f64>, y: &[f64]) -> Result<f64, LossError> {
        let log_y_hat = log_softmax(z)?;
        let mut total = 0.0;
        for (k, &y_k) in y.iter().enumerate() {
            total -= y_k * log_y_hat[[0, k]];
        }
        Ok(total)
    }
    // 推导出的梯度 ŷ − y
    let derived = &softmax(z.view())? - &arr2(&[y]);
    let numeric = central_difference(|z| soft_loss(z, &y), z.view(), 1e-5)?;
    println!("ŷ − y：   {derived:.3}");
    println!("中心差分：{numeric:.3}");
    // ANCHOR_END: ex3
    assert!((&derived - &numeric).iter().all(|d| d.abs() < 1e-9));
    assert_eq!(y.to_vec(), super::quoted("ch02-one-hot", "soft_target"));
    Ok(())
}
