//! What resumes training exactly besides the parameters: step count, random state and
//! optimizer moments.

use crate::error::Result;
use crate::kernels::gemm::Kernel;
use crate::models::autoencoder::Model;
use crate::optim::state::TrainState;

impl<T: Kernel> Model<T> {
    /// Step count, RNG state and optimizer moments: with the parameters, what resumes
    /// training exactly.
    pub fn train_state(&self) -> TrainState<T> {
        TrainState::capture(self.step, &self.rng, &self.opt)
    }

    pub fn set_train_state(&mut self, state: &TrainState<T>) -> Result<()> {
        (self.step, self.rng) = state.restore(&mut self.opt)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::test_support::{data, layer, spec};
    use crate::nn::activation::Activation;
    use crate::nn::noise::Corruption;
    use crate::nn::penalty::LayerPenalties;
    use crate::optim::optimizer::Optimizer;

    #[test]
    fn resuming_from_a_saved_state_matches_training_straight_through() {
        let mut s = spec(vec![layer(4, Activation::Relu, LayerPenalties::default())]);
        s.optimizer = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        s.corruption = Corruption::Gaussian { sigma: 0.1 };
        let x: Vec<f32> = data(32, 6, 4).iter().map(|&v| v as f32).collect();
        let mut straight = Model::<f32>::new(s.clone()).unwrap();
        for _ in 0..4 {
            straight.train_epoch(&x, 32, 8, 0.01).unwrap();
        }
        let mut first = Model::<f32>::new(s.clone()).unwrap();
        for _ in 0..2 {
            first.train_epoch(&x, 32, 8, 0.01).unwrap();
        }
        let (params, state) = (first.parameters(), first.train_state());
        let mut resumed = Model::<f32>::new(s).unwrap();
        resumed.set_parameters(&params).unwrap();
        resumed.set_train_state(&state).unwrap();
        for _ in 0..2 {
            resumed.train_epoch(&x, 32, 8, 0.01).unwrap();
        }
        assert_eq!(resumed.parameters(), straight.parameters());
    }
}
