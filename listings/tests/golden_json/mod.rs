//! Reading the golden files (PyTorch's results as JSON, plain or gzipped), shared by the
//! golden tests.

#![allow(dead_code)] // each test file uses a different part

use std::io::Read;
use std::path::Path;

use serde_json::Value;

/// `tests/golden/<file>`, parsed; a `.gz` file is decompressed first.
pub fn load(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file);
    let bytes = std::fs::read(&path).expect("golden file");
    let text = if file.ends_with(".gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .expect("gzip");
        text
    } else {
        String::from_utf8(bytes).expect("UTF-8")
    };
    serde_json::from_str(&text).expect("valid JSON")
}

/// A number, or one of the strings "nan", "inf", "-inf".
pub fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("finite JSON number"),
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => panic!("not a number: {other}"),
    }
}

/// A shape written as a list of sizes.
pub fn shape(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect()
}

/// `|ours - torch| <= tol * (1 + |torch|)`, with NaN matching NaN and infinities exactly.
pub fn close(ours: f64, torch: f64, tol: f64) -> bool {
    if torch.is_nan() {
        return ours.is_nan();
    }
    if torch.is_infinite() {
        return ours == torch;
    }
    (ours - torch).abs() <= tol * (1.0 + torch.abs())
}
