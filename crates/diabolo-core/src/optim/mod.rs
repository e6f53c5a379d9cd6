//! What one training step does to the parameters: optimizer rules applied tensor by tensor
//! (`optimizer`), the parameter set that owns the one order of a model's tensors and derives
//! parameter vectors, gradients, clipping and steps from it (`params`), and the watch that
//! stops a diverging run (`divergence`); what data-parallel replicas share over any parameter
//! set (`shards`), and the training state that resumes a run (`state`). Below the models,
//! which hold this state.

pub mod divergence;
pub mod optimizer;
pub mod params;
pub mod shards;
pub mod state;
