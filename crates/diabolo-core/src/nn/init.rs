//! Initial weights of a layer: the scheme a spec asks for, with He for the
//! rectifier-like units (each activation's file says) under `auto`.

use crate::kernels::gemm::Kernel;
use crate::nn::dense::Dense;
use crate::num::rng::Rng;

/// How weights are initialised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// He (normal) for rectifier-like units (an activation's `HE_INIT`), Glorot (uniform)
    /// otherwise; biases 0.
    Auto,
    /// Glorot/Xavier uniform, biases 0.
    Glorot,
    /// He/Kaiming normal, biases 0.
    He,
    /// Weights and biases `U(−1/√fan_in, 1/√fan_in)`: PyTorch's `nn.Linear` default.
    UniformFanIn,
}

/// Initialise `layer` by `init`, drawing from `rng`.
pub fn init_layer<T: Kernel>(layer: &mut Dense<T>, init: Init, rng: &mut Rng) {
    match init {
        Init::UniformFanIn => layer.init_uniform_fan_in(rng),
        Init::He => layer.init_he(rng),
        Init::Auto if layer.act.he_init() => layer.init_he(rng),
        Init::Auto | Init::Glorot => layer.init_glorot(rng),
    }
}
