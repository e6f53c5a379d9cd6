//! Numbers: the scalar types (`f32`, `f64`) with their arithmetic, compensated sums, and the
//! seeded random stream. The bottom layer: it imports nothing of the crate.

pub mod real;
pub mod rng;
