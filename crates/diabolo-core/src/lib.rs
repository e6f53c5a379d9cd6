//! diabolo-core: the numeric engine of diabolo, in plain Rust.
//!
//! Nothing here knows about JavaScript: the `diabolo-wasm` crate wraps these types for the
//! browser and Node, and the same code is tested and benchmarked natively.

pub mod activation;
pub mod bench;
pub mod chain;
pub mod classifier;
pub mod conformance;
pub mod dense;
pub mod divergence;
pub mod error;
pub mod gemm;
pub mod loss;
pub mod model;
pub mod noise;
pub mod optim;
pub mod peak;
pub mod penalty;
pub mod real;
pub mod rng;
pub mod spec;
pub mod vae;
pub mod vmath;

pub use activation::Activation;
pub use dense::{Dense, DenseGrad};
pub use error::{Error, Result};
pub use loss::Loss;
pub use model::{EpochReport, LossTerms, Model};
pub use rng::Rng;
pub use spec::{LayerSpec, ModelSpec, VaeSpec};
