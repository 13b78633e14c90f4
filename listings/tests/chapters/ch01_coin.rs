//! Chapter 1, 硬币的惊喜.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> f64 {
    super::quoted("ch01-coin", name)[0]
}

pub fn coin() -> Result<(), Box<dyn Error>> {
    section("coin");
    // ANCHOR: coin
    use listings::surprise::surprise;

    let heads = surprise(0.9)?; // 情况 A：正面，概率 0.9
    let tails = surprise(0.1)?; // 情况 B：反面，概率 0.1
    println!("正面的惊喜：{heads:.3} nats");
    println!("反面的惊喜：{tails:.3} nats");
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
        "惊喜：{s_low:.3} → {s_high:.3}（只少了 {:.3}）",
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
    println!("90/10 硬币的熵：{h:.3} nats = {:.3} bits", nats_to_bits(h));
    let fair = entropy(&[0.5, 0.5])?;
    println!(
        "公平硬币的熵：{fair:.3} nats = {:.3} bits",
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
    println!("1 nat = {:.3} bits", nats_to_bits(1.0));
    println!("正面：{heads_bits:.3} bits，反面：{tails_bits:.3} bits");
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
        Ok(s) => format!("惊喜：{s}"),
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
    let six = surprise(1.0 / 6.0)?; // 公平的骰子掷出 6
    println!("{six:.3} nats = {:.3} bits", nats_to_bits(six));
    // ANCHOR_END: ex1
    assert_eq!(six, quoted("die"));
    assert_eq!(nats_to_bits(six), super::quoted("ch01-coin", "die_bits")[0]);

    section("ex2");
    // ANCHOR: ex2
    let report: Vec<String> = [0.1, 0.3, 0.5, 0.7, 0.9]
        .iter()
        .map(|&p| Ok(format!("p = {p}：熵 {:.3}", entropy(&[p, 1.0 - p])?)))
        .collect::<Result<_, listings::LossError>>()?;
    println!("{}", report.join("\n"));
    // ANCHOR_END: ex2
    let h: Vec<f64> = [0.1, 0.3, 0.5, 0.7, 0.9]
        .iter()
        .map(|&p| entropy(&[p, 1.0 - p]).unwrap())
        .collect();
    assert_eq!(h, super::quoted("ch01-coin", "coin_entropies"));
    assert!(h[2] > h[1] && h[2] > h[3]);
    Ok(())
}
