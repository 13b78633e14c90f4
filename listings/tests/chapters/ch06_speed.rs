//! Chapter 6, 为什么要融合：速度与内存.

use std::error::Error;

use super::{section, table};

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch06-speed", name)
}

/// The printed table shows each value of the quoted entry `name` as the prose rounds it,
/// one decimal and then `unit` (`2.7×`, `10.8 GB/s`): the table the reader sees and the
/// sentence that quotes it cannot drift apart. (The prose against the registry is
/// `tests/numbers.rs`'s check.)
fn shows(table: &str, name: &str, unit: &str) {
    for value in quoted(name) {
        let shown = format!("{value:.1}{unit}");
        assert!(
            table.contains(&shown),
            "the table does not show {name} = {shown}:\n{table}"
        );
    }
}

pub fn sizes() -> Result<(), Box<dyn Error>> {
    section("sizes");
    // ANCHOR: sizes
    use listings::fast::logits_bytes;

    let lines: Vec<String> = [(512, 5), (4096, 32_000), (8192, 50_257)]
        .iter()
        .map(|&(n, c)| {
            let gb = logits_bytes(n, c) as f64 / 1e9;
            format!("[{n:>4}, {c:>5}] 的 f32 logits：{gb:>8.5} GB")
        })
        .collect();
    println!("{}", lines.join("\n"));
    // 按大小算出的页数，不是实测的缺页次数；div_ceil 是除完向上取整
    let big = logits_bytes(8192, 50_257);
    println!(
        "[8192, 50257] 占 {} 个 4 KiB 页，或 {} 个 2 MiB 页",
        big.div_ceil(4 * 1024),
        big.div_ceil(2 * 1024 * 1024)
    );
    // ANCHOR_END: sizes
    assert_eq!((big.div_ceil(4096), big.div_ceil(2 << 20)), (402_056, 786));
    assert_eq!(
        vec![logits_bytes(8192, 50_257) as f64 / 1e9],
        quoted("big_logits_gb")
    );
    Ok(())
}

pub fn measured() -> Result<(), Box<dyn Error>> {
    table("machine");
    use listings::machinery::speed::{Bench, LinearPeer, Op, Peer};


    // bench/results.json，由 cargo xtask bench 写出
    let bench = Bench::load()?;
    println!("{}", bench.machine());

    table("forward");
    // [8192, 50257]
    let (n, c) = listings::machinery::speed::BIG;
    println!("{}", bench.table(n, c, Op::Forward)?);

    table("roofline");
    let roofline = bench.roofline(n, c)?;
    println!("{roofline}");
    for name in [
        "forward_over_read",
        "forward_arithmetic_over_read",
        "in_place_over_read",
        "fused_arithmetic_over_read",
        "read_write_over_read",
    ] {
        shows(&roofline, name, "×");
    }
    shows(&roofline, "read_once_gb_per_s", " GB/s");

    table("forward_backward");
    println!("{}", bench.table(n, c, Op::ForwardBackward)?);

    table("like_for_like");
    let (mid_n, mid_c) = listings::machinery::speed::MID;
    let [big, mid] = [bench.comparisons(n, c)?, bench.comparisons(mid_n, mid_c)?];
    println!("{big}\n\n{mid}");
    for name in [
        "torch_over_fresh",
        "torch_default_over_small_pages",
        "torch_over_into",
        "torch_over_in_place",
    ] {
        shows(&big, name, "×");
    }
    shows(&mid, "mid_torch_over_fresh", "×");

    table("other_sizes");
    let tables = [
        bench.table(4096, 32_000, Op::ForwardBackward)?,
        bench.table(512, 5, Op::ForwardBackward)?,
    ];
    println!("{}", tables.join("\n\n"));
    // 同一个小问题，只把 logits 读一遍要多久
    let read_1 = bench.seconds(512, 5, 1, Peer::ReadOnce, Op::ReadOnce)?;
    let read_2 = bench.seconds(512, 5, 2, Peer::ReadOnce, Op::ReadOnce)?;
    let small = format!(
        "[512, 5] 读一遍：{:.1} 微秒（1 线程），{:.1} 微秒（2 线程）",
        read_1.median * 1e6,
        read_2.median * 1e6
    );
    println!("{small}");
    shows(&small, "small_read_once_us", " 微秒");

    table("linear");
    println!("{}", bench.linear_table()?);

    section("linear_floor");
    // ANCHOR: linear_floor
    // 本书的峰值至少要装下：两个梯度 dH = ∂L/∂h [N, H]、dW = ∂L/∂W [C, H]，和一块 [128, C] 的 logits
    fn megabytes(rows: usize, cols: usize) -> f64 {
        (rows * cols * 4) as f64 / 1e6
    }
    let d_hidden = megabytes(4096, 512);
    let d_weight = megabytes(32_000, 512);
    let chunk = megabytes(128, 32_000);
    println!(
        "本书的下限：dH {d_hidden:.1} MB + dW {d_weight:.1} MB + 一块 logits {chunk:.1} MB = {:.1} MB",
        d_hidden + d_weight + chunk
    );
    // ANCHOR_END: linear_floor
    let floor_mb = quoted("linear_floor_mb");
    assert_eq!(
        vec![d_hidden, d_weight, chunk, d_hidden + d_weight + chunk],
        floor_mb[..4]
    );
    // The measured peaks of ours are below what it must hold: the measurement undercounts.
    for threads in [1, 2] {
        assert!(bench.linear(threads, LinearPeer::Ours)?.1 / 1e6 < floor_mb[3]);
    }
    // The linear table's ratios the prose quotes (memory and time, unfused over ours) are
    // quotients of its cells, computed once in `Findings`; tests/numbers.rs checks them
    // against the prose. What this listing shows is the floor above.
    gradient()
}

/// The row gradient's formula against the fast path (called from [`measured`]).
fn gradient() -> Result<(), Box<dyn Error>> {
    section("gradient_check");
    // ANCHOR: gradient_check
    use listings::{CrossEntropyLoss, Target};
    use ndarray::{Array1, array};

    // 一行：三个类别，目标 t = 0，类别权重 w，标签平滑 ε = 0.1，归约方式 Mean
    let z = array![[2.0_f32, 0.5, -1.0]];
    let t = array![0_i64];
    let w = [0.5_f32, 1.0, 2.0];
    let eps = 0.1_f32;
    let loss = CrossEntropyLoss::new()
        .weight(Array1::from(w.to_vec()))
        .label_smoothing(eps);
    // forward_backward：损失和梯度一起算（logits 是 f32、目标是类别下标时走快速路径）
    let (_, fast) = loss.forward_backward(z.view().into_dyn(), Target::Indices(t.view().into_dyn()))?;

    // 照公式一项一项地算
    let classes = w.len();
    // Mean：除以目标的权重之和，这里只有一行，就是 w_t
    let scale = 1.0 / w[0];
    let sum_w: f32 = w.iter().sum();
    let a = scale * (1.0 - eps) * w[0];
    let b = scale * eps / classes as f32;
    let exps: Vec<f32> = z.row(0).iter().map(|&v| v.exp()).collect();
    let total: f32 = exps.iter().sum();
    let mut by_hand = Vec::new();
    for j in 0..classes {
        let y_pred = exps[j] / total;
        let one_hot = if j == 0 { 1.0 } else { 0.0 };
        by_hand.push(a * (y_pred - one_hot) + b * (y_pred * sum_w - w[j]));
    }
    println!("a = {a:.4}，b = {b:.4}，Σw = {sum_w}");
    println!("快速路径：{:.5?}", fast.iter().collect::<Vec<_>>());
    println!("照公式算：{by_hand:.5?}");
    // ANCHOR_END: gradient_check
    for (x, y) in fast.iter().zip(&by_hand) {
        assert!((x - y).abs() < 1e-6, "{x} vs {y}");
    }
    Ok(())
}

pub fn exercises() -> Result<(), Box<dyn Error>> {
    use listings::fast::logits_bytes;
    section("ex1");
    // ANCHOR: ex1
    let (n, c, chunk) = (8192, 50_257, 128);
    // 不融合：至少两块 [N, C]，logits 与它的梯度
    let unfused = 2 * logits_bytes(n, c);
    // PyTorch 实测三块：对数概率、nll_loss 的梯度、log_softmax 的梯度
    let torch = 3 * logits_bytes(n, c);
    // 分块：一块 [128, C] 的 logits，梯度写回原处
    let fused = logits_bytes(chunk, c);
    println!(
        "不融合：至少 {:.2} GB（照 PyTorch 的三块：{:.2} GB）；分块：{:.1} MB",
        unfused as f64 / 1e9,
        torch as f64 / 1e9,
        fused as f64 / 1e6
    );
    // 两块对一块：(2·N·C) ÷ (128·C) = 2N ÷ 128
    println!("两块 ÷ 分块 = 2N ÷ {chunk} = {}", unfused / fused);
    // ANCHOR_END: ex1
    assert_eq!(
        vec![unfused as f64 / 1e9, fused as f64 / 1e6, torch as f64 / 1e9],
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

    section("ex3");
    // ANCHOR: ex3
    // 一块 [8192, 50257] 的 f32 数组有多少 GB
    let one = logits_bytes(8192, 50_257) as f64 / 1e9;
    // 不融合（log_softmax + nll_loss，再各自反向）：每一步读、写几块 [N, C]
    let steps = [
        ("log_softmax 前向：读 logits，写对数概率", 2),
        ("nll_loss 前向：每行只读一个数", 0),
        ("nll_loss 反向：写一块几乎全是 0 的梯度（新申请）", 1),
        (
            "log_softmax 反向：读那块梯度和对数概率，写 logits 的梯度（新申请）",
            3,
        ),
    ];
    let mut unfused = 0;
    for (step, passes) in steps {
        println!("{step}：{passes} 遍");
        unfused += passes;
    }
    // 融合、原地：每一行从内存读一遍；这一行还在缓存里时就把梯度算好、写回原处（写一遍）
    let fused = 1 + 1;
    println!(
        "不融合：{unfused} 遍，{:.2} GB，新申请 3 块；融合原地：{fused} 遍，{:.2} GB，新申请 0 块",
        unfused as f64 * one,
        fused as f64 * one
    );
    // ANCHOR_END: ex3
    assert_eq!(
        vec![unfused as f64 * one, fused as f64 * one],
        quoted("ex_passes_gb")
    );

    section("ex4");
    // ANCHOR: ex4
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::{Array1, array};

    let targets = array![2_i64, -100, 0, 2].into_dyn();
    let weight = [0.5_f32, 1.0, 2.0];
    // 分母：没被忽略的位置，各自目标类别的权重之和。只用到目标和权重
    let mut denominator = 0.0_f32;
    for &t in &targets {
        if t != -100 {
            denominator += weight[t as usize];
        }
    }
    println!("分母 = {denominator}");
    // 两组完全不同的 logits：Mean × 分母 都等于 Sum
    let first = array![
        [1.0_f32, 2.0, 3.0],
        [0.0, 0.0, 0.0],
        [4.0, -1.0, 0.5],
        [2.0, 2.0, -3.0]
    ];
    let second = array![
        [-2.0_f32, 0.0, 7.0],
        [1.0, 1.0, 1.0],
        [0.0, 3.0, 0.0],
        [5.0, 0.0, 0.0]
    ];
    let mut lines = Vec::new();
    for logits in [first, second] {
        let loss = CrossEntropyLoss::new().weight(Array1::from(weight.to_vec()));
        let logits = logits.into_dyn();
        let mean = loss.forward(logits.view(), Target::Indices(targets.view()))?;
        let sum = loss
            .reduction(Reduction::Sum)
            .forward(logits.view(), Target::Indices(targets.view()))?;
        lines.push(format!(
            "Mean × 分母 = {:.4}，Sum = {:.4}",
            mean[[]] * denominator,
            sum[[]]
        ));
    }
    println!("{}", lines.join("\n"));
    // ANCHOR_END: ex4
    assert_eq!(vec![f64::from(denominator)], quoted("ex_denominator"));
    Ok(())
}
