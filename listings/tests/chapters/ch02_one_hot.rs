//! Chapter 2's listings: the one-hot sum, expanded, and the pick that replaces it.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch02-one-hot", name)
}

pub fn one_hot_sum() -> Result<(), Box<dyn Error>> {
    section("setup");
    // ANCHOR: setup
    use listings::one_hot::{VOCAB, one_hot, token_id};

    // 模型看到“我 爱 吃”之后给出的预测 ŷ（经过 LM 头和 softmax）
    let y_pred = [0.05, 0.10, 0.20, 0.60, 0.05];
    // token_id 返回 Option：找到是 Some(id)，找不到是 None；
    // ok_or 把 None 换成一个错误，? 再把错误交给调用者
    let answer = token_id(&VOCAB, "苹果").ok_or("词表里没有“苹果”")?;
    let y_true: Vec<f64> = one_hot(answer, VOCAB.len())?;
    println!("答案“苹果”的 id = {answer}，y_true = {y_true:?}");
    // ANCHOR_END: setup
    assert_eq!(y_pred.to_vec(), quoted("good"));
    assert_eq!(answer, 3);
    assert_eq!(y_true, [0.0, 0.0, 0.0, 1.0, 0.0]);

    section("expand");

    // ANCHOR: expand
    use listings::one_hot::{cross_entropy_sum, cross_entropy_terms};

    let terms = cross_entropy_terms(&y_true, &y_pred)?;
    for (i, word) in VOCAB.iter().enumerate() {
        println!(
            "{word}\ty_true = {}\tln {:.2} = {:.3}\t项 = {:.3}",
            y_true[i],
            y_pred[i],
            y_pred[i].ln(),
            terms[i]
        );
    }
    let loss = cross_entropy_sum(&y_true, &y_pred)?;
    println!("损失 = {loss:.3}");
    // ANCHOR_END: expand
    assert_eq!(
        y_pred.iter().map(|p| p.ln()).collect::<Vec<_>>(),
        quoted("ln_good")
    );
    assert_eq!(terms[..3], [0.0; 3]);
    assert_eq!(terms[4], 0.0);
    assert_eq!(vec![loss], quoted("loss_good"));

    section("pick");

    // ANCHOR: pick
    use listings::one_hot::surprise_at;

    let picked = surprise_at(&y_pred, answer)?;
    println!("直接挑出 y_pred[{answer}] 取 −ln：{picked:.3}");
    // ANCHOR_END: pick
    assert_eq!(picked, loss);

    section("bad");

    // ANCHOR: bad
    let y_bad = [0.3, 0.3, 0.3, 0.05, 0.05];
    let loss_bad = surprise_at(&y_bad, answer)?;
    println!(
        "糟糕的预测：损失 = {loss_bad:.3}，是好预测的 {:.1} 倍",
        loss_bad / picked
    );
    // ANCHOR_END: bad
    assert_eq!(y_bad.to_vec(), quoted("bad"));
    assert_eq!(vec![loss_bad], quoted("loss_bad"));
    assert_eq!(vec![loss_bad / picked], quoted("ratio"));
    Ok(())
}

pub fn nan() -> Result<(), Box<dyn Error>> {
    use listings::one_hot::{cross_entropy_sum, one_hot, surprise_at};
    let y_true: Vec<f64> = one_hot(3, 5)?;
    section("nan");
    // ANCHOR: nan
    // 一个把“我”的概率压到了 0 的预测
    let y_zero: [f64; 5] = [0.0, 0.10, 0.25, 0.60, 0.05];
    let mut naive = 0.0;
    for (t, p) in y_true.iter().zip(&y_zero) {
        naive += -t * p.ln();
    }
    // 第 0 项是 0 × ln 0 = 0 × (−∞) = NaN
    println!("逐项照抄公式：{naive}");
    println!(
        "跳过 y_true = 0 的项：{:.3}",
        cross_entropy_sum(&y_true, &y_zero)?
    );
    println!("直接挑出答案：{:.3}", surprise_at(&y_zero, 3)?);
    // ANCHOR_END: nan
    assert!(naive.is_nan());
    assert_eq!(y_zero.to_vec(), quoted("with_zero"));
    assert_eq!(
        vec![cross_entropy_sum(&y_true, &y_zero)?],
        quoted("loss_good")
    );
    assert_eq!(vec![surprise_at(&y_zero, 3)?], quoted("loss_good"));
    // The prose: e^{-1000} underflows to exactly 0 in f32 and f64 alike.
    assert!((-1000.0_f32).exp() == 0.0 && (-1000.0_f64).exp() == 0.0);
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::one_hot::surprise_at;
    section("ex1");
    // ANCHOR: ex1
    let confident = surprise_at(&[0.025, 0.025, 0.025, 0.9, 0.025], 3)?;
    let very_confident = surprise_at(&[0.0025, 0.0025, 0.0025, 0.99, 0.0025], 3)?;
    println!("0.9：{confident:.3}，0.99：{very_confident:.3}");
    // ANCHOR_END: ex1
    assert_eq!(vec![confident, very_confident], quoted("ex_confident"));

    section("ex2");
    // ANCHOR: ex2
    // “我”的 0.05 挪给了“eos”
    let moved = [0.0, 0.10, 0.20, 0.60, 0.10];
    println!("损失：{:.3}", surprise_at(&moved, 3)?);
    // ANCHOR_END: ex2
    assert_eq!(vec![surprise_at(&moved, 3)?], quoted("loss_good"));

    // The setup cell of the chapter defines y_pred; the notebook keeps it.
    let y_pred = listings::one_hot::GOOD_PREDICTION;
    section("ex3");
    // ANCHOR: ex3
    use listings::one_hot::{cross_entropy_sum, cross_entropy_terms};

    // 软目标：“我 爱 吃”之后，九成是“苹果”，一成就此结束
    let y_soft = [0.0, 0.0, 0.0, 0.9, 0.1];
    println!("每一项：{:.3?}", cross_entropy_terms(&y_soft, &y_pred)?);
    let before = cross_entropy_sum(&y_soft, &y_pred)?;
    let after = cross_entropy_sum(&y_soft, &moved)?;
    println!("原来的预测：{before:.3}，挪动之后：{after:.3}");
    // ANCHOR_END: ex3
    assert_eq!(y_soft.to_vec(), quoted("soft_target"));
    assert_eq!(vec![before, after], quoted("ex_soft"));
    Ok(())
}
