//! Chapter 5, 让模型少一点惊喜.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch05-training", name)
}

pub fn training() -> Result<(), Box<dyn Error>> {
    section("data");
    // ANCHOR: data
    use listings::one_hot::VOCAB;
    use listings::training::{Bigram, SENTENCES, pairs};

    let (inputs, targets) = pairs(&SENTENCES)?; // 每一对：(前一个词, 下一个词)
    let model = Bigram::uniform(VOCAB.len()); // 所有 logit 都是 0
    let start = model.loss(&inputs, &targets)?;
    println!(
        "{} 对训练样本，初始损失 {start:.3}（ln 5 = {:.3}）",
        inputs.len(),
        5.0_f64.ln()
    );
    // ANCHOR_END: data
    assert_eq!(inputs.len(), 10);
    assert_eq!(vec![start], quoted("start_loss"));

    section("gradient_check");
    // ANCHOR: gradient_check
    // 解析梯度与中心差分：改动 W 的每一个元素，看损失怎么变
    let analytic = model.gradient(&inputs, &targets)?;
    let h = 1e-6;
    let mut worst = 0.0_f64;
    for index in [(0, 1), (0, 2), (2, 3), (3, 4), (4, 0)] {
        let mut up = model.clone();
        up.logits[index] += h;
        let mut down = model.clone();
        down.logits[index] -= h;
        let numeric = (up.loss(&inputs, &targets)? - down.loss(&inputs, &targets)?) / (2.0 * h);
        worst = worst.max((numeric - analytic[index]).abs());
    }
    println!(
        "5 个元素上，解析梯度与中心差分的最大差小于 1e-8：{}",
        worst < 1e-8
    );
    // ANCHOR_END: gradient_check
    assert!(worst < 1e-8);

    section("train_run");
    // ANCHOR: train_run
    use listings::training::train;

    let (trained, losses) = train(model.clone(), &inputs, &targets, 2.0, 200)?;
    let report: Vec<String> = [0, 10, 50, 100, 200]
        .iter()
        .map(|&step| format!("第 {step:>3} 步：平均惊喜 {:.3}", losses[step]))
        .collect();
    println!("{}", report.join("\n"));
    // ANCHOR_END: train_run
    assert_eq!(vec![losses[200]], quoted("final_loss"));
    assert!(
        losses.windows(2).all(|w| w[1] < w[0]),
        "the loss falls at every step"
    );

    section("prediction");
    // ANCHOR: prediction
    let chi = 2; // “吃”的 id
    let before = model.next_word(chi)?;
    let after = trained.next_word(chi)?;
    println!("“我 爱 吃”之后，训练前：{before:.3}");
    println!("“我 爱 吃”之后，训练后：{after:.3}");
    println!("“苹果”的概率：{:.3} → {:.3}", before[3], after[3]);
    // ANCHOR_END: prediction
    assert_eq!(vec![after[3]], quoted("final_apple"));

    section("floor");
    // ANCHOR: floor
    use listings::information::perplexity;
    use listings::training::data_entropy;

    let floor = data_entropy(&inputs, &targets, VOCAB.len())?;
    println!("数据本身的熵（损失的下限）：{floor:.3}");
    println!("训练 200 步后的损失：      {:.3}", losses[200]);
    println!(
        "困惑度：{:.2} → {:.2}（下限 {:.2}）",
        perplexity(start),
        perplexity(losses[200]),
        perplexity(floor)
    );
    // ANCHOR_END: floor
    assert_eq!(vec![floor], quoted("floor"));
    assert!(losses[200] > floor && losses[200] - floor < 0.05);
    Ok(())
}

pub fn decomposition() -> Result<(), Box<dyn Error>> {
    section("decomposition");
    // ANCHOR: decomposition
    use listings::information::cross_entropy_decomposed;

    // “我”之后：数据里是 爱 两次、吃 一次；均匀模型给每个词 0.2
    let truth = [0.0, 2.0 / 3.0, 1.0 / 3.0, 0.0, 0.0];
    let model = [0.2; 5];
    let (h, kl) = cross_entropy_decomposed(&truth, &model)?;
    println!(
        "H(p) = {h:.3}，KL(p‖q) = {kl:.3}，二者之和 = {:.3} = ln 5",
        h + kl
    );
    // ANCHOR_END: decomposition
    assert!((h + kl - 5.0_f64.ln()).abs() < 1e-12);
    assert_eq!(vec![h], quoted("h_after_wo"));
    assert_eq!(vec![kl], quoted("kl_after_wo"));
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::one_hot::VOCAB;
    use listings::training::{Bigram, SENTENCES, data_entropy, pairs, train};
    section("ex1");
    // ANCHOR: ex1
    let (inputs, targets) = pairs(&SENTENCES)?;
    let (_, slow) = train(Bigram::uniform(VOCAB.len()), &inputs, &targets, 0.5, 200)?;
    println!("学习率 0.5，200 步后：{:.3}", slow[200]);
    // ANCHOR_END: ex1
    assert_eq!(vec![slow[200]], quoted("ex_slow"));

    section("ex2");
    // ANCHOR: ex2
    let more = [
        "我 爱 吃 苹果 eos",
        "我 吃 苹果 eos",
        "我 爱 苹果 eos",
        "我 爱 吃 苹果 eos",
    ];
    let (inputs, targets) = pairs(&more)?;
    println!(
        "{} 对样本，数据的熵：{:.3}",
        inputs.len(),
        data_entropy(&inputs, &targets, VOCAB.len())?
    );
    // ANCHOR_END: ex2
    assert_eq!(
        vec![data_entropy(&inputs, &targets, VOCAB.len())?],
        quoted("ex_more_floor")
    );
    Ok(())
}
