//! The one error type of the core. Each variant has a stable code that the bindings carry
//! across the JS boundary, and a message naming the bad value and what was expected.

use core::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// An array does not have the shape the operation needs.
    Shape {
        what: &'static str,
        expected: String,
        actual: String,
    },
    /// A configuration or argument value is outside its allowed range.
    Invalid {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A loss or gradient became NaN or infinite; the update was not applied.
    NonFinite { what: String },
    /// The loss stayed `factor` times above its best smoothed value for several minibatches
    /// in a row: training is diverging (see `optim/divergence.rs`); the update was not applied.
    Diverging {
        loss: f64,
        best: f64,
        factor: f64,
        minibatches: u32,
    },
    /// One step multiplied the norm of the weights by orders of magnitude (or made it
    /// non-finite); the step was applied — the caller restores a saved state.
    Exploded { before: f64, after: f64 },
    /// An array does not fit in the memory left to the process (refused before use).
    Memory { what: &'static str, bytes: usize },
}

impl Error {
    /// Stable machine-readable code (mirrored by the TypeScript `ErrorCode` type).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Shape { .. } => "E_SHAPE",
            Error::Invalid { .. } => "E_INVALID",
            Error::NonFinite { .. } | Error::Diverging { .. } | Error::Exploded { .. } => "E_NON_FINITE",
            Error::Memory { .. } => "E_MEMORY",
        }
    }

    pub fn shape(what: &'static str, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Error::Shape {
            what,
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    pub fn invalid(field: &'static str, value: impl fmt::Display, expected: &'static str) -> Self {
        Error::Invalid {
            field,
            value: value.to_string(),
            expected,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape { what, expected, actual } => write!(f, "{what}: expected shape {expected}, got {actual}"),
            Error::Invalid { field, value, expected } => {
                write!(f, "{field} = {value} is not allowed: expected {expected}")
            }
            Error::Memory { what, bytes } => write!(
                f,
                "{what} needs {:.1} MiB, which the WASM memory (at most 4 GiB, one array below 2 GiB) cannot provide now; \
                 nothing was changed — free models or datasets, or use smaller pieces",
                *bytes as f64 / (1024.0 * 1024.0)
            ),
            Error::NonFinite { what } => write!(
                f,
                "{what} is not finite (NaN or ±Infinity); the update was skipped and the weights are unchanged"
            ),
            Error::Diverging {
                loss,
                best,
                factor,
                minibatches,
            } => write!(
                f,
                "training is diverging: the loss was over {factor:.0}× its best smoothed value ({best:.4e}) for {minibatches} minibatches in a row, now {loss:.4e} (is the learning rate too large?); the update was skipped"
            ),
            Error::Exploded { before, after } => write!(
                f,
                "training is diverging: one update took the norm of the weights from {before:.4e} to {after:.4e} (is the learning rate too large?)"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// A vector of `len` copies of `fill`, or [`Error::Memory`] naming `what` when the allocator
/// cannot provide it: big buffers sized by the caller's data go through here, so running
/// out of memory is an ordinary error rather than an abort.
pub fn try_filled<T: Clone>(what: &'static str, len: usize, fill: T) -> Result<Vec<T>> {
    let mut v = try_empty(what, len)?;
    v.resize(len, fill);
    Ok(v)
}

/// A copy of `src`, or [`Error::Memory`] as for [`try_filled`].
pub fn try_copied<T: Clone>(what: &'static str, src: &[T]) -> Result<Vec<T>> {
    let mut v = try_empty(what, src.len())?;
    v.extend_from_slice(src);
    Ok(v)
}

/// An empty vector with room for `len` elements.
fn try_empty<T>(what: &'static str, len: usize) -> Result<Vec<T>> {
    let bytes = len.saturating_mul(core::mem::size_of::<T>());
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::Memory { what, bytes })?;
    Ok(v)
}

pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_buffer_is_an_error_not_an_abort() {
        let e = try_filled("codes", usize::MAX / 2, 0.0f32).unwrap_err();
        assert_eq!(e.code(), "E_MEMORY");
        assert!(e.to_string().starts_with("codes needs "), "{e}");
        assert_eq!(try_filled("codes", 3, 1.5f32).unwrap(), vec![1.5; 3]);
        assert_eq!(try_copied("rows", &[1.0f32, 2.0]).unwrap(), vec![1.0, 2.0]);
        assert_eq!(try_copied("rows", &[0u8; 0]).unwrap(), Vec::<u8>::new());
    }
}
