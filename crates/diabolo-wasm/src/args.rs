//! Arguments as they arrive from JavaScript (numbers are `f64`, arrays are slices), checked
//! and converted before the core sees them; a bad one is an `E_INVALID` or `E_SHAPE` error.

use diabolo_core::Error;

use crate::errors::JsResult;

/// The largest seed a JS number holds exactly: 2^53 − 1 (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SEED: f64 = 9_007_199_254_740_991.0;
/// What a seed must be, as every seed error says it.
const SEED_RANGE: &str = "an integer in [0, 2^53 − 1]";

/// A count or index: a non-negative integer that fits in 32 bits.
pub fn usize_arg(field: &'static str, v: f64) -> JsResult<usize> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as usize)
    } else {
        Err(Error::invalid(field, v, "a non-negative integer").into())
    }
}

/// A seed: an integer in `[0, MAX_SEED]`.
pub fn seed_arg(v: f64) -> JsResult<u64> {
    if (0.0..=MAX_SEED).contains(&v) && v.fract() == 0.0 {
        Ok(v as u64)
    } else {
        Err(Error::invalid("seed", v, SEED_RANGE).into())
    }
}

/// `rows × cols` finite values, or an error naming the first bad one.
pub fn check_matrix(what: &'static str, data: &[f32], rows: usize, cols: usize) -> JsResult<()> {
    if rows == 0 || data.len() != rows * cols {
        return Err(Error::shape(
            what,
            format!("[{rows}, {cols}] ({} values)", rows * cols),
            format!("{} values", data.len()),
        )
        .into());
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            what,
            format!("{} at row {}, column {}", js_name(data[i]), i / cols, i % cols),
            "finite numbers (no NaN or ±Infinity)",
        )
        .into());
    }
    Ok(())
}

/// Exactly `len` finite values, or an error naming the first bad one by its index.
pub fn check_values(what: &'static str, data: &[f32], len: usize) -> JsResult<()> {
    if data.len() != len {
        return Err(Error::shape(what, format!("[{len}]"), format!("[{}]", data.len())).into());
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            what,
            format!("{} at index {i}", js_name(data[i])),
            "finite numbers (no NaN or ±Infinity)",
        )
        .into());
    }
    Ok(())
}

/// A non-finite value named as JavaScript prints it.
fn js_name(v: f32) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}
