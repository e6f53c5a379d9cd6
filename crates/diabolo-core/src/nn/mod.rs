//! Neural-network building blocks on the kernels: activations, losses, penalties, the dense
//! layer and chains of them, input corruption, weight initialisation, and the VAE's
//! reparameterisation and KL term.

pub mod activation;
pub mod chain;
pub mod dense;
pub mod init;
pub mod loss;
pub mod noise;
pub mod penalty;
pub mod vae;
