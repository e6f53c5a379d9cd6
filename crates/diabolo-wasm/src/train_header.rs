//! The training state header: a model's step and RNG state, as JS holds them
//! (`ModelState.trainHeader`) and model files store them (`ts/src/model/format.ts`). Its
//! layout is defined here and nowhere else: [`TrainHeader::WORDS`] u32 words, each u64 as
//! its low then its high half.
//!
//! | words | field |
//! |---|---|
//! | 0–1 | `step`: optimizer steps taken (u64) |
//! | 2–9 | `rng`: the noise generator's state, four u64 (xoshiro256**) |
//!
//! Saved model files hold these words: the layout must not change (the format version
//! would have to, `FORMAT_VERSION` in `format.ts`).

use diabolo_core::training::TrainState;
use diabolo_core::Error;

/// The train-state calls of a handle whose core object (`inner`) has `train_state` and
/// `set_train_state` (the model and the classifier): what, with the parameters, continues
/// training exactly — saved in model files, copied to data-parallel replicas.
macro_rules! train_state_calls {
    ($handle:ident) => {
        #[wasm_bindgen::prelude::wasm_bindgen]
        impl $handle {
            /// The step and RNG state as the words of a `TrainHeader`.
            #[wasm_bindgen(js_name = trainStateHeader)]
            pub fn train_state_header(&self) -> Vec<u32> {
                $crate::train_header::TrainHeader::of(&self.inner.train_state()).to_words()
            }

            /// The optimizer moments, tensor after tensor (`m` then `v`).
            #[wasm_bindgen(js_name = optimizerState)]
            pub fn optimizer_state(&self) -> Vec<f32> {
                self.inner.train_state().optimizer
            }

            /// Continue from a `TrainHeader`'s words and the optimizer moments.
            #[wasm_bindgen(js_name = setTrainState)]
            pub fn set_train_state(&mut self, header: &[u32], optimizer: &[f32]) -> $crate::errors::JsResult<()> {
                let state = $crate::train_header::TrainHeader::from_words(header)?.with_optimizer(optimizer.to_vec());
                Ok(self.inner.set_train_state(&state)?)
            }
        }
    };
}
pub(crate) use train_state_calls;

/// The step and RNG state of a model (with its parameters and optimizer moments, what
/// resumes training exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrainHeader {
    pub step: u64,
    pub rng: [u64; 4],
}

impl TrainHeader {
    /// Where `step` starts (two words).
    const STEP: usize = 0;
    /// Where `rng` starts (two words per u64).
    const RNG: usize = Self::STEP + 2;
    /// Words in the header (JS reads this as `coreLimits().trainHeaderWords`).
    pub const WORDS: usize = Self::RNG + 2 * 4;

    pub fn of<T>(state: &TrainState<T>) -> TrainHeader {
        TrainHeader {
            step: state.step,
            rng: state.rng,
        }
    }

    /// The header with the optimizer moments: the state the core resumes from.
    pub fn with_optimizer<T>(self, optimizer: Vec<T>) -> TrainState<T> {
        TrainState {
            step: self.step,
            rng: self.rng,
            optimizer,
        }
    }

    pub fn to_words(self) -> Vec<u32> {
        let mut out = vec![0; Self::WORDS];
        put(&mut out, Self::STEP, self.step);
        for (i, &w) in self.rng.iter().enumerate() {
            put(&mut out, Self::RNG + 2 * i, w);
        }
        out
    }

    /// The header in `words`, or an `E_SHAPE` error if there are not [`Self::WORDS`] of them.
    pub fn from_words(words: &[u32]) -> Result<TrainHeader, Error> {
        if words.len() != Self::WORDS {
            return Err(Error::shape(
                "train state header",
                format!("[{}]", Self::WORDS),
                format!("[{}]", words.len()),
            ));
        }
        Ok(TrainHeader {
            step: get(words, Self::STEP),
            rng: std::array::from_fn(|i| get(words, Self::RNG + 2 * i)),
        })
    }
}

fn put(words: &mut [u32], at: usize, v: u64) {
    words[at] = v as u32;
    words[at + 1] = (v >> 32) as u32;
}

fn get(words: &[u32], at: usize) -> u64 {
    words[at] as u64 | (words[at + 1] as u64) << 32
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: TrainHeader = TrainHeader {
        step: 0x0000_0007_0000_0003,
        rng: [
            0x1111_1111_2222_2222,
            0x3333_3333_4444_4444,
            0x5555_5555_6666_6666,
            0x7777_7777_8888_8888,
        ],
    };

    #[test]
    fn the_layout_is_the_one_model_files_hold() {
        // (low, high) of the step, then of each RNG word: as every saved file has it.
        let words = [
            [3, 7],
            [0x2222_2222, 0x1111_1111],
            [0x4444_4444, 0x3333_3333],
            [0x6666_6666, 0x5555_5555],
            [0x8888_8888, 0x7777_7777],
        ]
        .concat();
        assert_eq!(HEADER.to_words(), words);
        assert_eq!(TrainHeader::from_words(&words).unwrap(), HEADER);
        assert_eq!(TrainHeader::WORDS, 10);
    }

    #[test]
    fn a_header_of_another_length_is_refused() {
        let err = TrainHeader::from_words(&[0; 9]).unwrap_err();
        assert_eq!(err.code(), "E_SHAPE");
        assert_eq!(err.to_string(), "train state header: expected shape [10], got [9]");
    }
}
