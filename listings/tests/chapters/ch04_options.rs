//! Chapter 4, PyTorch 的全部选项.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch04-options", name)
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < tol)
}

pub fn padding() -> Result<(), Box<dyn Error>> {
    section("padding");
    // ANCHOR: padding
    use listings::fused::batch_logits;
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    // 第 3 章那一批 logits，[N, C] = [6, 5]
    let logits = batch_logits().into_dyn();
    // 第二句比第一句短：它的最后一个位置是填充，答案记作 -100
    let targets = array![1_i64, 2, 3, 2, 3, -100].into_dyn();

    let none = CrossEntropyLoss::new().reduction(Reduction::None);
    let per_position = none.forward(logits.view(), Target::Indices(targets.view()))?;
    let mean = CrossEntropyLoss::new().forward(logits.view(), Target::Indices(targets.view()))?;
    let sum = CrossEntropyLoss::new()
        .reduction(Reduction::Sum)
        .forward(logits.view(), Target::Indices(targets.view()))?;
    println!("none：{per_position:.3}");
    println!("mean：{:.3}（除以 5 个真实位置）", mean[[]]);
    println!("sum： {:.3}", sum[[]]);
    // ANCHOR_END: padding
    assert_eq!(per_position[[5]], 0.0);
    assert_eq!(vec![mean[[]]], quoted("padded_mean"));
    assert_eq!(vec![sum[[]]], quoted("padded_sum"));
    assert!((mean[[]] - sum[[]] / 5.0).abs() < 1e-15);

    section("padding_grad");
    // ANCHOR: padding_grad
    use ndarray::Axis;

    // 上游梯度 grad_output：最终的训练目标对这个损失的导数。
    // 损失本身就是目标时它是 1（Mean 是一个标量，所以是零维的 1），相当于 PyTorch 默认的 loss.backward()
    let one = ndarray::arr0(1.0).into_dyn();
    let grad = CrossEntropyLoss::new().backward(
        logits.view(),
        Target::Indices(targets.view()),
        one.view(),
    )?;
    // index_axis(Axis(0), 5)：沿第 0 维取出第 5 个（第 5 行），结果少一维
    println!("填充位置的梯度：{:.3}", grad.index_axis(Axis(0), 5));
    println!("第 0 行的梯度：  {:.3}", grad.index_axis(Axis(0), 0));
    // ANCHOR_END: padding_grad
    assert!(grad.index_axis(Axis(0), 5).iter().all(|&g| g == 0.0));
    let row0: Vec<f64> = grad.index_axis(Axis(0), 0).iter().copied().collect();
    assert_eq!(row0, quoted("padded_grad_row0"));
    assert_eq!(vec![sum[[]] / 6.0], quoted("padded_sum_over_six"));

    section("accumulation");
    // ANCHOR: accumulation
    use ndarray::Slice;

    // 梯度累积：显存放不下整批时，把它拆成两个小批（两句话），一次算一个
    let sum_loss = CrossEntropyLoss::new().reduction(Reduction::Sum);
    let mut mean_of_means = 0.0;
    let mut total = 0.0;
    let mut real_positions = 0;
    for rows in [0..3, 3..6] {
        // slice_axis 沿第 0 维切出这几行（一个视图，不复制）
        let part = logits.slice_axis(Axis(0), Slice::from(rows.clone()));
        let part_targets = targets.slice_axis(Axis(0), Slice::from(rows));
        let part_mean =
            CrossEntropyLoss::new().forward(part.view(), Target::Indices(part_targets.view()))?;
        // 错误的做法：每个小批取 Mean，再对两个小批取平均
        mean_of_means += part_mean[[]] / 2.0;
        // 正确的做法：每个小批取 Sum，最后除以全部真实位置数
        total += sum_loss.forward(part.view(), Target::Indices(part_targets.view()))?[[]];
        for &t in part_targets.iter() {
            if t != -100 {
                real_positions += 1;
            }
        }
    }
    println!("各小批的 Mean 再平均：{mean_of_means:.3}");
    println!(
        "Sum 之和 / 真实位置数：{total:.3} / {real_positions} = {:.3}",
        total / real_positions as f64
    );
    // ANCHOR_END: accumulation
    assert_eq!(real_positions, 5);
    assert!((total / 5.0 - mean[[]]).abs() < 1e-15);
    assert!((mean_of_means - quoted("mean_of_means")[0]).abs() < 1e-15);
    Ok(())
}

pub fn weights() -> Result<(), Box<dyn Error>> {
    section("weights");
    // ANCHOR: weights
    use listings::fused::batch_logits;
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    let logits = batch_logits().into_dyn();
    let targets = array![1_i64, 2, 3, 2, 3, 4].into_dyn();
    // 让“苹果”（id 3）的错误代价加倍
    let weight = array![1.0, 1.0, 1.0, 2.0, 1.0];
    let weighted = CrossEntropyLoss::new().weight(weight.clone());

    // .reduction(...) 会拿走（消耗）它的接收者，返回一个新的损失；
    // 后面还要用 weighted，所以先 clone 一份
    let per_position = weighted
        .clone()
        .reduction(Reduction::None)
        .forward(logits.view(), Target::Indices(targets.view()))?;
    let mean = weighted.forward(logits.view(), Target::Indices(targets.view()))?;
    // 分母：每个位置的答案的权重 w_t 之和
    let mut total_weight = 0.0;
    for &t in targets.iter() {
        // t 是 i64；这批答案里没有 -100，都是非负的，可以放心转成下标 usize
        total_weight += weight[t as usize];
    }
    println!("none：{per_position:.3}");
    println!(
        "mean：{:.3} = {:.3} / {total_weight}",
        mean[[]],
        per_position.sum()
    );
    // ANCHOR_END: weights
    assert_eq!(total_weight, 8.0);
    assert_eq!(vec![mean[[]]], quoted("weighted_mean"));
    assert_eq!(vec![per_position.sum()], quoted("weighted_sum"));
    Ok(())
}

pub fn label_smoothing() -> Result<(), Box<dyn Error>> {
    section("label_smoothing");
    // ANCHOR: label_smoothing
    use listings::{CrossEntropyLoss, Target};
    use ndarray::array;

    // 第 2 章的预测 ŷ，写成 logits z = ln ŷ；答案是“苹果”（id 3）
    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]]
        .mapv(f64::ln)
        .into_dyn();
    let answer = array![3_i64].into_dyn();

    let plain = CrossEntropyLoss::new().forward(logits.view(), Target::Indices(answer.view()))?;
    let smooth = CrossEntropyLoss::new().label_smoothing(0.1);
    let smoothed = smooth.forward(logits.view(), Target::Indices(answer.view()))?;
    println!("不平滑：{:.3}", plain[[]]);
    println!("ε = 0.1：{:.3}", smoothed[[]]);
    // ANCHOR_END: label_smoothing
    // Chapter 2's -ln 0.60, here reached through logits: equal up to the last bit.
    assert!((plain[[]] - super::quoted("ch02-one-hot", "loss_good")[0]).abs() < 1e-15);
    assert_eq!(vec![smoothed[[]]], quoted("smoothed_loss"));

    section("smoothed_target");
    // ANCHOR: smoothed_target
    use listings::surprise::entropy;

    // 平滑后的目标分布 ỹ = (1 − ε)·独热 + ε/C
    let (eps, c) = (0.1, 5.0);
    let y_smooth = array![0.0, 0.0, 0.0, 1.0, 0.0].mapv(|y| (1.0 - eps) * y + eps / c);
    // 概率目标与 logits 同形状：insert_axis(Axis(0)) 在最前面加一维，[5] → [1, 5]
    let y_true = y_smooth.clone().insert_axis(ndarray::Axis(0)).into_dyn();
    let as_probabilities =
        CrossEntropyLoss::new().forward(logits.view(), Target::Probabilities(y_true.view()))?;
    println!("目标分布 ỹ：{y_smooth:.2}");
    println!("把它当作概率目标：{:.3}", as_probabilities[[]]);
    // 预测恰好等于 ỹ 时，损失降到 ỹ 的熵，再也降不到 0
    println!("可达到的最低损失 H(ỹ)：{:.3}", entropy(&y_smooth.to_vec())?);
    // 加上权重（“苹果” ×2）：每个位置的损失仍然相同，Mean 的分母却不同
    let w = array![1.0, 1.0, 1.0, 2.0, 1.0];
    let by_index = smooth
        .clone()
        .weight(w.clone())
        .forward(logits.view(), Target::Indices(answer.view()))?;
    let by_probabilities = CrossEntropyLoss::new()
        .weight(w)
        .forward(logits.view(), Target::Probabilities(y_true.view()))?;
    println!(
        "带权重：整数答案 {:.3}（除以 w_t = 2），概率目标 {:.3}（除以位置数 1）",
        by_index[[]],
        by_probabilities[[]]
    );
    // ANCHOR_END: smoothed_target
    assert!((2.0 * by_index[[]] - by_probabilities[[]]).abs() < 1e-15);
    assert!((as_probabilities[[]] - smoothed[[]]).abs() < 1e-15);
    assert_eq!(y_smooth.to_vec(), quoted("smoothed_target"));
    assert_eq!(
        vec![entropy(&y_smooth.to_vec())?],
        quoted("smoothing_floor")
    );

    section("smoothing_minimum");
    // ANCHOR: smoothing_minimum
    // 只改“苹果”（t = 3）的 logit，其余四个 logit 固定不动
    let t = 3;
    let mut others = 0.0;
    for j in 0..5 {
        if j != t {
            others += logits[[0, j]].exp();
        }
    }
    // 令 ∂ℓ/∂z_t = ŷ_t − ỹ_t = 0，即 e^z / (e^z + others) = ỹ_t，解出 z
    let z_best = (y_smooth[t] / (1.0 - y_smooth[t])).ln() + others.ln();
    let mut at_best = logits.clone();
    at_best[[0, t]] = z_best;
    let loss_best = smooth.forward(at_best.view(), Target::Indices(answer.view()))?;
    // 那里的预测：ŷ_k = e^{z_k} / Σ_j e^{z_j}
    let total = others + z_best.exp();
    let mut y_best = ndarray::Array1::zeros(5);
    for k in 0..5 {
        y_best[k] = at_best[[0, k]].exp() / total;
    }
    println!("最低点：z = {z_best:.3}，损失 = {:.3}", loss_best[[]]);
    println!("那里的预测 ŷ：{y_best:.3}");
    // 那里的梯度 ŷ − ỹ：只有“苹果”那一项一定是 0
    let one = ndarray::arr0(1.0).into_dyn();
    let grad_best = smooth.backward(at_best.view(), Target::Indices(answer.view()), one.view())?;
    println!(
        "那里的梯度 ŷ − ỹ：{:.3}",
        grad_best.index_axis(ndarray::Axis(0), 0)
    );
    // ANCHOR_END: smoothing_minimum
    let g: Vec<f64> = grad_best.iter().copied().collect();
    assert_eq!(g, quoted("smoothing_best_grad"));
    let kl = listings::information::kl_divergence(&y_smooth.to_vec(), &y_best.to_vec())?;
    assert_eq!(vec![kl], quoted("smoothing_gap"));
    assert!((loss_best[[]] - entropy(&y_smooth.to_vec())? - kl).abs() < 1e-15);
    let (fig_z, fig_loss) = listings::machinery::figures::smoothing_minimum()?;
    assert_eq!(vec![z_best], quoted("smoothing_best_z"));
    assert_eq!(vec![loss_best[[]]], quoted("smoothing_best_loss"));
    assert!((fig_z - z_best).abs() < 1e-15 && (fig_loss - loss_best[[]]).abs() < 1e-15);
    assert!(grad_best[[0, t]].abs() < 1e-15);
    // Every logit free: the floor H(ỹ) is lower than this one-logit minimum by KL(ỹ ‖ ŷ).
    assert!(loss_best[[]] > entropy(&y_smooth.to_vec())?);
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

    section("soft_padding");
    // ANCHOR: soft_padding
    use listings::Reduction;

    // 两个位置：第 0 个是老师的软目标，第 1 个是填充，它的目标全记作 0
    let two = array![
        [0.05, 0.10, 0.20, 0.60, 0.05],
        [0.05, 0.10, 0.20, 0.60, 0.05]
    ]
    .mapv(f64::ln)
    .into_dyn();
    let padded = array![[0.0, 0.0, 0.0, 0.7, 0.3], [0.0, 0.0, 0.0, 0.0, 0.0]].into_dyn();
    // 默认的 ignore_index = -100 是负数：不报错，但也什么都不跳过
    let diluted = loss.forward(two.view(), Target::Probabilities(padded.view()))?;
    // 正确的做法：不归约，乘上掩码（真实位置 1，填充 0），再除以真实位置数
    let mask = [1.0, 0.0];
    let per_position = CrossEntropyLoss::new()
        .reduction(Reduction::None)
        .forward(two.view(), Target::Probabilities(padded.view()))?;
    let mut total = 0.0;
    let mut count = 0.0;
    for i in 0..2 {
        total += mask[i] * per_position[[i]];
        count += mask[i];
    }
    println!("默认 Mean：{:.3}（除以 2，被填充稀释了）", diluted[[]]);
    println!("掩码后除以真实位置数：{:.3}", total / count);
    // ANCHOR_END: soft_padding
    assert_eq!(vec![diluted[[]]], quoted("soft_padding_diluted"));
    assert!((total / count - soft[[]]).abs() < 1e-15);
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
    let answer = array![3_i64].into_dyn();
    let teacher = array![[0.0, 0.0, 0.0, 0.7, 0.3]].into_dyn();
    let one = ndarray::arr0(1.0).into_dyn();

    let plain = CrossEntropyLoss::new();
    let smooth = CrossEntropyLoss::new().label_smoothing(0.1);
    // 第三个参数是上游梯度：损失本身就是训练目标，所以是 1
    let g_plain = plain.backward(logits.view(), Target::Indices(answer.view()), one.view())?;
    let g_smooth = smooth.backward(logits.view(), Target::Indices(answer.view()), one.view())?;
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

    section("general_gradient");
    // ANCHOR: general_gradient
    use listings::Reduction;
    use ndarray::{Array1, Axis};

    // 一般形式：∂ℓ/∂z_j = (Σ_k w_k·y_k)·ŷ_j − w_j·y_j
    fn general(y_pred: &[f64], y_true: &[f64], w: &[f64]) -> Array1<f64> {
        let mut mass = 0.0;
        for k in 0..y_true.len() {
            mass += w[k] * y_true[k];
        }
        let mut grad = Array1::zeros(y_true.len());
        for j in 0..y_true.len() {
            grad[j] = mass * y_pred[j] - w[j] * y_true[j];
        }
        grad
    }

    // softmax(logits)，即第 2 章的预测
    let y_pred = [0.05, 0.10, 0.20, 0.60, 0.05];
    let no_weights = [1.0; 5];

    // 情况一：老师的软目标，“苹果”的权重为 2
    let w = [1.0, 1.0, 1.0, 2.0, 1.0];
    let weighted = CrossEntropyLoss::new().weight(Array1::from(w.to_vec()));
    let ours = weighted.backward(
        logits.view(),
        Target::Probabilities(teacher.view()),
        one.view(),
    )?;
    println!("带权重的软目标");
    println!("  backward：{:.3}", ours.index_axis(Axis(0), 0));
    println!(
        "  一般形式：{:.3}",
        general(&y_pred, &[0.0, 0.0, 0.0, 0.7, 0.3], &w)
    );
    println!(
        "  ŷ − y：   {:.3}",
        general(&y_pred, &[0.0, 0.0, 0.0, 0.7, 0.3], &no_weights)
    );

    // 情况二：和为 2 的目标（“苹果”和“eos”都算对），不加权
    let both = array![[0.0, 0.0, 0.0, 1.0, 1.0]].into_dyn();
    let ours = plain.backward(
        logits.view(),
        Target::Probabilities(both.view()),
        one.view(),
    )?;
    let mut naive = Array1::zeros(5);
    for j in 0..5 {
        naive[j] = y_pred[j] - both[[0, j]];
    }
    println!("和为 2 的目标");
    println!("  backward：{:.3}", ours.index_axis(Axis(0), 0));
    println!(
        "  一般形式：{:.3}",
        general(&y_pred, &[0.0, 0.0, 0.0, 1.0, 1.0], &no_weights)
    );
    println!("  ŷ − y：   {naive:.3}");

    // 两行概率目标、带权重：Mean 除以行数 2，不是权重之和
    let two_rows = array![
        [0.05, 0.10, 0.20, 0.60, 0.05],
        [0.05, 0.10, 0.20, 0.60, 0.05]
    ]
    .mapv(f64::ln)
    .into_dyn();
    let two_targets = array![[0.0, 0.0, 0.0, 0.7, 0.3], [0.0, 0.0, 0.0, 1.0, 1.0]].into_dyn();
    let mean = weighted.forward(two_rows.view(), Target::Probabilities(two_targets.view()))?;
    // 与上面一样：.reduction 会消耗接收者，先 clone
    let sum = weighted
        .clone()
        .reduction(Reduction::Sum)
        .forward(two_rows.view(), Target::Probabilities(two_targets.view()))?;
    println!(
        "两行概率目标：mean = {:.3} = sum {:.3} / 2",
        mean[[]],
        sum[[]]
    );
    // ANCHOR_END: general_gradient
    let teacher_row = [0.0, 0.0, 0.0, 0.7, 0.3];
    let ours_weighted: Vec<f64> = weighted
        .backward(
            logits.view(),
            Target::Probabilities(teacher.view()),
            one.view(),
        )?
        .iter()
        .copied()
        .collect();
    let general_weighted = general(&y_pred, &teacher_row, &w).to_vec();
    assert!(close(&ours_weighted, &general_weighted, 1e-15));
    assert_eq!(ours_weighted, quoted("grad_weighted_soft"));
    let ours_both: Vec<f64> = ours.iter().copied().collect();
    let general_both = general(&y_pred, &[0.0, 0.0, 0.0, 1.0, 1.0], &no_weights).to_vec();
    assert!(close(&ours_both, &general_both, 1e-15));
    assert_eq!(ours_both, quoted("grad_two_answers"));
    assert!(close(
        &naive.to_vec(),
        &[0.05, 0.10, 0.20, -0.40, -0.95],
        1e-15
    ));
    assert!((mean[[]] - sum[[]] / 2.0).abs() < 1e-15);
    Ok(())
}

pub fn edge_cases() -> Result<(), Box<dyn Error>> {
    section("edge_cases");
    // ANCHOR: edge_cases
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    // 两个位置、C = 3 个类别：第 0 行的类别 1 是 −∞（不是答案），第 1 行有一个 NaN
    let logits = array![[1.0, f64::NEG_INFINITY, 0.5], [f64::NAN, 0.0, 0.0]].into_dyn();
    let targets = array![0_i64, 2].into_dyn();
    let padding_only = array![-100_i64, -100].into_dyn();

    let none = CrossEntropyLoss::new().reduction(Reduction::None);
    println!(
        "−∞ 与 NaN：{:.3}",
        none.forward(logits.view(), Target::Indices(targets.view()))?
    );
    // 同一个 −∞，换成标签平滑：平滑项要对每个类别取 −ln ŷ_k，其中有一个是 +∞
    let smoothed = CrossEntropyLoss::new()
        .reduction(Reduction::None)
        .label_smoothing(0.1);
    println!(
        "平滑 0.1：{:.3}",
        smoothed.forward(logits.view(), Target::Indices(targets.view()))?
    );
    // 换成独热的概率目标：它在那个类别上是 0，而 0 · (−∞) = NaN
    let one_hot = array![[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]].into_dyn();
    println!(
        "概率目标：{:.3}",
        none.forward(logits.view(), Target::Probabilities(one_hot.view()))?
    );
    let mean =
        CrossEntropyLoss::new().forward(logits.view(), Target::Indices(padding_only.view()))?;
    // ::<f64> 把元素类型写明（这种写法叫 turbofish）；省略它，编译器也能从 logits 推断出来
    let sum = CrossEntropyLoss::<f64>::new()
        .reduction(Reduction::Sum)
        .forward(logits.view(), Target::Indices(padding_only.view()))?;
    println!("全是填充：mean = {}，sum = {}", mean[[]], sum[[]]);
    // ANCHOR_END: edge_cases
    assert!(mean[[]].is_nan() && sum[[]] == 0.0);

    section("errors");
    // ANCHOR: errors
    // 仍用上面那两行 logits（[2, 3]，C = 3 个类别）和答案 [0, 2]。
    // 三个设错了的损失，各自用一次
    let bad_weight = CrossEntropyLoss::new().weight(array![1.0, 2.0]);
    let bad_smoothing = CrossEntropyLoss::new().label_smoothing(1.5);
    let bad_ignore = CrossEntropyLoss::new().ignore_index(0);
    let y_true = array![[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]].into_dyn();
    let results = [
        bad_weight.forward(logits.view(), Target::Indices(targets.view())),
        bad_smoothing.forward(logits.view(), Target::Indices(targets.view())),
        bad_ignore.forward(logits.view(), Target::Probabilities(y_true.view())),
    ];
    let mut messages = Vec::new();
    for result in results {
        match result {
            Ok(loss) => messages.push(format!("没有报错：{loss}")),
            // pytorch_kind 说出 PyTorch 在这里会抛出的异常类型
            Err(e) => messages.push(format!("[{:?}] {e}", e.pytorch_kind())),
        }
    }
    // 归约方式写错了：PyTorch 只认 "none"、"mean"、"sum"
    match "avg".parse::<Reduction>() {
        Ok(reduction) => messages.push(format!("没有报错：{reduction:?}")),
        Err(e) => messages.push(format!("[{:?}] {e}", e.pytorch_kind())),
    }
    // 负的 label_smoothing 和 PyTorch 一样不报错，只当作不平滑
    // （换一行没有 NaN 的 logits，否则两边都是 NaN，没法比较）
    let clean = array![[1.0, 2.0, 0.5]].into_dyn();
    let answer = array![1_i64].into_dyn();
    let negative = CrossEntropyLoss::new().label_smoothing(-0.1);
    let plain = CrossEntropyLoss::new();
    let a = negative.forward(clean.view(), Target::Indices(answer.view()))?;
    let b = plain.forward(clean.view(), Target::Indices(answer.view()))?;
    messages.push(format!("label_smoothing = -0.1 与不平滑相同：{}", a == b));
    println!("{}", messages.join("\n"));
    // ANCHOR_END: errors
    pitfalls()
}

/// 常见陷阱: shown after the errors, in the chapter's order.
fn pitfalls() -> Result<(), Box<dyn Error>> {
    section("double_softmax");
    // ANCHOR: double_softmax
    use listings::fused::softmax;
    use listings::{CrossEntropyLoss, Target};
    use ndarray::{Array1, array};

    let logits = array![[0.05, 0.10, 0.20, 0.60, 0.05]].mapv(f64::ln);
    let answer = array![3_i64].into_dyn();
    let one = ndarray::arr0(1.0).into_dyn();
    let loss = CrossEntropyLoss::new();

    // 正确：把 logits 直接交给损失
    let right = loss.forward(logits.view().into_dyn(), Target::Indices(answer.view()))?;
    let g_right = loss.backward(
        logits.view().into_dyn(),
        Target::Indices(answer.view()),
        one.view(),
    )?;
    // 错误：先做一次 softmax，把概率交给损失，损失里又做一次 softmax
    let y_pred = softmax(logits.view())?;
    let wrong = loss.forward(y_pred.view().into_dyn(), Target::Indices(answer.view()))?;
    // 损失对它的输入（这里是概率 ŷ）的梯度 g
    let g = loss.backward(
        y_pred.view().into_dyn(),
        Target::Indices(answer.view()),
        one.view(),
    )?;
    // 再经过那一次多余的 softmax 回到 logits：∂L/∂z_j = ŷ_j·(g_j − Σ_k ŷ_k·g_k)
    let mut dot = 0.0;
    for k in 0..5 {
        dot += y_pred[[0, k]] * g[[0, k]];
    }
    let mut g_wrong = Array1::zeros(5);
    for j in 0..5 {
        g_wrong[j] = y_pred[[0, j]] * (g[[0, j]] - dot);
    }
    // index_axis 取出第 0 行（一个借来的视图），to_owned 复制成自己的数组
    let g_right_row = g_right.index_axis(ndarray::Axis(0), 0).to_owned();
    println!(
        "直接交 logits：损失 {:.3}，梯度 {g_right_row:.3}",
        right[[]]
    );
    println!("两次 softmax： 损失 {:.3}，梯度 {g_wrong:.3}", wrong[[]]);

    // 一个几乎完全确定的模型：“苹果”的 logit 比别人大 20
    let confident = array![[0.0, 0.0, 0.0, 20.0, 0.0]];
    let right = loss.forward(confident.view().into_dyn(), Target::Indices(answer.view()))?;
    let probabilities = softmax(confident.view())?;
    let wrong = loss.forward(
        probabilities.view().into_dyn(),
        Target::Indices(answer.view()),
    )?;
    println!(
        "几乎确定的模型：正确 {:.3}，两次 softmax {:.3}",
        right[[]],
        wrong[[]]
    );
    // ANCHOR_END: double_softmax
    let g_right: Vec<f64> = g_right.iter().copied().collect();
    assert_eq!(g_right, quoted("grad_plain"));
    let double = quoted("double_softmax");
    assert_eq!(
        double[0],
        loss.forward(y_pred.view().into_dyn(), Target::Indices(answer.view()))?[[]]
    );
    assert!(close(&g_wrong.to_vec(), &double[1..], 1e-15));
    assert!((wrong[[]] - quoted("double_softmax_floor")[0]).abs() < 1e-8);

    section("btc");
    // ANCHOR: btc
    use listings::fused::batch_logits;

    // 语言模型的输出是 [B, T, C]：这里 2 句话 × 3 个位置 × 5 个词元
    let logits = batch_logits().into_shape_with_order((2, 3, 5))?;
    // 答案是 [B, T]：每句话每个位置一个词元 id
    let targets = array![[1_i64, 2, 3], [2, 3, 4]];

    // 错误：直接交进去，第 1 维（T = 3）会被当作类别
    match loss.forward(
        logits.view().into_dyn(),
        Target::Indices(targets.view().into_dyn()),
    ) {
        Ok(l) => println!("没有报错：{:.3}", l[[]]),
        Err(e) => println!("直接传入 [B, T, C]：{e}"),
    }
    // 办法一：摊平成 [B·T, C] 与 [B·T]（各 clone 一份再改形状，原来的还要用）
    let flat = logits.clone().into_shape_with_order((6, 5))?;
    let flat_targets = targets.clone().into_shape_with_order(6)?;
    let a = loss.forward(
        flat.view().into_dyn(),
        Target::Indices(flat_targets.view().into_dyn()),
    )?;
    // 办法二：转置（换轴），把类别换到第 1 维：[B, C, T]，答案仍是 [B, T]
    let permuted = logits.clone().permuted_axes([0, 2, 1]);
    let b = loss.forward(
        permuted.view().into_dyn(),
        Target::Indices(targets.view().into_dyn()),
    )?;
    println!(
        "摊平成 [6, 5]：{:.3}；转置成 [2, 5, 3]：{:.3}",
        a[[]],
        b[[]]
    );

    // 当 T 恰好等于 C，形状对得上，错误就不报了：取前 5 个位置当作一句话
    let square = batch_logits()
        .slice(ndarray::s![0..5, ..])
        .to_owned()
        .into_shape_with_order((1, 5, 5))?;
    let square_targets = array![[1_i64, 2, 3, 2, 3]];
    let silent = loss.forward(
        square.view().into_dyn(),
        Target::Indices(square_targets.view().into_dyn()),
    )?;
    let right = loss.forward(
        square.to_shape((5, 5))?.view().into_dyn(),
        Target::Indices(square_targets.to_shape(5)?.view().into_dyn()),
    )?;
    println!(
        "T = C = 5：不报错，算出 {:.3}，正确的是 {:.3}",
        silent[[]],
        right[[]]
    );

    // 训练时答案要错开一个位置：logits[:, :-1] 对 tokens[:, 1:]。
    // 切掉最后一个位置后，数组在内存里不再连续，不复制就改不了形状
    let shifted = logits.clone().slice_move(ndarray::s![.., ..2, ..]);
    match shifted.clone().into_shape_with_order((4, 5)) {
        Ok(_) => println!("切片后不复制地改形状：成功"),
        Err(e) => println!("切片后不复制地改形状：{e}"),
    }
    // to_shape 在需要时复制一份（PyTorch 的 reshape 也是这样），于是成功
    println!(
        "切片后允许复制地改形状：{:?}",
        shifted.to_shape((4, 5))?.shape()
    );
    // ANCHOR_END: btc
    assert_eq!(vec![a[[]]], quoted("btc_mean"));
    assert!((a[[]] - b[[]]).abs() < 1e-15);
    assert_eq!(vec![silent[[]], right[[]]], quoted("btc_silent"));

    section("uniform_guess");
    // ANCHOR: uniform_guess
    use ndarray::Array2;

    // 开训前的检查：第一批数据的损失应当接近 ln C。GPT-2 的词表有 C = 50257 个词元
    let c = 50257;
    let ln_c = (c as f64).ln();
    // 刚初始化的 LM 头给出很小的 logits（这里用 0.01·sin 代替随机数）
    let small = Array2::from_shape_fn((4, c), |(i, k)| 0.01 * ((i * c + k) as f64).sin());
    // 初始化得太大：同样的 logits 放大 1000 倍
    let loud = small.mapv(|z| 1000.0 * z);
    // 4 个位置的答案（任意的词元 id）
    let targets = array![464_i64, 3290, 318, 257].into_dyn();
    let mut lines = Vec::new();
    for (name, logits) in [("很小的 logits", &small), ("放大 1000 倍", &loud)] {
        let l = loss.forward(logits.view().into_dyn(), Target::Indices(targets.view()))?;
        lines.push(format!("{name}：损失 {:.3}，ln C = {ln_c:.3}", l[[]]));
    }
    println!("{}", lines.join("\n"));

    // 放大后的模型自信吗？看每行最大的概率和熵（4 行取平均）
    use listings::fused::log_sum_exp;
    use listings::surprise::entropy;
    let y_pred = softmax(loud.view())?;
    let mut largest = 0.0;
    let mut mean_entropy = 0.0;
    // 答案与 logits 无关时，平均到所有可能的答案上，损失是 LSE(z) 减去这一行 logits 的平均值
    let mut lse_minus_mean = 0.0;
    for i in 0..4 {
        for k in 0..c {
            largest = f64::max(largest, y_pred[[i, k]]);
        }
        mean_entropy += entropy(&y_pred.row(i).to_vec())? / 4.0;
        lse_minus_mean += (log_sum_exp(loud.row(i)) - loud.row(i).sum() / c as f64) / 4.0;
    }
    println!("放大 1000 倍：最大的概率 {largest:.5}，熵 {mean_entropy:.3} 奈特");
    println!("放大 1000 倍：答案任取时的平均损失 {lse_minus_mean:.3}");
    let mut answer_logits = Vec::new();
    for i in 0..4 {
        // 答案 id 是 i64，这里都是非负的，转成下标 usize
        answer_logits.push(loud[[i, targets[[i]] as usize]]);
    }
    println!("放大 1000 倍：4 个答案的 logit {answer_logits:.3?}");
    // ANCHOR_END: uniform_guess
    let loud_loss = loss.forward(loud.view().into_dyn(), Target::Indices(targets.view()))?[[]];
    assert_eq!(vec![loud_loss], quoted("loud_loss"));
    let small_loss = loss.forward(small.view().into_dyn(), Target::Indices(targets.view()))?[[]];
    assert!((small_loss - ln_c).abs() < 0.01);
    assert_eq!(vec![small_loss], quoted("small_loss"));
    assert!((largest - quoted("loud_largest_probability")[0]).abs() < 1e-15);
    assert!((mean_entropy - quoted("loud_entropy")[0]).abs() < 1e-12);
    assert!((lse_minus_mean - quoted("loud_lse_minus_mean")[0]).abs() < 1e-12);
    assert!((ln_c - quoted("uniform_loss")[0]).abs() < 1e-12);
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
    let mut lines = Vec::new();
    for t in [0_i64, 3] {
        let answer = array![t].into_dyn();
        let loss = uniform.forward(logits.view(), Target::Indices(answer.view()))?;
        lines.push(format!("答案 id {t}：{:.3}", loss[[]]));
    }
    println!("{}", lines.join("\n"));
    // ANCHOR_END: ex1
    let answer = array![3_i64].into_dyn();
    let l = uniform.forward(logits.view(), Target::Indices(answer.view()))?[[]];
    assert_eq!(vec![l], quoted("ex_full_smoothing"));

    section("ex2");
    // ANCHOR: ex2
    let batch = batch_logits().into_dyn();
    let targets = array![1_i64, 2, 3, 2, 3, 4].into_dyn();
    let doubled = CrossEntropyLoss::new().weight(array![2.0, 2.0, 2.0, 2.0, 2.0]);
    let mean = doubled.forward(batch.view(), Target::Indices(targets.view()))?;
    let sum = doubled
        .clone()
        .reduction(Reduction::Sum)
        .forward(batch.view(), Target::Indices(targets.view()))?;
    println!("权重全为 2：mean = {:.3}，sum = {:.3}", mean[[]], sum[[]]);
    // ANCHOR_END: ex2
    assert_eq!(vec![mean[[]]], quoted("btc_mean"));
    assert_eq!(vec![sum[[]]], quoted("ex_doubled_sum"));

    section("ex3");
    // ANCHOR: ex3
    // 推导的结论：∂ℓ/∂z = ŷ − ỹ，逐项算出来，与 backward 对照
    let y_pred = [0.05, 0.10, 0.20, 0.60, 0.05];
    let one_hot = [0.0, 0.0, 0.0, 1.0, 0.0];
    let (eps, c) = (0.1, 5.0);
    let mut by_hand = Vec::new();
    for k in 0..5 {
        let y_smooth = (1.0 - eps) * one_hot[k] + eps / c;
        by_hand.push(y_pred[k] - y_smooth);
    }
    let answer = array![3_i64].into_dyn();
    let one = ndarray::arr0(1.0).into_dyn();
    let grad = CrossEntropyLoss::new().label_smoothing(eps).backward(
        logits.view(),
        Target::Indices(answer.view()),
        one.view(),
    )?;
    println!("ŷ − ỹ：   {by_hand:.3?}");
    println!("backward：{:.3}", grad.index_axis(ndarray::Axis(0), 0));
    // ANCHOR_END: ex3
    let grad: Vec<f64> = grad.iter().copied().collect();
    assert!(close(&by_hand, &grad, 1e-15));
    assert!(close(&by_hand, &quoted("grad_smooth"), 1e-15));

    section("ex4");
    // ANCHOR: ex4
    // 模型完全确定（ŷ 是独热）时，两次 softmax 后的损失：ln(e + C − 1) − 1
    let loss = CrossEntropyLoss::new();
    let mut lines = Vec::new();
    for c in [5_usize, 50257] {
        // 第二次 softmax 看到的“logits”：答案处是 1，其余是 0
        let mut y_pred = ndarray::ArrayD::<f64>::zeros(vec![1, c]);
        y_pred[[0, 0]] = 1.0;
        let answer = array![0_i64].into_dyn();
        let floor = loss.forward(y_pred.view(), Target::Indices(answer.view()))?;
        let formula = (std::f64::consts::E + (c - 1) as f64).ln() - 1.0;
        lines.push(format!(
            "C = {c}：{:.3}（公式 {formula:.3}，ln C = {:.3}）",
            floor[[]],
            (c as f64).ln()
        ));
    }
    println!("{}", lines.join("\n"));
    // ANCHOR_END: ex4
    let floors = quoted("double_softmax_floor");
    for (c, floor) in [5_usize, 50257].into_iter().zip(floors) {
        let mut y_pred = ndarray::ArrayD::<f64>::zeros(vec![1, c]);
        y_pred[[0, 0]] = 1.0;
        let answer = array![0_i64].into_dyn();
        let ours = loss.forward(y_pred.view(), Target::Indices(answer.view()))?[[]];
        let formula = (std::f64::consts::E + (c - 1) as f64).ln() - 1.0;
        assert!((ours - floor).abs() < 1e-12 && (formula - floor).abs() < 1e-12);
    }
    Ok(())
}
