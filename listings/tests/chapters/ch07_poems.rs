//! Chapter 7, 让模型读唐诗.

use std::error::Error;

use super::{section, table};

fn quoted(name: &str) -> Vec<f64> {
    super::quoted("ch07-poems", name)
}

pub fn data() -> Result<(), Box<dyn Error>> {
    section("data");
    // ANCHOR: data
    use listings::poems::run::Data;

    // 每个预测看前 6 个字
    let data = Data::poems(6)?;
    println!(
        "训练：{} 首诗，{} 个预测；验证：{} 首诗，{} 个预测",
        data.train.len() / 25,
        data.train.len(),
        data.valid.len() / 25,
        data.valid.len()
    );
    println!(
        "词表：C = {} 个符号（字、两个标点和诗与诗之间的边界）",
        data.vocabulary.len()
    );
    // 第一首训练诗的第 8 个预测：前 6 个字 → 要猜的字
    let i = 7;
    let context: String = data
        .train
        .contexts
        .row(i)
        .iter()
        .map(|&id| data.vocabulary.char(id))
        .collect();
    let target = data.vocabulary.char(data.train.targets[i] as usize);
    println!("第 {} 个预测：读到“{context}”，要猜“{target}”", i + 1);
    // ANCHOR_END: data
    // The prose's counts (whole numbers, which tests/numbers.rs does not look at).
    assert_eq!(
        (data.train.len() / 25, data.valid.len() / 25, data.vocabulary.len()),
        (3179, 356, 3645)
    );
    Ok(())
}

pub fn baselines() -> Result<(), Box<dyn Error>> {
    section("baselines");
    // ANCHOR: baselines
    use listings::poems::baselines::{bigram, interpolated, unigram, unigram_entropy};
    use listings::poems::run::Data;

    let data = Data::poems(6)?;
    let c = data.vocabulary.len();
    let uniform = (c as f64).ln();
    let entropy = unigram_entropy(&data.train.targets, c)?;
    let one = unigram(&data.train, &data.valid, c)?;
    let two = bigram(&data.train, &data.valid, c)?;
    println!("均匀猜测：ln {c} = {uniform:.3} 奈特");
    println!("训练诗里字频的熵：{entropy:.3} 奈特");
    println!("一元模型在验证诗上：{:.3} 奈特（α = {}）", one.loss, one.alpha);
    println!("二元模型在验证诗上：{:.3} 奈特（α = {}）", two.loss, two.alpha);
    // 二元、各位置的字频、一元混合起来：只会数数，但知道现在是第几个位置
    let mix = interpolated(&data.train, &data.valid, c)?;
    println!(
        "混合的计数模型在验证诗上：{:.3} 奈特（λ₁ = {}，λ₂ = {}）",
        mix.loss, mix.bigram, mix.position
    );
    // ANCHOR_END: baselines
    assert_eq!(
        vec![uniform, entropy, one.loss, two.loss],
        quoted("baselines")
    );
    assert_eq!(mix.loss, quoted("interpolated")[0]);
    Ok(())
}

pub fn gradient_check() -> Result<(), Box<dyn Error>> {
    section("gradient_check");
    // ANCHOR: gradient_check
    use listings::poems::model::{CharModel, Shape, reference_head};
    use ndarray::array;

    // 一个小模型，用 f64：7 个字，看前 3 个字，嵌入宽 2，隐藏层宽 4
    let shape = Shape { classes: 7, context: 3, embedding: 2, hidden: 4 };
    let model = CharModel::<f64>::new(shape, 11);
    let contexts = array![[0, 0, 0], [0, 0, 3], [0, 3, 5], [3, 5, 5]];
    let targets = array![3, 5, 5, 1];
    let (_, grad) = model.gradients(contexts.view(), targets.view(), reference_head)?;
    // 改动的步长（不叫 h：h 是隐藏层）
    let step = 1e-6;
    let mut worst = 0.0_f64;
    // 每个参数数组里挑一个数：嵌入 E[3, 1]、W₁[2, 0]、b₁[1]、LM 头 W[5, 4]（偏置那一列）
    let mut up = model.clone();
    let mut down = model.clone();
    for (which, analytic) in [
        (0, grad.embedding[[3, 1]]),
        (1, grad.w1[[2, 0]]),
        (2, grad.b1[1]),
        (3, grad.head[[5, 4]]),
    ] {
        let at = |m: &mut CharModel<f64>, delta: f64| match which {
            0 => m.embedding[[3, 1]] += delta,
            1 => m.w1[[2, 0]] += delta,
            2 => m.b1[1] += delta,
            _ => m.head[[5, 4]] += delta,
        };
        at(&mut up, step);
        at(&mut down, -step);
        let loss_up = up.gradients(contexts.view(), targets.view(), reference_head)?.0;
        let loss_down = down.gradients(contexts.view(), targets.view(), reference_head)?.0;
        let numeric = (loss_up - loss_down) / (2.0 * step);
        worst = worst.max((numeric - analytic).abs());
        // 改回去，下一个数从原来的模型出发
        at(&mut up, -step);
        at(&mut down, step);
    }
    println!(
        "四个数组各一个数：解析梯度与中心差分的最大差小于 1e-8：{}",
        worst < 1e-8
    );
    println!("这个小模型有 {} 个参数", shape.parameters());
    // ANCHOR_END: gradient_check
    assert!(worst < 1e-8);
    assert_eq!(shape.parameters(), 7 * 2 + 3 * 2 * 4 + 4 + 7 * 5);
    Ok(())
}

pub fn short_run() -> Result<(), Box<dyn Error>> {
    section("short_run");
    // ANCHOR: short_run
    use listings::poems::run::{Config, Data, train};

    // 只用前 400 首训练诗、前 40 首验证诗，一个小一些的模型，训练 2 轮
    let data = Data::first(400, 40, 6)?;
    let config = Config {
        context: 6,
        embedding: 16,
        hidden: 64,
        batch: 256,
        learning_rate: 5e-3,
        epochs: 2,
        seed: 2026,
    };
    let run = train(&config, &data, |e| {
        println!(
            "第 {} 轮（{:>2} 步）后：训练 {:.2} 奈特，验证 {:.2} 奈特",
            e.epoch, e.steps, e.train, e.valid
        );
    })?;
    println!("留下的是第 {} 轮的模型", run.best().epoch);
    // ANCHOR_END: short_run
    let [start, .., end] = run.epochs[..] else {
        return Err("a run has at least two points".into());
    };
    assert!(end.train < start.train - 1.0 && end.valid < start.valid);
    Ok(())
}

pub fn temperature() -> Result<(), Box<dyn Error>> {
    section("temperature");
    // ANCHOR: temperature
    use listings::poems::sample::softmax_at;
    use ndarray::Array1;

    // 第 2 章的预测 [0.05, 0.10, 0.20, 0.60, 0.05]，写成 logits：z = ln ŷ
    let z: Array1<f32> = [0.05_f32, 0.10, 0.20, 0.60, 0.05].iter().map(|p| p.ln()).collect();
    let cold = softmax_at(z.view(), 0.5)?;
    let same = softmax_at(z.view(), 1.0)?;
    let warm = softmax_at(z.view(), 2.0)?;
    println!("T = 0.5：{cold:.3}\nT = 1：  {same:.3}\nT = 2：  {warm:.3}");
    // ANCHOR_END: temperature
    let apple: Vec<f64> = [0.5, 1.0, 2.0]
        .iter()
        .map(|&t| softmax_at(z.view(), t).map(|p| f64::from(p[3])))
        .collect::<Result<_, _>>()?;
    assert_eq!(apple, quoted("apple_at_temperatures"));
    Ok(())
}

pub fn committed() -> Result<(), Box<dyn Error>> {
    use listings::machinery::poems_run::PoemsRun;

    // train/results.json，由 cargo xtask train 写出
    let run = PoemsRun::load()?;
    table("curve");
    println!("{}", run.curve_table());
    table("versus");
    println!("{}", run.baselines_table());
    table("samples");
    println!("{}", run.samples_table());
    table("chars");
    println!("{}", run.chars_table());

    // What the prose says of the committed run.
    let b = &run.baselines;
    let valid: Vec<f64> = run.epochs.iter().map(|e| e.valid).collect();
    assert_eq!(run.best_epoch, 4);
    assert!(valid[1] < b.bigram.loss && b.interpolated.loss < valid[run.best_epoch]);
    assert!(valid[run.best_epoch..].windows(2).all(|w| w[1] > w[0]));
    let p = &run.by_position;
    for (i, &s) in p.iter().enumerate().take(24) {
        if i % 6 == 5 {
            assert!(s < 0.01, "punctuation at {i}: {s}");
        } else {
            assert!(s <= p[12], "position {i} above the third line's first");
        }
    }
    let chars: Vec<f64> = (0..24).filter(|i| i % 6 != 5).map(|i| p[i]).collect();
    let (low, high) = chars.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    assert_eq!((format!("{low:.1}"), format!("{high:.1}")), ("5.9".into(), "7.5".into()));
    assert!(p[24] > 0.4 && p[24] < std::f64::consts::LN_2);
    // The prose's whole-number perplexities on the 20 character positions.
    let on_characters = quoted("on_characters");
    let shown: Vec<String> = on_characters[..2].iter().map(|x| format!("{:.0}", x.exp())).collect();
    assert_eq!(shown, ["837", "1226"]);
    let least: Vec<&str> = run.least_surprising.iter().take(3).map(|c| c.char.as_str()).collect();
    assert_eq!(least, ["。", "，", "\n"]);
    // The samples' shapes: 0.5 all in form and two lines each; 1.0 in form, two and four
    // lines and one cut at the cap; 1.5 all at the cap, one without any punctuation.
    let lines = |poem: &str| -> Option<usize> {
        let c: Vec<char> = poem.chars().collect();
        let in_form = !c.is_empty()
            && c.len().is_multiple_of(12)
            && c.iter().enumerate().all(|(i, &x)| match i % 12 {
                5 => x == '，',
                11 => x == '。',
                _ => x != '，' && x != '。',
            });
        in_form.then_some(c.len() / 6)
    };
    let shapes: Vec<Vec<Option<usize>>> = run
        .samples
        .iter()
        .map(|s| s.poems.iter().map(|p| lines(p)).collect())
        .collect();
    assert!(shapes[0].iter().all(|&l| l == Some(2)));
    assert!(shapes[1].contains(&Some(2)) && shapes[1].contains(&Some(4)));
    assert!(shapes[1].contains(&Some(8)) && shapes[1].iter().all(Option::is_some));
    let cap = |p: &String| p.chars().count() == 48;
    assert!(run.samples[1].poems.iter().any(cap) && run.samples[2].poems.iter().all(cap));
    assert!(run.samples[2].poems.iter().any(|p| !p.contains('，') && !p.contains('。')));
    Ok(())
}
