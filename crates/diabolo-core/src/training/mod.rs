//! Training a model: one optimisation step (`step`), epochs in order or in pieces
//! (`epoch`), data-parallel replicas that each take a shard of every minibatch (`parallel`),
//! and the state that resumes training exactly (`resume`). All of it as `impl Model` blocks
//! on the model of `crate::models::autoencoder`.

pub mod epoch;
pub mod parallel;
pub mod resume;
pub mod step;

pub use crate::optim::state::TrainState;
pub use epoch::EpochReport;
