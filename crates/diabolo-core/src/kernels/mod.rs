//! Kernels: the packed, register-tiled GEMM that every product of training goes through.

pub mod gemm;
