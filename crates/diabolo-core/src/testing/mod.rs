//! Test and benchmark hooks (the `testing` cargo feature): the golden-vector runner, the GEMM
//! benchmark workloads and the arithmetic ceilings. Not in the shipped binaries.

pub mod bench;
pub mod conformance;
pub mod peak;
