//! Chapter 5, 让模型少一点惊讶.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch05-training", name)
}

/// Whether `a` and `b` agree to rounding (a sum in another order can differ in the last bit).
fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * y.abs().max(1.0))
}

pub fn training() -> Result<(), Box<dyn Error>> {
    section("data");
    // ANCHOR: data
    use listings::one_hot::VOCAB;
    use listings::training::{Bigram, SENTENCES, pairs};

    // 每一对：(前一个词, 下一个词)
    let (inputs, targets) = pairs(&SENTENCES)?;
    // 所有 logit 都是 0：均匀模型
    let model = Bigram::uniform(VOCAB.len());
    let start = model.loss(&inputs, &targets)?;
    println!(
        "{} 个位置（训练样本），初始损失 {start:.3} 奈特（ln 5 = {:.3}）",
        inputs.len(),
        5.0_f64.ln()
    );
    // ANCHOR_END: data
    assert_eq!(inputs.len(), 10);
    assert_eq!(vec![start], quoted("start_loss"));

    section("gradient_check");
    // ANCHOR: gradient_check
    // 解析梯度与中心差分：挑 W 的 5 个元素，每次只把其中一个改动 ±h，看损失怎么变
    let analytic = model.gradient(&inputs, &targets)?;
    let h = 1e-6;
    let mut worst = 0.0_f64;
    for [i, j] in [[0, 1], [0, 2], [2, 3], [3, 4], [4, 0]] {
        // clone() 复制一份模型，改动副本，原来的 model 不变
        let mut up = model.clone();
        up.logits[[i, j]] += h;
        let mut down = model.clone();
        down.logits[[i, j]] -= h;
        let numeric = (up.loss(&inputs, &targets)? - down.loss(&inputs, &targets)?) / (2.0 * h);
        worst = worst.max((numeric - analytic[[i, j]]).abs());
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

    // train 会拿走传给它的模型，所以传一份副本，model 留着后面用
    let (trained, losses) = train(model.clone(), &inputs, &targets, 2.0, 200)?;
    for step in [0, 10, 50, 100, 200] {
        // {step:>3}：把步数右对齐，占 3 格
        println!("第 {step:>3} 步：平均惊讶度 {:.3} 奈特", losses[step]);
    }
    // 每一步的损失都比上一步小吗？
    let mut falls = true;
    for step in 1..losses.len() {
        if losses[step] >= losses[step - 1] {
            falls = false;
        }
    }
    println!("200 步里每一步都在下降：{falls}");
    // ANCHOR_END: train_run
    assert_eq!(vec![losses[200]], quoted("final_loss"));
    assert!(falls, "the loss falls at every step");

    section("prediction");
    // ANCHOR: prediction
    // “吃”的 id；二元模型只看最后一个词“吃”
    let chi = 2;
    let before = model.next_word(chi)?;
    let after = trained.next_word(chi)?;
    println!("“我 爱 吃”之后，训练前：{before:.3}");
    println!("“我 爱 吃”之后，训练后：{after:.3}");
    println!("“苹果”的概率：{:.3} → {:.3}", before[3], after[3]);
    // ANCHOR_END: prediction
    assert_eq!(vec![after[3]], quoted("final_apple"));

    section("likelihood");
    // ANCHOR: likelihood
    use listings::training::corpus_surprise;

    // 10 个位置的惊讶度之和 = −ln（模型给整份语料的概率）
    let total_before = corpus_surprise(&model, &inputs, &targets)?;
    let total_after = corpus_surprise(&trained, &inputs, &targets)?;
    println!(
        "均匀模型：  总惊讶度 {total_before:.3} 奈特 = 10 × {:.3}，语料的概率 e^(−{total_before:.3}) = {:.10}",
        losses[0],
        (-total_before).exp()
    );
    println!(
        "训练 200 步：总惊讶度 {total_after:.3} 奈特 = 10 × {:.3}，语料的概率 e^(−{total_after:.3}) = {:.10}",
        losses[200],
        (-total_after).exp()
    );
    // ANCHOR_END: likelihood
    let totals = [total_before, total_after];
    assert!(close(&totals, &quoted("corpus_surprise")[..2]));
    assert!(close(
        &[(-totals[0]).exp(), (-totals[1]).exp()],
        &quoted("corpus_probability")[..2]
    ));
    assert!((totals[1] - 10.0 * losses[200]).abs() < 1e-12);

    section("floor");
    // ANCHOR: floor
    use listings::information::perplexity;
    use listings::training::{conditional_entropy, next_word_entropy};

    let floor = conditional_entropy(&inputs, &targets, VOCAB.len())?;
    let alone = next_word_entropy(&targets, VOCAB.len())?;
    println!("条件熵 H(下一个词 | 前一个词)（二元模型损失的下限）：{floor:.3} 奈特");
    println!("下一个词自己的熵 H(下一个词)（不看前一个词的下限）：{alone:.3} 奈特");
    println!("训练 200 步后的损失：{:.3} 奈特", losses[200]);
    println!(
        "困惑度：{:.2} → {:.2}（下限 {:.2}）",
        perplexity(start),
        perplexity(losses[200]),
        perplexity(floor)
    );
    println!("下限的困惑度就是 27^(1/10) = {:.2}", 27.0_f64.powf(0.1));
    // ANCHOR_END: floor
    assert_eq!(vec![floor], quoted("floor"));
    assert_eq!(vec![alone], quoted("next_word_entropy"));
    assert!(losses[200] > floor && losses[200] - floor < 0.05);
    assert!((perplexity(floor) - 27.0_f64.powf(0.1)).abs() < 1e-12);
    assert_eq!(
        vec![perplexity(losses[200]), perplexity(floor)],
        quoted("perplexities")
    );

    section("row_gradient");
    // ANCHOR: row_gradient
    use listings::training::empirical_next;

    // 训练 200 步后的模型：梯度的第 a 行应当等于 (n_a / N)(ŷ_a − f_a)
    let grad = trained.gradient(&inputs, &targets)?;
    let n = inputs.len() as f64;
    let mut worst_row = 0.0_f64;
    for (a, word) in VOCAB.iter().enumerate() {
        // n_a：以 a 为前一个词（上下文）的位置数
        let mut n_a = 0.0;
        for &prev in &inputs {
            if prev == a {
                n_a += 1.0;
            }
        }
        let f_a = empirical_next(&inputs, &targets, a, VOCAB.len())?;
        let y_pred = trained.next_word(a)?;
        for (k, &f) in f_a.iter().enumerate() {
            let expected = n_a / n * (y_pred[k] - f);
            worst_row = worst_row.max((grad[[a, k]] - expected).abs());
        }
        println!("{word}（n_a = {n_a}）：梯度这一行 {:.4}", grad.row(a));
    }
    println!(
        "与 (n_a/N)(ŷ_a − f_a) 的最大差小于 1e-15：{}",
        worst_row < 1e-15
    );
    // 在训练后的模型上，再用中心差分核对同样 5 个元素（步长 1e-6，和前面一样）
    let step = 1e-6;
    let mut worst = 0.0_f64;
    for [i, j] in [[0, 1], [0, 2], [2, 3], [3, 4], [4, 0]] {
        let mut up = trained.clone();
        up.logits[[i, j]] += step;
        let mut down = trained.clone();
        down.logits[[i, j]] -= step;
        let numeric = (up.loss(&inputs, &targets)? - down.loss(&inputs, &targets)?) / (2.0 * step);
        worst = worst.max((numeric - grad[[i, j]]).abs());
    }
    println!(
        "训练后，5 个元素上解析梯度与中心差分的最大差小于 1e-8：{}",
        worst < 1e-8
    );
    // ANCHOR_END: row_gradient
    assert!(worst_row < 1e-15 && worst < 1e-8);
    assert_eq!(vec![grad.row(4).sum()], vec![0.0]);

    section("mle");
    // ANCHOR: mle
    // 再多训练一会儿：2000 步
    let (longer, longer_losses) = train(model.clone(), &inputs, &targets, 2.0, 2000)?;
    // 数据里出现过的每一对 (前一个词, 下一个词)：数出来的频率与模型的概率
    for (prev, prev_word) in VOCAB.iter().enumerate() {
        let counted = empirical_next(&inputs, &targets, prev, VOCAB.len())?;
        let at_200 = trained.next_word(prev)?;
        let at_2000 = longer.next_word(prev)?;
        for (next, next_word) in VOCAB.iter().enumerate() {
            if counted[next] > 0.0 {
                println!(
                    "{prev_word} → {next_word}：频率 {:.3}，训练 200 步 {:.3}，2000 步 {:.3}",
                    counted[next], at_200[next], at_2000[next]
                );
            }
        }
    }
    // 用数出来的频率当模型：整份语料的概率是每个位置的频率之积
    let mut best = 1.0_f64;
    for (&prev, &next) in inputs.iter().zip(&targets) {
        // next 是 i64，as usize 把它变成下标（这里的 id 都不是负数）
        best *= empirical_next(&inputs, &targets, prev, VOCAB.len())?[next as usize];
    }
    println!("2000 步后的损失：{:.3} 奈特", longer_losses[2000]);
    // 离下限还差多少？步数多 10 倍，差距小多少？
    let gap_200 = losses[200] - floor;
    let gap_2000 = longer_losses[2000] - floor;
    println!(
        "离下限还差：200 步 {gap_200:.4}，2000 步 {gap_2000:.4}；差距 × 步数：{:.2}，{:.2}",
        gap_200 * 200.0,
        gap_2000 * 2000.0
    );
    println!(
        "频率表给整份语料的概率：{best:.10}，总惊讶度 {:.4} 奈特 = 10 × 条件熵 = 10 × {floor:.4}",
        -best.ln()
    );
    // ANCHOR_END: mle
    assert_eq!(vec![longer_losses[2000]], quoted("longer_loss"));
    assert!(close(&[best], &quoted("corpus_probability")[2..]));
    assert!(close(&[-best.ln()], &quoted("corpus_surprise")[2..]));
    assert!((-best.ln() - 10.0 * floor).abs() < 1e-12);
    let wo_ai = [trained.next_word(0)?[1], longer.next_word(0)?[1]];
    assert_eq!(wo_ai.to_vec(), quoted("wo_ai"));
    assert_eq!(vec![gap_200, gap_2000], quoted("gaps"));
    // Rows with more data learn faster: 苹果 (3 positions) → eos beats 吃 (2) → 苹果.
    assert_eq!(vec![trained.next_word(3)?[4]], quoted("final_eos"));
    assert!(trained.next_word(3)?[4] > trained.next_word(2)?[3]);
    // The row of eos never gets a gradient: nothing follows eos in the data.
    assert_eq!(longer.next_word(4)?, model.next_word(4)?);
    Ok(())
}

pub fn decomposition() -> Result<(), Box<dyn Error>> {
    section("decomposition");
    // ANCHOR: decomposition
    use listings::information::cross_entropy_decomposed;

    // “我”之后：数据里是 爱 两次、吃 一次
    let y_true = [0.0, 2.0 / 3.0, 1.0 / 3.0, 0.0, 0.0];
    // 均匀模型给每个词 0.2
    let y_pred = [0.2; 5];
    let (h, kl) = cross_entropy_decomposed(&y_true, &y_pred)?;
    println!(
        "H(y) = {h:.3}，KL(y‖ŷ) = {kl:.3}，二者之和 = {:.3} = ln 5",
        h + kl
    );
    // ANCHOR_END: decomposition
    assert!((h + kl - 5.0_f64.ln()).abs() < 1e-12);
    assert_eq!(vec![h], quoted("h_after_wo"));
    assert_eq!(vec![kl], quoted("kl_after_wo"));

    section("asymmetry");
    // ANCHOR: asymmetry
    use listings::information::kl_divergence;

    // 第 1 章的 90/10 硬币与一枚均匀硬币
    let biased = [0.9, 0.1];
    let fair = [0.5, 0.5];
    println!("KL(90/10 ‖ 均匀) = {:.3}", kl_divergence(&biased, &fair)?);
    println!("KL(均匀 ‖ 90/10) = {:.3}", kl_divergence(&fair, &biased)?);
    // 反过来量“我”之后：模型给数据从没出现过的词正概率，而数据给它们 0
    println!("KL(均匀模型 ‖ 数据) = {}", kl_divergence(&y_pred, &y_true)?);
    // ANCHOR_END: asymmetry
    let both = [
        kl_divergence(&biased, &fair)?,
        kl_divergence(&fair, &biased)?,
    ];
    assert_eq!(both.to_vec(), quoted("kl_both_ways"));
    assert!(kl_divergence(&y_pred, &y_true)?.is_infinite());
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::one_hot::VOCAB;
    use listings::training::{Bigram, SENTENCES, conditional_entropy, pairs, train};
    section("ex1");
    // ANCHOR: ex1
    let (inputs, targets) = pairs(&SENTENCES)?;
    // 每个学习率都从均匀模型开始训练 200 步，看前几步、最后两步，以及是否每一步都下降
    let mut always_falls = Vec::new();
    for learning_rate in [0.5, 13.0, 20.0] {
        let (_, losses) = train(
            Bigram::uniform(VOCAB.len()),
            &inputs,
            &targets,
            learning_rate,
            200,
        )?;
        let mut falls = true;
        for step in 1..losses.len() {
            if losses[step] >= losses[step - 1] {
                falls = false;
            }
        }
        if falls {
            always_falls.push(learning_rate);
        }
        print!("学习率 {learning_rate}：第 1 到 6 步");
        // &losses[1..=6]：第 1 到第 6 步（含第 6 步）的那一段
        for loss in &losses[1..=6] {
            print!(" {loss:.3}");
        }
        println!(" …… 第 199、200 步 {:.3} {:.3}", losses[199], losses[200]);
    }
    println!("每一步都下降的学习率：{always_falls:?}");
    // ANCHOR_END: ex1
    let (_, slow) = train(Bigram::uniform(VOCAB.len()), &inputs, &targets, 0.5, 200)?;
    assert_eq!(vec![slow[200]], quoted("ex_slow"));
    assert_eq!(always_falls, [0.5, 13.0]);
    let (_, steady) = train(Bigram::uniform(VOCAB.len()), &inputs, &targets, 13.0, 200)?;
    let (_, jumpy) = train(Bigram::uniform(VOCAB.len()), &inputs, &targets, 20.0, 200)?;
    assert!(steady.windows(2).all(|w| w[1] < w[0]));
    assert_eq!(vec![steady[200]], quoted("ex_lr13_final"));
    assert_eq!(jumpy[1..6].to_vec(), quoted("ex_lr20_first"));
    assert_eq!(vec![jumpy[199], jumpy[200]], quoted("ex_lr20_last"));

    section("ex2");
    // ANCHOR: ex2
    let more = [
        "我 爱 吃 苹果 eos",
        "我 吃 苹果 eos",
        "我 爱 苹果 eos",
        "我 爱 吃 苹果 eos",
    ];
    let (inputs, targets) = pairs(&more)?;
    let floor = conditional_entropy(&inputs, &targets, VOCAB.len())?;
    println!("{} 个位置，条件熵：{floor:.3} 奈特", inputs.len());
    // ANCHOR_END: ex2
    assert_eq!(vec![floor], quoted("ex_more_floor"));

    section("ex3");
    // ANCHOR: ex3
    use listings::surprise::entropy;

    // “我”之后 3 次都是“吃”：数出来的分布是 [1]，熵为 0
    let after_wo = [1.0];
    // “吃”之后：苹果 2 次、饭 1 次
    let after_chi = [2.0 / 3.0, 1.0 / 3.0];
    // 6 个位置，按每个前一个词出现的次数加权
    let best = (3.0 * entropy(&after_wo)? + 3.0 * entropy(&after_chi)?) / 6.0;
    println!("最好的二元模型：平均损失 {best:.3} 奈特");
    // ANCHOR_END: ex3
    assert_eq!(vec![best], quoted("ex_chi_floor"));

    section("ex4");
    // ANCHOR: ex4
    use listings::information::perplexity;
    use listings::surprise::nats_to_bits;

    // GPT-2 的词表有 50257 个词元；均匀分布给每个词元 1/50257
    let vocab = 50257.0_f64;
    let loss = -(1.0 / vocab).ln();
    println!(
        "均匀猜测：损失 {loss:.3} 奈特（{:.3} 比特），困惑度 {:.0}",
        nats_to_bits(loss),
        perplexity(loss)
    );
    // ANCHOR_END: ex4
    assert_eq!(vec![loss, nats_to_bits(loss)], quoted("ex_gpt2_loss"));
    assert!((perplexity(loss) - vocab).abs() < 1e-6);
    Ok(())
}
