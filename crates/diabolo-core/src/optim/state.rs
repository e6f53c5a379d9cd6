//! What resumes training exactly besides the parameters: the step count, the random state
//! and the optimizer moments, captured from and restored into any model's optimizer states.

use crate::error::{Error, Result};
use crate::num::real::Real;
use crate::num::rng::Rng;
use crate::optim::optimizer::OptimizerState;

/// Saved training state besides the parameters: step count, RNG, optimizer moments.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState<T> {
    pub step: u64,
    pub rng: [u64; 4],
    /// All optimizer state vectors, concatenated in parameter order (`m` then `v` per tensor).
    pub optimizer: Vec<T>,
}

impl<T: Real> TrainState<T> {
    /// The state of a model whose step count, random stream and per-tensor optimizer states
    /// these are.
    pub fn capture(step: u64, rng: &Rng, states: &[OptimizerState<T>]) -> Self {
        let mut optimizer = Vec::new();
        for s in states {
            optimizer.extend_from_slice(&s.m);
            optimizer.extend_from_slice(&s.v);
        }
        TrainState {
            step,
            rng: rng.state(),
            optimizer,
        }
    }

    /// Write the optimizer moments into `states` (refused whole unless they have exactly
    /// their size); returns the step count and random stream to resume with.
    pub fn restore(&self, states: &mut [OptimizerState<T>]) -> Result<(u64, Rng)> {
        let want: usize = states.iter().map(|s| s.m.len() + s.v.len()).sum();
        if self.optimizer.len() != want {
            return Err(Error::shape(
                "optimizer state",
                format!("[{want}]"),
                format!("[{}]", self.optimizer.len()),
            ));
        }
        let mut rest = &self.optimizer[..];
        for s in states {
            for v in [&mut s.m, &mut s.v] {
                let (head, tail) = rest.split_at(v.len());
                v.copy_from_slice(head);
                rest = tail;
            }
        }
        Ok((self.step, Rng::from_state(self.rng)))
    }
}
