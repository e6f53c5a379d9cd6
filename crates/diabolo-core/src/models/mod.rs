//! Models made of the building blocks: every autoencoder of the lecture (`autoencoder`) and
//! the softmax classifier on (pre)trained layers (`classifier`).

pub mod autoencoder;
pub mod classifier;
