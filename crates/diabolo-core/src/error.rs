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
}

impl Error {
    /// Stable machine-readable code (mirrored by the TypeScript `ErrorCode` type).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Shape { .. } => "E_SHAPE",
            Error::Invalid { .. } => "E_INVALID",
            Error::NonFinite { .. } => "E_NON_FINITE",
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
            Error::NonFinite { what } => write!(
                f,
                "{what} is not finite (NaN or ±Infinity); the update was skipped and the weights are unchanged"
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = core::result::Result<T, Error>;
