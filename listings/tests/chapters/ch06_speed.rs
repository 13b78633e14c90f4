//! Chapter 6, 为什么要融合：速度与内存.

use std::error::Error;

use super::section;

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch06-speed", name)
}

pub fn sizes() -> Result<(), Box<dyn Error>> {
    section("sizes");
    // ANCHOR: sizes
    use listings::speed::logits_bytes;

    let lines: Vec<String> = [(512, 5), (4096, 32_000), (8192, 50_257)]
        .iter()
        .map(|&(n, c)| {
            let gb = logits_bytes(n, c) as f64 / 1e9;
            format!("[{n:>4}, {c:>5}] 的 f32 logits：{gb:>8.5} GB")
        })
        .collect();
    println!("{}", lines.join("\n"));
    // ANCHOR_END: sizes
    assert_eq!(
        vec![logits_bytes(8192, 50_257) as f64 / 1e9],
        quoted("big_logits_gb")
    );
    Ok(())
}

pub fn measured() -> Result<(), Box<dyn Error>> {
    section("machine");
    // ANCHOR: machine
    use listings::speed::Bench;

    let bench = Bench::load()?; // bench/results.json，由 cargo xtask bench 写出
    println!("{}", bench.machine());
    // ANCHOR_END: machine

    section("forward");
    // ANCHOR: forward
    let (n, c) = listings::speed::BIG; // [8192, 50257]
    println!("{}", bench.table(n, c, "forward")?);
    // ANCHOR_END: forward
    let targets = bench.targets()?;
    assert_eq!(
        targets.forward_over_floor.to_vec(),
        quoted("forward_over_floor")
    );

    section("forward_backward");
    // ANCHOR: forward_backward
    println!("{}", bench.table(n, c, "forward_backward")?);
    // ANCHOR_END: forward_backward
    assert_eq!(
        targets.torch_over_in_place.to_vec(),
        quoted("torch_over_in_place")
    );
    assert_eq!(
        targets.torch_over_fresh.to_vec(),
        quoted("torch_over_fresh")
    );
    assert_eq!(targets.torch_over_thp.to_vec(), quoted("torch_over_thp"));

    section("other_sizes");
    // ANCHOR: other_sizes
    let tables = [
        bench.table(4096, 32_000, "forward_backward")?,
        bench.table(512, 5, "forward_backward")?,
    ];
    println!("{}", tables.join("\n\n"));
    // ANCHOR_END: other_sizes

    section("linear");
    // ANCHOR: linear
    println!("{}", bench.linear_table()?);
    // ANCHOR_END: linear
    assert_eq!(
        targets.linear_memory_vs_unfused.to_vec(),
        quoted("linear_memory_vs_unfused")
    );
    assert_eq!(
        targets.linear_memory_vs_torch.to_vec(),
        quoted("linear_memory_vs_torch")
    );
    assert_eq!(
        targets.linear_time_vs_faster.to_vec(),
        quoted("linear_time_vs_faster")
    );
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::speed::logits_bytes;
    section("ex1");
    // ANCHOR: ex1
    let (n, c, chunk) = (8192, 50_257, 128);
    let unfused = 2 * logits_bytes(n, c); // logits 与它的梯度
    let fused = logits_bytes(chunk, c); // 一块 128 行的 logits（梯度写回原处）
    println!(
        "未融合：{:.2} GB；分块：{:.1} MB，约为 1/{}",
        unfused as f64 / 1e9,
        fused as f64 / 1e6,
        unfused / fused
    );
    // ANCHOR_END: ex1
    assert_eq!(
        vec![unfused as f64 / 1e9, fused as f64 / 1e6],
        quoted("ex_unfused_fused")
    );

    section("ex2");
    // ANCHOR: ex2
    use listings::fast::exp_nonpositive;

    // 一行 [1, 3, 2, 7, 5, 6] 分成两块：先用第一块的最大值求和，遇到更大的最大值时重标定
    let first = [1.0_f32, 3.0, 2.0];
    let second = [7.0_f32, 5.0, 6.0];
    let m1 = first.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let s1: f32 = first.iter().map(|&x| exp_nonpositive(x - m1)).sum();
    let m2 = second.iter().copied().fold(m1, f32::max);
    let s2 = s1 * exp_nonpositive(m1 - m2)
        + second.iter().map(|&x| exp_nonpositive(x - m2)).sum::<f32>();
    let direct: f32 = first.iter().chain(&second).map(|&x| (x - 7.0).exp()).sum();
    println!("分块：m = {m2}，Σ = {s2:.6}；一次算完：Σ = {direct:.6}");
    // ANCHOR_END: ex2
    assert!((s2 - direct).abs() < 1e-6);
    assert!((f64::from(s2) - quoted("ex_online_sum")[0]).abs() < 1e-6);
    Ok(())
}
