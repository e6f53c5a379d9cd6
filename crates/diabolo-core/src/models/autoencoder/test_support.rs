//! Specs and data the model's tests share (built only for `cargo test`).

use crate::nn::activation::Activation;
use crate::nn::loss::Loss;
use crate::nn::noise::Corruption;
use crate::nn::penalty::LayerPenalties;
use crate::num::rng::Rng;
use crate::optim::optimizer::Optimizer;
use crate::spec::{Init, LayerSpec, ModelSpec};

pub(crate) fn spec(layers: Vec<LayerSpec>) -> ModelSpec {
    ModelSpec {
        inputs: 6,
        layers,
        vae: None,
        output_act: Activation::Sigmoid,
        loss: Loss::Mse,
        tied: false,
        corruption: Corruption::None,
        optimizer: Optimizer::Sgd,
        init: Init::Auto,
        seed: 5,
    }
}

pub(crate) fn layer(units: usize, act: Activation, penalties: LayerPenalties) -> LayerSpec {
    LayerSpec { units, act, penalties }
}

pub(crate) fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n * d).map(|_| 0.05 + 0.9 * rng.next_f64()).collect()
}

/// 4×4 images of a single horizontal or vertical bar: 8 patterns, 4 hidden units.
pub(crate) fn bars(n: usize, rng: &mut Rng) -> Vec<f32> {
    let mut x = vec![0.0f32; n * 16];
    for s in 0..n {
        let k = rng.below(8) as usize;
        for t in 0..4 {
            let (r, c) = if k < 4 { (k, t) } else { (t, k - 4) };
            x[s * 16 + r * 4 + c] = 1.0;
        }
    }
    x
}

pub(crate) fn bars_spec(seed: u64) -> ModelSpec {
    ModelSpec {
        inputs: 16,
        seed,
        ..spec(vec![layer(4, Activation::Sigmoid, LayerPenalties::default())])
    }
}
