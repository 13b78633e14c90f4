//! Chapter 1, 硬币的惊讶度.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> f64 {
    super::quoted("ch01-coin", name)[0]
}

pub fn coin() -> Result<(), Box<dyn Error>> {
    section("coin");
    // ANCHOR: coin
    use listings::surprise::surprise;

    // 情况 A：正面，概率 0.9
    let heads = surprise(0.9)?;
    // 情况 B：反面，概率 0.1
    let tails = surprise(0.1)?;
    println!("正面的惊讶度：{heads:.3} 奈特");
    println!("反面的惊讶度：{tails:.3} 奈特");
    // ANCHOR_END: coin
    assert_eq!(heads, quoted("heads"));
    assert_eq!(tails, quoted("tails"));
    assert!(tails > 20.0 * heads);
    Ok(())
}

pub fn doubling() -> Result<(), Box<dyn Error>> {
    use listings::surprise::surprise;
    section("doubling");
    // ANCHOR: doubling
    let s_low = surprise(0.2)?;
    let s_high = surprise(0.4)?;
    println!("1/p：{} → {}（减半）", 1.0 / 0.2, 1.0 / 0.4);
    println!(
        "惊讶度：{s_low:.3} → {s_high:.3}（只少了 {:.3}）",
        s_low - s_high
    );
    // ANCHOR_END: doubling
    assert_eq!(s_low, quoted("surprise_0.2"));
    assert_eq!(s_high, quoted("surprise_0.4"));
    assert!((s_low - s_high - quoted("fair_coin")).abs() < 1e-15);
    Ok(())
}

pub fn entropy() -> Result<(), Box<dyn Error>> {
    section("entropy");
    // ANCHOR: entropy
    use listings::surprise::{entropy, nats_to_bits};

    let h = entropy(&[0.9, 0.1])?;
    println!("90/10 硬币的熵：{h:.3} 奈特 = {:.3} 比特", nats_to_bits(h));
    let fair = entropy(&[0.5, 0.5])?;
    println!(
        "公平硬币的熵：{fair:.3} 奈特 = {:.3} 比特",
        nats_to_bits(fair)
    );
    // ANCHOR_END: entropy
    assert_eq!(h, quoted("entropy_nats"));
    assert_eq!(nats_to_bits(h), quoted("entropy_bits"));
    assert_eq!(fair, quoted("fair_coin"));
    assert!((nats_to_bits(fair) - 1.0).abs() < 1e-15);
    Ok(())
}

pub fn bits() -> Result<(), Box<dyn Error>> {
    use listings::surprise::{nats_to_bits, surprise};
    section("bits");
    // ANCHOR: bits
    let heads_bits = nats_to_bits(surprise(0.9)?);
    let tails_bits = nats_to_bits(surprise(0.1)?);
    println!("1 奈特 = {:.3} 比特", nats_to_bits(1.0));
    println!("正面：{heads_bits:.3} 比特，反面：{tails_bits:.3} 比特");
    // ANCHOR_END: bits
    assert_eq!(nats_to_bits(1.0), quoted("nat_in_bits"));
    assert_eq!(heads_bits, quoted("heads_bits"));
    assert_eq!(tails_bits, quoted("tails_bits"));
    Ok(())
}

pub fn bad_probability() -> Result<(), Box<dyn Error>> {
    use listings::surprise::surprise;
    section("bad_probability");
    // ANCHOR: bad_probability
    let answer = match surprise(1.5) {
        Ok(s) => format!("惊讶度：{s}"),
        Err(e) => format!("出错了：{e}"),
    };
    println!("{answer}");
    // ANCHOR_END: bad_probability
    let message = surprise(1.5).unwrap_err().to_string();
    assert!(message.contains("outside [0, 1]"), "{message}");
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::surprise::{entropy, nats_to_bits, surprise};
    section("ex1");
    // ANCHOR: ex1
    // 公平的骰子掷出 6：概率 1/6
    let six = surprise(1.0 / 6.0)?;
    println!("{six:.3} 奈特 = {:.3} 比特", nats_to_bits(six));
    // ANCHOR_END: ex1
    assert_eq!(six, quoted("die"));
    assert_eq!(nats_to_bits(six), super::quoted("ch01-coin", "die_bits")[0]);

    section("ex2");
    // ANCHOR: ex2
    // 记下目前为止熵最大的那枚硬币
    let mut best_p = 0.0;
    let mut best_h = 0.0;
    for p in [0.1, 0.3, 0.5, 0.7, 0.9] {
        // 一枚硬币只有两种结果：正面 p，反面 1 - p
        let h = entropy(&[p, 1.0 - p])?;
        println!("p = {p}：熵 {h:.3} 奈特");
        if h > best_h {
            best_p = p;
            best_h = h;
        }
    }
    println!("最难预测的是 p = {best_p} 的硬币");
    // ANCHOR_END: ex2
    let h: Vec<f64> = [0.1, 0.3, 0.5, 0.7, 0.9]
        .iter()
        .map(|&p| entropy(&[p, 1.0 - p]).unwrap())
        .collect();
    assert_eq!(h, super::quoted("ch01-coin", "coin_entropies"));
    assert!(h[2] > h[1] && h[2] > h[3]);
    assert_eq!((best_p, best_h), (0.5, h[2]));

    section("ex3");
    // ANCHOR: ex3
    // 两次独立的抛掷都是反面：概率相乘
    let both = surprise(0.1 * 0.1)?;
    // 每一次的惊讶度相加
    let sum = surprise(0.1)? + surprise(0.1)?;
    println!("先乘概率再取 −ln：{both:.3} 奈特");
    println!("两次的惊讶度相加：{sum:.3} 奈特");
    // 单位由对数的底决定：规定公平硬币抛出任一面的惊讶度是 1，就得到比特
    println!("k = 1 / ln 2 = {:.3}", 1.0 / surprise(0.5)?);
    // ANCHOR_END: ex3
    assert_eq!(sum, quoted("tails_tails"));
    assert_eq!(both, quoted("tails_tails_product"));
    assert!((both - sum).abs() < 1e-12);
    assert!((1.0 / surprise(0.5)? - quoted("nat_in_bits")).abs() < 1e-15);
    Ok(())
}
