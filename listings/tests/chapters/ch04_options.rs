//! Chapter 4, PyTorch 的全部选项.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch04-options", name)
}

pub fn padding() -> Result<(), Box<dyn Error>> {
    section("padding");
    // ANCHOR: padding
    use listings::fused::batch_logits;
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    let logits = batch_logits().into_dyn(); // 第 3 章那一批 logits，[N, C] = [6, 5]
    // 第二句比第一句短：它的最后一个位置是填充，答案记作 -100
    let y = array![1_i64, 2, 3, 2, 3, -100].into_dyn();

    let none = CrossEntropyLoss::new().reduction(Reduction::None);
    let per_token = none.forward(logits.view(), Target::Indices(y.view()))?;
    let mean = CrossEntropyLoss::new().forward(logits.view(), Target::Indices(y.view()))?;
    let sum = CrossEntropyLoss::new()
        .reduction(Reduction::Sum)
        .forward(logits.view(), Target::Indices(y.view()))?;
    println!("none：{per_token:.3}");
    println!("mean：{:.3}（除以 5 个真实位置）", mean[[]]);
    println!("sum： {:.3}", sum[[]]);
    // ANCHOR_END: padding
    assert_eq!(per_token[[5]], 0.0);
    assert_eq!(vec![mean[[]]], quoted("padded_mean"));
    assert_eq!(vec![sum[[]]], quoted("padded_sum"));
    assert!((mean[[]] - sum[[]] / 5.0).abs() < 1e-15);

    section("padding_grad");
    // ANCHOR: padding_grad
    let one = ndarray::arr0(1.0).into_dyn();
    let grad =
        CrossEntropyLoss::new().backward(logits.view(), Target::Indices(y.view()), one.view())?;
    println!(
        "填充位置的梯度：{:.3}",
        grad.index_axis(ndarray::Axis(0), 5)
    );
    println!(
        "第 0 行的梯度：  {:.3}",
        grad.index_axis(ndarray::Axis(0), 0)
    );
    // ANCHOR_END: padding_grad
    assert!(
        grad.index_axis(ndarray::Axis(0), 5)
            .iter()
            .all(|&g| g == 0.0)
    );
    let row0: Vec<f64> = grad
        .index_axis(ndarray::Axis(0), 0)
        .iter()
        .copied()
        .collect();
    assert_eq!(row0, quoted("padded_grad_row0"));
    Ok(())
}

pub fn weights() -> Result<(), Box<dyn Error>> {
    section("weights");
    // ANCHOR: weights
    use listings::fused::batch_logits;
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    let logits = batch_logits().into_dyn();
    let y = array![1_i64, 2, 3, 2, 3, 4].into_dyn();
    // 让“苹果”（id 3）的错误代价加倍
    let weight = array![1.0, 1.0, 1.0, 2.0, 1.0];
    let weighted = CrossEntropyLoss::new().weight(weight.clone());

    let per_token = weighted
        .clone()
        .reduction(Reduction::None)
        .forward(logits.view(), Target::Indices(y.view()))?;
    let mean = weighted.forward(logits.view(), Target::Indices(y.view()))?;
    let total_weight: f64 = y.iter().map(|&t| weight[t as usize]).sum();
    println!("none：{per_token:.3}");
    println!(
        "mean：{:.3} = {:.3} / {total_weight}",
        mean[[]],
        per_token.sum()
    );
    // ANCHOR_END: weights
    assert_eq!(total_weight, 8.0);
    assert_eq!(vec![mean[[]]], quoted("weighted_mean"));
    assert_eq!(vec![per_token.sum()], quoted("weighted_sum"));
    Ok(())
}

pub fn label_smoothing() -> Result<(), Box<dyn Error>> {
    section("label_smoothing");
    // ANCHOR: label_smoothing
    use listings::{CrossEntropyLoss, Target};
    use ndarray::array;

    // 第 2 章的预测，写成 logits（ln p）；答案是“苹果”（id 3）
    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]]
        .mapv(f64::ln)
        .into_dyn();
    let y = array![3_i64].into_dyn();

    let plain = CrossEntropyLoss::new().forward(logits.view(), Target::Indices(y.view()))?;
    let smooth = CrossEntropyLoss::new()
        .label_smoothing(0.1)
        .forward(logits.view(), Target::Indices(y.view()))?;
    println!("不平滑：{:.3}", plain[[]]);
    println!("ε = 0.1：{:.3}", smooth[[]]);
    // ANCHOR_END: label_smoothing
    // Chapter 2's -ln 0.60, here reached through logits: equal up to the last bit.
    assert!((plain[[]] - super::quoted("ch02-one-hot", "loss_good")[0]).abs() < 1e-15);
    assert_eq!(vec![smooth[[]]], quoted("smoothed_loss"));

    section("smoothed_target");
    // ANCHOR: smoothed_target
    use listings::surprise::entropy;

    // 平滑后的目标分布：(1 − ε)·独热 + ε/C
    let (eps, c) = (0.1, 5.0);
    let target = array![0.0, 0.0, 0.0, 1.0, 0.0].mapv(|t| (1.0 - eps) * t + eps / c);
    let as_probabilities = CrossEntropyLoss::new().forward(
        logits.view(),
        Target::Probabilities(target.view().insert_axis(ndarray::Axis(0)).into_dyn()),
    )?;
    println!("目标分布：{target:.2}");
    println!("把它当作概率目标：{:.3}", as_probabilities[[]]);
    // 完美的模型预测的正是这个分布，损失也降不到 0，只能降到它的熵
    println!(
        "可达到的最低损失：{:.3}",
        entropy(target.as_slice().unwrap_or(&[]))?
    );
    // ANCHOR_END: smoothed_target
    assert!((as_probabilities[[]] - smooth[[]]).abs() < 1e-15);
    assert_eq!(target.to_vec(), quoted("smoothed_target"));
    assert_eq!(
        vec![entropy(target.as_slice().unwrap())?],
        quoted("smoothing_floor")
    );
    Ok(())
}

pub fn soft_targets() -> Result<(), Box<dyn Error>> {
    section("soft_targets");
    // ANCHOR: soft_targets
    use listings::{CrossEntropyLoss, Target};
    use ndarray::array;

    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]]
        .mapv(f64::ln)
        .into_dyn();
    // 第 2 章的独热 y_true 本身就是一个概率目标
    let one_hot = array![[0.0, 0.0, 0.0, 1.0, 0.0]].into_dyn();
    // 一位“老师”模型认为：苹果 70%，eos 30%
    let teacher = array![[0.0, 0.0, 0.0, 0.7, 0.3]].into_dyn();

    let loss = CrossEntropyLoss::new();
    let hard = loss.forward(logits.view(), Target::Probabilities(one_hot.view()))?;
    let soft = loss.forward(logits.view(), Target::Probabilities(teacher.view()))?;
    println!("独热目标：{:.3}", hard[[]]);
    println!("软目标：  {:.3}", soft[[]]);
    // ANCHOR_END: soft_targets
    assert!((hard[[]] - super::quoted("ch02-one-hot", "loss_good")[0]).abs() < 1e-15);
    assert_eq!(vec![soft[[]]], quoted("soft_loss"));
    Ok(())
}

pub fn target_gradient() -> Result<(), Box<dyn Error>> {
    section("target_gradient");
    // ANCHOR: target_gradient
    use listings::{CrossEntropyLoss, Target};
    use ndarray::array;

    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]]
        .mapv(f64::ln)
        .into_dyn();
    let teacher = array![[0.0, 0.0, 0.0, 0.7, 0.3]].into_dyn();
    let one = ndarray::arr0(1.0).into_dyn();

    // 损失对目标 y 的梯度：老师的输出也在训练时要用到它
    let dy = CrossEntropyLoss::new().backward_target(
        logits.view(),
        Target::Probabilities(teacher.view()),
        one.view(),
    )?;
    println!("dL/dy = {:.3}", dy);
    // ANCHOR_END: target_gradient
    let want = logits.mapv(|z: f64| -z);
    assert!(dy.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12));
    assert_eq!(
        dy.iter().copied().collect::<Vec<_>>(),
        quoted("target_grad")
    );
    Ok(())
}

pub fn gradients() -> Result<(), Box<dyn Error>> {
    section("gradients");
    // ANCHOR: gradients
    use listings::{CrossEntropyLoss, Target};
    use ndarray::array;

    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]]
        .mapv(f64::ln)
        .into_dyn();
    let y = array![3_i64].into_dyn();
    let teacher = array![[0.0, 0.0, 0.0, 0.7, 0.3]].into_dyn();
    let one = ndarray::arr0(1.0).into_dyn();

    let plain = CrossEntropyLoss::new();
    let smooth = CrossEntropyLoss::new().label_smoothing(0.1);
    let g_plain = plain.backward(logits.view(), Target::Indices(y.view()), one.view())?;
    let g_smooth = smooth.backward(logits.view(), Target::Indices(y.view()), one.view())?;
    let g_soft = plain.backward(
        logits.view(),
        Target::Probabilities(teacher.view()),
        one.view(),
    )?;
    println!("独热：    {g_plain:.2}");
    println!("平滑 0.1：{g_smooth:.2}");
    println!("软目标：  {g_soft:.2}");
    // ANCHOR_END: gradients
    assert_eq!(
        g_plain.iter().copied().collect::<Vec<_>>(),
        quoted("grad_plain")
    );
    assert_eq!(
        g_smooth.iter().copied().collect::<Vec<_>>(),
        quoted("grad_smooth")
    );
    assert_eq!(
        g_soft.iter().copied().collect::<Vec<_>>(),
        quoted("grad_soft")
    );
    Ok(())
}

pub fn edge_cases() -> Result<(), Box<dyn Error>> {
    section("edge_cases");
    // ANCHOR: edge_cases
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    let logits = array![[1.0, f64::NEG_INFINITY, 0.5], [f64::NAN, 0.0, 0.0]].into_dyn();
    let y = array![0_i64, 2].into_dyn();
    let padding_only = array![-100_i64, -100].into_dyn();

    let none = CrossEntropyLoss::new().reduction(Reduction::None);
    println!(
        "−∞ 与 NaN：{:.3}",
        none.forward(logits.view(), Target::Indices(y.view()))?
    );
    let mean =
        CrossEntropyLoss::new().forward(logits.view(), Target::Indices(padding_only.view()))?;
    let sum = CrossEntropyLoss::<f64>::new()
        .reduction(Reduction::Sum)
        .forward(logits.view(), Target::Indices(padding_only.view()))?;
    println!("全是填充：mean = {}，sum = {}", mean[[]], sum[[]]);
    // ANCHOR_END: edge_cases
    assert!(mean[[]].is_nan() && sum[[]] == 0.0);

    section("errors");
    // ANCHOR: errors
    let bad_weight = CrossEntropyLoss::new().weight(array![1.0, 2.0]);
    let bad_smoothing = CrossEntropyLoss::new().label_smoothing(1.5);
    let bad_ignore = CrossEntropyLoss::new().ignore_index(0);
    let q = array![[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]].into_dyn();
    let messages: Vec<String> = [
        bad_weight.forward(logits.view(), Target::Indices(y.view())),
        bad_smoothing.forward(logits.view(), Target::Indices(y.view())),
        bad_ignore.forward(logits.view(), Target::Probabilities(q.view())),
        "avg".parse::<Reduction>().map(|_| logits.clone()),
    ]
    .into_iter()
    .filter_map(|result| result.err().map(|e| e.to_string()))
    .collect();
    println!("{}", messages.join("\n"));
    // ANCHOR_END: errors
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::fused::batch_logits;
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;
    section("ex1");
    // ANCHOR: ex1
    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]]
        .mapv(f64::ln)
        .into_dyn();
    let uniform = CrossEntropyLoss::new().label_smoothing(1.0);
    let answers: Vec<String> = [0_i64, 3]
        .iter()
        .map(|&t| {
            let y = array![t].into_dyn();
            Ok(format!(
                "答案 id {t}：{:.3}",
                uniform.forward(logits.view(), Target::Indices(y.view()))?[[]]
            ))
        })
        .collect::<Result<_, listings::LossError>>()?;
    println!("{}", answers.join("\n"));
    // ANCHOR_END: ex1
    let y = array![3_i64].into_dyn();
    let l = uniform.forward(logits.view(), Target::Indices(y.view()))?[[]];
    assert_eq!(vec![l], quoted("ex_full_smoothing"));

    section("ex2");
    // ANCHOR: ex2
    let batch = batch_logits().into_dyn();
    let y = array![1_i64, 2, 3, 2, 3, 4].into_dyn();
    let doubled = CrossEntropyLoss::new().weight(array![2.0, 2.0, 2.0, 2.0, 2.0]);
    let mean = doubled.forward(batch.view(), Target::Indices(y.view()))?[[]];
    let sum = doubled
        .clone()
        .reduction(Reduction::Sum)
        .forward(batch.view(), Target::Indices(y.view()))?[[]];
    println!("权重全为 2：mean = {mean:.3}，sum = {sum:.3}");
    // ANCHOR_END: ex2
    assert_eq!(vec![mean], super::quoted("ch03-fused", "mean"));
    assert_eq!(vec![sum], quoted("ex_doubled_sum"));
    Ok(())
}
