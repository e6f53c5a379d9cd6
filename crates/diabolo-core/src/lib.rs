//! diabolo-core: the numeric engine of diabolo, in plain Rust.
//!
//! Nothing here knows about JavaScript: the `diabolo-wasm` crate wraps these types for the
//! browser and Node, and the same code is tested and benchmarked natively.
//!
//! The modules are layers, each using only those before it: `num` (scalars, RNG) → `maths`
//! (elementary functions) → `kernels` (GEMM) → `nn` (layers, activations, losses, penalties)
//! → `optim` (optimizer steps, the parameter set, the divergence watch) → `spec` (the model
//! config) → `models` (autoencoder, classifier) → `training` (epochs, data-parallel shards,
//! resume state). `error` is used by all; `testing` (a cargo feature) sits on top.

pub mod error;
pub mod kernels;
pub mod maths;
pub mod models;
pub mod nn;
pub mod num;
pub mod optim;
pub mod spec;
#[cfg(feature = "testing")]
pub mod testing;
pub mod training;

pub use error::{Error, Result};
pub use models::autoencoder::{LossTerms, Model};
pub use nn::activation::Activation;
pub use nn::dense::{Dense, DenseGrad};
pub use nn::loss::Loss;
pub use num::rng::Rng;
pub use spec::{LayerSpec, ModelSpec, VaeSpec};
pub use training::EpochReport;
