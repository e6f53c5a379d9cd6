//! Initial weights of a layer: the scheme a spec asks for, with He for the
//! rectifier-like units (each activation's file says) under `auto`.

use std::sync::OnceLock;

use crate::error::{Error, Result};
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

impl Init {
    /// Every scheme with its config name, in the order the schema lists them.
    pub const ALL: [(Init, &'static str); 4] = [
        (Init::Auto, "auto"),
        (Init::Glorot, "glorot"),
        (Init::He, "he"),
        (Init::UniformFanIn, "uniformFanIn"),
    ];

    /// Parse a config name.
    pub fn from_name(name: &str) -> Result<Init> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|&(i, _)| i)
            .ok_or_else(|| {
                static EXPECTED: OnceLock<String> = OnceLock::new();
                let expected = EXPECTED.get_or_init(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|&(_, n)| n).collect();
                    format!("one of {}", names.join(", "))
                });
                Error::invalid("init", format!("{name:?}"), expected)
            })
    }

    /// The config name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|&&(i, _)| i == self).map_or("?", |&(_, n)| n)
    }
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
