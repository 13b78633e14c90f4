//! `exp` without a libm call: range reduction and a polynomial, written so that the
//! compiler can vectorise it (a call to `f32::exp` per element cannot be). The fast path
//! only ever needs `exp(x - m)` with `x - m ≤ 0`, so that is all this covers.

/// `exp(x)` for `x ≤ 0` in `f32`, without a libm call.
///
/// `x = n·ln 2 + r` with `|r| ≤ ln 2 / 2`, `exp(r)` by a minimax polynomial of degree 6
/// (found by the Remez algorithm; with its coefficients rounded to `f32`, relative error
/// below 2e-8 on that interval, under `f32`'s own rounding, and one multiply-add fewer
/// than the Taylor polynomial of degree 7), `2^n` written straight into the exponent bits. Arguments
/// below -87 give `exp(-87) ≈ 1.6e-38` instead of a subnormal or 0; NaN gives NaN. The
/// relative error against an `f64` reference is below 1.2e-7 over `[-87, 0]` (measured
/// 1.11e-7 on 2,000,001 points; tested, and so is the fused multiply-add form
/// [`exp_nonpositive_with::<true>`](exp_nonpositive_with) the hot loops use where the CPU
/// has FMA: 8.7e-8).
///
/// ```
/// use listings::fast::exp_nonpositive;
/// assert!((exp_nonpositive(-1.0) - (-1.0_f32).exp()).abs() < 1e-7);
/// assert_eq!(exp_nonpositive(0.0), 1.0);
/// ```
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    exp_nonpositive_with::<false>(x)
}

/// [`exp_nonpositive`], each `a·b + c` computed as one fused multiply-add when `FMA` is
/// true (one rounding instead of two, and half the instructions). Call it with `true` only
/// from code compiled for a CPU with FMA: elsewhere `mul_add` is a slow library call.
///
/// ```
/// use listings::fast::exp_nonpositive_with;
/// let e = exp_nonpositive_with::<true>(-2.0);
/// assert!((e - (-2.0_f32).exp()).abs() < 2e-8);
/// ```
// ANCHOR: exp
// e^r 在 |r| ≤ ln 2 / 2 上的 6 次多项式，系数从最高次排起。不是泰勒多项式：泰勒多项式在
// r = 0 附近最准、越往两端越差；这组系数（极小化极大逼近，用 Remez 算法求出）让整个区间上
// 最大的相对误差尽量小。存成 f32 之后误差不到 2e-8，比 f32 自己的舍入（约 6e-8）还小；
// 同样 6 次的泰勒多项式有 1.6e-7。比 7 次的泰勒多项式每个数少一次乘加
const MINIMAX: [f32; 7] = [
    1.383_820_5e-3,
    8.374_955_5e-3,
    4.166_820_6e-2,
    0.166_664_18,
    0.499_999_9,
    1.0,
    1.0,
];

// 和上面一样：展开在调用处；FMA 是编译期的开关
#[inline(always)]
pub fn exp_nonpositive_with<const FMA: bool>(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 拆成高低两段：高段的尾数够短，n·LN2_HI 没有舍入误差
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // 1.5·2^23 = 2^23 + 2^22。x·log2 e + ROUND 落在 [2^23, 2^24) 里，那里相邻两个 f32
    // 正好差 1，所以这次加法把 x·log2 e 舍入到最近的整数 n；多出的 2^22 让 n 为负时
    // 和仍留在这一段里
    const ROUND: f32 = 12_582_912.0;
    // a.mul_add(b, c) 是 a·b + c 只舍入一次（FMA，乘加融合）
    let madd = |a: f32, b: f32, c: f32| if FMA { a.mul_add(b, c) } else { a * b + c };
    // 小于 −87 的一律按 −87 算，得到 e^−87 ≈ 1.6e−38（而不是更小的真值）；
    // 比较对 NaN 为假，所以 NaN 原样保留
    let x = if x < -87.0 { -87.0 } else { x };
    // k 的尾数低位里就是整数 n = round(x·log2 e)
    let k = madd(x, LOG2E, ROUND);
    let n = k - ROUND;
    // r = x − n·ln 2, |r| ≤ ln 2 / 2
    let r = madd(-n, LN2_LO, madd(-n, LN2_HI, x));
    // e^r ≈ 6 次多项式（系数见上面的 MINIMAX），秦九韶（Horner）法：p·r + c，
    // 从最高次往下，每一步一次乘加
    let mut p = MINIMAX[0];
    for &c in &MINIMAX[1..] {
        p = madd(p, r, c);
    }
    // 2^n：把带偏移的指数 n + 127（x ≥ -87，所以它 ≥ 1）移到指数位上。
    // to_bits / from_bits：把 f32 的 32 位原样当成整数读出、写回；
    // wrapping_sub / wrapping_add：整数减、加（溢出时回绕，不报错）；<< 23：左移 23 位，
    // 越过尾数的 23 位，落到指数位上。k 的位模式减去 ROUND 的位模式，正好是 n。
    // 从 k 的位模式里取，而不用 `n as i32`：Rust 饱和式的浮点转整数没有对应的向量指令，
    // 整个循环会退回一次一个数。
    let scale = f32::from_bits((k.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127)) << 23);
    p * scale
}
// ANCHOR_END: exp

/// The largest relative error of [`exp_nonpositive`]'s polynomial against `e^r` on
/// `|r| ≤ ln 2 / 2`, its coefficients as stored (`f32`), evaluated in `f64` on 200,001
/// points: the approximation's own error, apart from `f32` rounding.
///
/// ```
/// let e = listings::fast::polynomial_error();
/// assert!(e > 1e-8 && e < 2e-8);
/// ```
pub fn polynomial_error() -> f64 {
    let half = std::f64::consts::LN_2 / 2.0;
    (0..=200_000)
        .map(|i| -half + 2.0 * half * f64::from(i) / 200_000.0)
        .map(|r| {
            let p = MINIMAX.iter().fold(0.0, |p, &c| p * r + f64::from(c));
            (p / r.exp() - 1.0).abs()
        })
        .fold(0.0, f64::max)
}
