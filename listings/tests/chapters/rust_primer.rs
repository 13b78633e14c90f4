//! 怎么读本书的 Rust: one tiny listing per idiom the chapters use.

use std::error::Error;

use super::section;

pub fn result() -> Result<(), Box<dyn Error>> {
    section("result");
    // ANCHOR: result
    use listings::one_hot::surprise_at;
    use listings::surprise::surprise;

    // 成功：Ok 里装着算出的值
    let good = surprise(0.5);
    // 失败：Err 里装着一个 LossError，说明哪里不对
    let bad = surprise(1.5);
    println!("{good:?}");
    println!("{bad:?}");
    // match 分别处理两种情况；{e} 把错误打印成一句话
    match bad {
        Ok(s) => println!("惊讶度：{s}"),
        Err(e) => println!("出错了：{e}"),
    }
    // 只有 2 个类别，却要第 2 号（从 0 数）：PyTorch 原话开头的错误
    if let Err(e) = surprise_at(&[0.5, 0.5], 2) {
        println!("出错了：{e}");
    }
    // ANCHOR_END: result
    assert!(surprise(1.5).is_err() && surprise_at(&[0.5, 0.5], 2).is_err());
    Ok(())
}

pub fn question_mark() -> Result<(), Box<dyn Error>> {
    section("question_mark");
    // ANCHOR: question_mark
    use listings::LossError;
    use listings::surprise::surprise;

    // 两件独立的事都发生了：惊讶度相加。哪一步出错，就带着那个错误提前返回
    fn both(p: f64, q: f64) -> Result<f64, LossError> {
        let a = surprise(p)?;
        let b = surprise(q)?;
        Ok(a + b)
    }
    println!("{:?}", both(0.5, 0.5));
    println!("{:?}", both(0.5, 1.5));
    // 本书的代码区域都写在一个返回 Result 的函数里，所以也能直接用 ?
    let s = both(0.5, 0.25)?;
    println!("{s:.3}");
    // ANCHOR_END: question_mark
    assert!((s - 8.0_f64.ln()).abs() < 1e-15);
    Ok(())
}

pub fn generics() -> Result<(), Box<dyn Error>> {
    section("generics");
    // ANCHOR: generics
    use listings::surprise::surprise;

    // 同一个函数，两种精度：A 由参数的类型决定
    let single = surprise(0.9_f32)?;
    let double = surprise(0.9_f64)?;
    println!("f32：{single}");
    println!("f64：{double}");
    // 小数不写后缀、也没有别的线索时，默认是 f64
    let plain = surprise(0.9)?;
    println!("和 f64 相同：{}", plain == double);
    // narrow 把一个 f64 常数换成 f32（或 f64）的精度，widen 再换回 f64
    use listings::Real;
    let third = f32::narrow(1.0 / 3.0);
    println!("f32 的 1/3：{third}，widen 回 f64：{}", third.widen());
    // ANCHOR_END: generics
    assert!((f64::from(single) - double).abs() < 1e-7);
    assert_eq!(third.widen(), f64::from(1.0_f32 / 3.0));
    Ok(())
}

pub fn arrays() -> Result<(), Box<dyn Error>> {
    section("arrays");
    // ANCHOR: arrays
    use listings::fused::log_softmax;
    use ndarray::array;

    // array! 造一个自己拥有数据的二维数组（Array2<f64>），两行三列
    let logits = array![[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]];
    println!("形状 {:?}", logits.shape());
    // 下标是一组坐标，从 0 数：第 1 行第 2 列
    println!("logits[[1, 2]] = {}", logits[[1, 2]]);
    // .view() 借出一个只读视图（ArrayView2<f64>），不复制数据
    let log_probs = log_softmax(logits.view())?;
    println!("{log_probs:.3}");
    // 借出去的还回来了：logits 仍然可以接着用
    println!("第 0 行：{}", logits.row(0));
    // ANCHOR_END: arrays
    assert_eq!(log_probs.dim(), (2, 3));
    Ok(())
}

pub fn into_dyn() -> Result<(), Box<dyn Error>> {
    section("into_dyn");
    // ANCHOR: into_dyn
    use ndarray::{ArrayD, array};

    let matrix = array![[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]];
    // into_dyn 把“二维”从类型里拿掉：ArrayD 可以有任意多维
    let any: ArrayD<f64> = matrix.into_dyn();
    println!("{} 维，形状 {:?}", any.ndim(), any.shape());
    // 一个三维数组也是同一种类型
    let cube: ArrayD<f64> = array![[[1.0, 2.0], [3.0, 4.0]]].into_dyn();
    println!("{} 维，形状 {:?}", cube.ndim(), cube.shape());
    // ANCHOR_END: into_dyn
    assert_eq!(any.shape(), [2, 3]);
    Ok(())
}

pub fn zero_d() -> Result<(), Box<dyn Error>> {
    section("zero_d");
    // ANCHOR: zero_d
    use listings::{CrossEntropyLoss, Reduction, Target};
    use ndarray::array;

    let logits = array![[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]].into_dyn();
    // 每个位置的正确答案：一个类别 id
    let targets = array![0_i64, 2].into_dyn();
    // 默认取平均：结果是一个零维数组，形状 []，用 [[]] 取出那一个数
    let mean = CrossEntropyLoss::new().forward(logits.view(), Target::Indices(targets.view()))?;
    println!("形状 {:?}，平均损失 {:.3}", mean.shape(), mean[[]]);
    // 不归约：每个位置一个损失，形状 [2]，用 [[i]] 取第 i 个
    let each = CrossEntropyLoss::new()
        .reduction(Reduction::None)
        .forward(logits.view(), Target::Indices(targets.view()))?;
    println!("形状 {:?}，每个位置 {:.3}", each.shape(), each);
    println!("第 1 个位置：{:.3}", each[[1]]);
    // ANCHOR_END: zero_d
    let (m, first, second): (f64, f64, f64) = (mean[[]], each[[0]], each[[1]]);
    assert!((m - (first + second) / 2.0).abs() < 1e-15);
    Ok(())
}

pub fn collect() -> Result<(), Box<dyn Error>> {
    section("collect");
    // ANCHOR: collect
    use listings::surprise::surprise;

    let ps = [0.9, 0.1, 0.5];
    // 每个 p 都可能出错，map 得到的是一串 Result；
    // 收集成 Result<Vec<_>, _>：全都成功才是 Ok(整个 Vec)，否则是遇到的第一个错误
    let all: Vec<f64> = ps.iter().map(|&p| surprise(p)).collect::<Result<_, _>>()?;
    println!("{all:.3?}");
    // 同一件事，用普通的循环写
    let mut by_loop = Vec::new();
    for p in ps {
        by_loop.push(surprise(p)?);
    }
    println!("两种写法相同：{}", all == by_loop);
    // 有一个不是概率，整体就是 Err
    let with_bad: Result<Vec<f64>, _> = [0.9, 1.5].iter().map(|&p| surprise(p)).collect();
    println!("{with_bad:?}");
    // ANCHOR_END: collect
    assert!(with_bad.is_err());
    Ok(())
}

pub fn class_ids() -> Result<(), Box<dyn Error>> {
    section("class_ids");
    // ANCHOR: class_ids
    use listings::fused::{self, cross_entropy};
    use listings::{CrossEntropyLoss, Target};
    use ndarray::array;

    let logits = array![[2.0, 0.5, -1.0], [0.0, 0.0, 3.0]];
    // 第 2、3 章：类别 id 是 usize，Rust 的下标类型，不会是负数
    let ids: Vec<usize> = vec![0, 2];
    let ch3 = cross_entropy(logits.view(), &ids, fused::Reduction::Mean)?;
    println!("usize 的 id：{ch3:.3}");
    // 第 4 章起：目标是 i64，和 PyTorch 的 int64 一样；-100 表示“跳过这个位置”
    let targets = array![0_i64, -100].into_dyn();
    let loss = CrossEntropyLoss::new()
        .forward(logits.view().into_dyn(), Target::Indices(targets.view()))?;
    println!("i64 的目标，第 1 个位置跳过：{:.3}", loss[[]]);
    // 两种 id 之间的换算：id 远小于 i64 的上限，usize → i64 用 as 就行；反过来负数会失败
    let as_i64 = ids[1] as i64;
    println!("2 → {:?}", usize::try_from(as_i64));
    println!("-100 → {:?}", usize::try_from(-100_i64));
    // as 不做检查：-100 被硬转成一个巨大的 usize，拿它当下标只会越界
    println!("-100 as usize → {}", -100_i64 as usize);
    // ANCHOR_END: class_ids
    let first_row = cross_entropy(
        logits.slice(ndarray::s![..1, ..]),
        &[0],
        fused::Reduction::Mean,
    )?;
    let skipped: f64 = loss[[]];
    assert!((skipped - first_row).abs() < 1e-15 && skipped > ch3);
    Ok(())
}

pub fn option() -> Result<(), Box<dyn Error>> {
    section("option");
    // ANCHOR: option
    use listings::one_hot::{VOCAB, token_id};

    // token_id 返回 Option<usize>：找到是 Some(id)，找不到是 None
    println!("{:?}", token_id(&VOCAB, "苹果"));
    println!("{:?}", token_id(&VOCAB, "香蕉"));
    // .get(i) 也返回 Option：越界时是 None，而不是像 y_pred[7] 那样让程序崩溃
    let y_pred = [0.05, 0.10, 0.20, 0.60, 0.05];
    println!("{:?}，{:?}", y_pred.get(3), y_pred.get(7));
    // ok_or 把 Some(x) 换成 Ok(x)、把 None 换成 Err(错误)；之后就能用 ? 了
    let id = token_id(&VOCAB, "苹果").ok_or("词表里没有这个词")?;
    let missing = token_id(&VOCAB, "香蕉").ok_or("词表里没有这个词");
    println!("{id}，{missing:?}");
    // ANCHOR_END: option
    assert_eq!((id, missing), (3, Err("词表里没有这个词")));
    Ok(())
}

pub fn iterators() -> Result<(), Box<dyn Error>> {
    section("iterators");
    // ANCHOR: iterators
    let y_pred = [0.05, 0.10, 0.20, 0.60, 0.05];
    // vec![x; n]：n 个 x 组成的 Vec，像 Python 的 [x] * n
    let mut y_true = vec![0.0; y_pred.len()];
    y_true[3] = 1.0;

    // zip 像 Python 的 zip，把两列数一对一对地配起来；
    // |(&t, &p)| … 收到一对，顺手拆成 t 和 p（像 Python 的 for t, p in zip(…)），& 把借来的数取出来
    let terms: Vec<f64> = y_true.iter().zip(&y_pred).map(|(&t, &p)| t * p).collect();
    println!("逐项相乘：{terms:?}");

    // .iter() 给出的是借来的 &f64；*p 取出它指向的那个数
    let mut total = 0.0;
    for p in y_pred.iter() {
        total += *p;
    }
    // as 在数值类型之间换算：usize 的长度换成 f64 才能做除法
    let n = y_pred.len() as f64;
    println!("和 {total:.2}，个数 {n}，平均 {:.2}", total / n);

    // fold 像 functools.reduce：从初值出发，一个一个地并进来（这里求最大值）
    let biggest = y_pred.iter().fold(f64::NEG_INFINITY, |m, &p| m.max(p));
    println!("最大的概率：{biggest}");
    // ANCHOR_END: iterators
    assert_eq!(terms, [0.0, 0.0, 0.0, 0.6, 0.0]);
    assert_eq!(biggest, 0.6);
    assert!((total - 1.0).abs() < 1e-15);
    Ok(())
}

pub fn rows() -> Result<(), Box<dyn Error>> {
    section("rows");
    // ANCHOR: rows
    use ndarray::{Array2, Axis, arr2, array, s};

    let x = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    // 按行求和，像 np.sum(x, axis=1)：形状 [2]
    let sums = x.sum_axis(Axis(1));
    // insert_axis 把它竖成一列，形状 [2, 1]：像 keepdims=True
    let column = sums.insert_axis(Axis(1));
    // 广播：[2, 3] 除以 [2, 1]，每一行除以自己的和。& 表示借用，x 和 column 之后还能用
    let shares = &x / &column;
    println!("每行除以行和：\n{shares:.3}");
    // 两个同形状的数组逐元素相减；arr2 从嵌套的数组造一个二维数组，像 np.array(列表)
    let diff = &x - &arr2(&[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]);
    println!("逐元素相减：\n{diff}");

    // mapv 对每个元素调用一个函数，得到新数组（像 np.exp(x)）；mapv_inplace 原地修改
    let mut y = x.mapv(f64::exp);
    y.mapv_inplace(f64::ln);
    // 切片 s![1..2, ..] 像 x[1:2, :]：下标为 1 的那一行，仍是二维的 [1, 3]
    println!("x[1:2, :] = {}", x.slice(s![1..2, ..]));
    // 改变形状，像 x.reshape(3, 2)：元素个数对不上时返回错误
    let reshaped = x.clone().into_shape_with_order((3, 2))?;
    println!("reshape 成 [3, 2]：{:?}", reshaped.shape());

    // 全 0 的数组，像 np.zeros((2, 3))；rows_mut 一行一行地改，outer_iter 一行一行地读
    let mut z = Array2::<f64>::zeros((2, 3));
    for (i, mut row) in z.rows_mut().into_iter().enumerate() {
        row.fill(i as f64);
    }
    for row in z.outer_iter() {
        println!("一行：{row}");
    }
    // ANCHOR_END: rows
    assert!((&y - &x).iter().all(|d| d.abs() < 1e-12));
    assert!(
        shares
            .sum_axis(Axis(1))
            .iter()
            .all(|s| (s - 1.0).abs() < 1e-15)
    );
    Ok(())
}

pub fn methods() -> Result<(), Box<dyn Error>> {
    section("methods");
    // ANCHOR: methods
    // struct 像一个只有字段的 Python 类；derive 让编译器自动生成 {:?} 打印和 .clone()
    #[derive(Debug, Clone)]
    struct Coin {
        p_heads: f64,
    }

    // impl 块里是 Coin 的方法，像 class 里的 def
    impl Coin {
        // 没有 self：用 Coin::new() 调用，像 Python 的 Coin()
        fn new() -> Self {
            Coin { p_heads: 0.5 }
        }
        // &self：只读地借用点号前面的那枚硬币，像 Python 的 self
        fn p_tails(&self) -> f64 {
            1.0 - self.p_heads
        }
        // &mut self：借来并修改它
        fn flip_over(&mut self) {
            self.p_heads = self.p_tails();
        }
        // self（没有 &）：拿走硬币本身，改好再交出来，所以能一串点下去
        fn heads(mut self, p: f64) -> Self {
            self.p_heads = p;
            self
        }
    }

    let fair = Coin::new();
    // heads 会拿走它的接收者；fair 后面还要用，所以交给它一份 clone
    let mut coin = fair.clone().heads(0.75);
    println!("{fair:?}，{coin:?}，反面的概率 {}", coin.p_tails());
    coin.flip_over();
    println!("翻过来：{coin:?}");
    // ANCHOR_END: methods
    assert_eq!((fair.p_heads, coin.p_heads), (0.5, 0.25));
    Ok(())
}

pub fn ranges() -> Result<(), Box<dyn Error>> {
    section("ranges");
    // ANCHOR: ranges
    use ndarray::array;

    // 0..3 是 0, 1, 2（不含 3），像 range(3)；1..=3 包含右端，是 1, 2, 3
    let upto: Vec<usize> = (0..3).collect();
    let through: Vec<usize> = (1..=3).collect();
    println!("{upto:?}，{through:?}");

    let losses = [2.0, 1.5, 1.25, 1.0, 0.75];
    // 切片 &losses[1..=3]：下标 1 到 3 那一段，像 losses[1:4]；借来看，不复制
    let middle = &losses[1..=3];
    // for &p in …：每次拿到一个借来的 &f64，&p 把数取出来，和闭包 |&p| 里的 &p 同一个意思
    let mut total = 0.0;
    for &p in middle {
        total += p;
    }
    println!("{middle:?} 的和：{total}");

    // for _ in 0..3：把循环体执行 3 次，_ 表示用不到这个计数
    let mut half = 1.0;
    for _ in 0..3 {
        half /= 2.0;
    }
    // 解构：一次给一对值各起一个名字，像 Python 的 first, last = …
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    println!("减半三次：{half}；第一个 {first}，最后一个 {last}");

    // for [i, j] in …：每次取出一对坐标，拆成 i 和 j
    let x = array![[1.0, 2.0], [3.0, 4.0]];
    for [i, j] in [[0, 1], [1, 0]] {
        println!("x[[{i}, {j}]] = {}", x[[i, j]]);
    }
    // ANCHOR_END: ranges
    assert_eq!((total, half, first, last), (3.75, 0.125, 2.0, 0.75));
    Ok(())
}

pub fn printing() -> Result<(), Box<dyn Error>> {
    section("printing");
    // ANCHOR: printing
    let x = 5.0;
    let p = 2.0 / 3.0;
    // {}：能精确还原这个数的最短写法：5.0 打印成 5，2/3 则印出 16 位
    println!("{x}，{p}");
    // {:.3}：固定 3 位小数（四舍五入）
    println!("{x:.3}，{p:.3}");
    // {:>6}：右对齐，至少占 6 格；和 .3 合起来写成 {:>6.3}
    println!("[{x:>6}]，[{p:>6.3}]");
    // {:?}：调试格式，5.0 照样写出 .0；Vec 只能这样打印，{:.3?} 让每个元素保留 3 位
    let v = vec![x, p];
    println!("{v:?}，{v:.3?}");

    // 负零：浮点数（IEEE-754）有 +0 和 −0，两者相等，但 −0 打印出来带着负号
    let minus_zero = -(1.0_f64.ln());
    println!(
        "{minus_zero}，{minus_zero:.3}，等于 0：{}",
        minus_zero == 0.0
    );
    // 一个极小的负数四舍五入到 3 位，也打印成 -0.000
    println!("{:.3}", -1e-9);
    // ANCHOR_END: printing
    assert!(minus_zero == 0.0 && minus_zero.is_sign_negative());
    Ok(())
}
