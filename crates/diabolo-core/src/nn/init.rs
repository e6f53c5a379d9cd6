//! Initial weights of a layer: the scheme a spec asks for, with He for ReLU-family units
//! under `auto`.

use crate::kernels::gemm::Kernel;
use crate::nn::activation::Activation;
use crate::nn::dense::Dense;
use crate::num::rng::Rng;

/// How weights are initialised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// He (normal) for ReLU-family units, Glorot (uniform) otherwise; biases 0.
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
    match (init, layer.act) {
        (Init::UniformFanIn, _) => layer.init_uniform_fan_in(rng),
        (Init::He, _) | (Init::Auto, Activation::Relu | Activation::LeakyRelu { .. } | Activation::Elu { .. }) => {
            layer.init_he(rng)
        }
        _ => layer.init_glorot(rng),
    }
}
