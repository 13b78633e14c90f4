//! Writing poems: the model's next-character distribution at a temperature, and a draw
//! from it, one character at a time.
//!
//! Dividing the logits by a temperature `T` before the softmax (chapter 3) changes how
//! sure the distribution is, not which character it ranks first: `T < 1` stretches the
//! gaps between logits, so the likeliest characters take more of the probability; `T > 1`
//! shrinks them, towards the uniform guess.

use ndarray::{Array1, Array2, ArrayView1};
use rand::Rng;

use super::corpus::{BOUNDARY, Vocabulary};
use super::model::{CharModel, ModelError};

/// `softmax(z / T)`, stably (chapter 3's max subtraction).
///
/// ```
/// use listings::poems::sample::softmax_at;
/// use ndarray::array;
/// let z = array![2.0_f32, 1.0, 0.0];
/// let cold = softmax_at(z.view(), 0.5).unwrap();
/// let warm = softmax_at(z.view(), 2.0).unwrap();
/// assert!(cold[0] > 0.86 && warm[0] < 0.51); // T = 1 gives 0.665
/// assert!(softmax_at(z.view(), 0.0).is_err());
/// ```
pub fn softmax_at(logits: ArrayView1<f32>, temperature: f32) -> Result<Array1<f32>, ModelError> {
    if !(temperature > 0.0 && temperature.is_finite()) {
        return Err(ModelError::Temperature(temperature));
    }
    let scaled = logits
        .mapv(|z| z / temperature)
        .insert_axis(ndarray::Axis(0));
    Ok(crate::fused::softmax(scaled.view())?.row(0).to_owned())
}

/// The index drawn from a distribution `p` by one uniform number `u` in `[0, 1)`: the
/// first index where the running total of `p` passes `u · Σp`.
///
/// ```
/// use listings::poems::sample::draw;
/// use ndarray::array;
/// let p = array![0.2_f32, 0.5, 0.3];
/// assert_eq!((draw(p.view(), 0.1), draw(p.view(), 0.6), draw(p.view(), 0.99)), (0, 1, 2));
/// ```
pub fn draw(p: ArrayView1<f32>, u: f64) -> usize {
    let total: f64 = p.iter().map(|&x| f64::from(x)).sum();
    let goal = u * total;
    let mut running = 0.0;
    for (i, &x) in p.iter().enumerate() {
        running += f64::from(x);
        if running > goal {
            return i;
        }
    }
    // 舍入让总和差了一点点：落在最后一个概率不为 0 的字上
    p.iter().rposition(|&x| x > 0.0).unwrap_or(0)
}

/// Writes one poem: from a context of boundaries, draws the next character at
/// `temperature`, shifts it into the context, until the model writes the boundary (the
/// poem's end) or `max` characters.
// ANCHOR: write_poem
pub fn write_poem(
    model: &CharModel<f32>,
    vocabulary: &Vocabulary,
    temperature: f32,
    max: usize,
    rng: &mut impl Rng,
) -> Result<String, ModelError> {
    let k = model.shape().context;
    // 0 号是边界：诗开始之前，前文全是边界
    let mut context = Array2::<usize>::zeros((1, k));
    let mut poem = String::new();
    for _ in 0..max {
        // 下一个字的 logits 除以温度，再 softmax
        let logits = model.logits(context.view())?;
        let p = softmax_at(logits.row(0), temperature)?;
        // 按这个分布抽一个字：[0, 1) 里的均匀随机数落在哪个字的区间里
        let id = draw(p.view(), rng.random::<f64>());
        let c = vocabulary.char(id);
        if c == BOUNDARY {
            break;
        }
        poem.push(c);
        // 上下文左移一格，新字放在最右边（k = 0 的模型不看前文，没什么可移）
        if k > 0 {
            for j in 1..k {
                context[[0, j - 1]] = context[[0, j]];
            }
            context[[0, k - 1]] = id;
        }
    }
    Ok(poem)
}
// ANCHOR_END: write_poem

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poems::model::Shape;
    use rand::SeedableRng;

    #[test]
    fn a_poem_is_reproducible_from_its_seed_and_stops_at_max() {
        let vocabulary = Vocabulary::new(&["床前明月光，疑是地上霜。举头望明月，低头思故乡。\n"]);
        let shape = Shape {
            classes: vocabulary.len(),
            context: 3,
            embedding: 4,
            hidden: 8,
        };
        let model = CharModel::new(shape, 3);
        let write = || {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            write_poem(&model, &vocabulary, 1.0, 30, &mut rng).unwrap()
        };
        let poem = write();
        assert_eq!(poem, write());
        assert!(poem.chars().count() <= 30);
        assert!(poem.chars().all(|c| vocabulary.id(c).is_ok()));
    }

    #[test]
    fn a_cold_temperature_is_nearly_the_argmax() {
        let z = ndarray::array![0.0_f32, 3.0, 1.0];
        let p = softmax_at(z.view(), 0.05).unwrap();
        assert!(p[1] > 0.9999);
        assert_eq!(
            softmax_at(z.view(), f32::NAN).unwrap_err().to_string(),
            "temperature must be a positive number, but got NaN"
        );
    }
}
