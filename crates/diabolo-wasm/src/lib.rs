//! wasm-bindgen binding of `diabolo-core`.
//!
//! Only conversions live here, one concern per file:
//!
//! | file | what |
//! |---|---|
//! | `alloc.rs` | the allocator that records failed sizes; `canAllocate`, `memoryBytes` |
//! | `errors.rs` | core errors → JS `Error`s with a `code` property |
//! | `args.rs` | numbers and arrays from JS checked and converted (counts, seeds, matrices) |
//! | `reports.rs` | what training and evaluation report, by name (`LossTerms`, …) |
//! | `train_header.rs` | the layout of the training state header that model files store |
//! | `dataset.rs`, `model.rs`, `replicas.rs`, `classifier.rs` | the handles: opaque objects keeping their data in WASM memory |
//! | `diagnostics.rs` | flavour, version, limits; fault injection |
//! | `testing.rs` | conformance, GEMM-benchmark and peak-FLOP hooks (`testing` feature only) |

mod alloc;
mod args;
mod classifier;
mod dataset;
mod diagnostics;
mod errors;
mod model;
mod replicas;
mod reports;
#[cfg(feature = "testing")]
mod testing;
mod train_header;

pub use alloc::{can_allocate, last_allocation_failure, memory_bytes};
pub use classifier::Classifier;
pub use dataset::Dataset;
pub use diagnostics::{build_flavor, core_limits, core_version, inject_fault, CoreLimits};
pub use errors::{JsResult, Thrown};
pub use model::{describe_model, Model};
pub use reports::{BatchesReport, ClassifierScore, EpochReport, LossTerms, ShardReport};
#[cfg(feature = "testing")]
pub use testing::{conformance_case, gemm_self_test, mul_add_peak, peak_flops_per_iter, relaxed_madd_peak, GemmBench};
pub use train_header::TrainHeader;
