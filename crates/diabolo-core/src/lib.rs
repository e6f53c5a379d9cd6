//! diabolo-core: the numeric engine of diabolo, in plain Rust.
//!
//! Nothing here knows about JavaScript: the `diabolo-wasm` crate wraps these types for the
//! browser and Node, and the same code is tested and benchmarked natively.

pub mod activation;
pub mod autoencoder;
pub mod bench;
pub mod conformance;
pub mod dense;
pub mod error;
pub mod gemm;
pub mod loss;
pub mod noise;
pub mod optim;
pub mod peak;
pub mod penalty;
pub mod real;
pub mod rng;
pub mod vae;

pub use activation::Activation;
pub use autoencoder::{Autoencoder, AutoencoderConfig, EpochStats};
pub use dense::{Dense, DenseGrad};
pub use error::{Error, Result};
pub use loss::Loss;
pub use rng::Rng;
