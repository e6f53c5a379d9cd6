//! What one training step does to the parameters: optimizer rules applied tensor by tensor
//! (`optimizer`) and the watch that stops a diverging run (`divergence`). Below the models, which hold this state.

pub mod divergence;
pub mod optimizer;
