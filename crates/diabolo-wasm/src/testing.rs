//! Testing and benchmark hooks, built only with the `testing` feature
//! (`scripts/build-wasm.mjs` makes those binaries for the conformance tests and the
//! benchmarks): the binaries users get do not carry them.

use diabolo_core::kernels::gemm;
use diabolo_core::testing::bench::{GemmBench as CoreGemmBench, GemmOp};
use diabolo_core::testing::{conformance, peak};
use diabolo_core::Error;

use wasm_bindgen::prelude::*;

use crate::args::usize_arg;
use crate::errors::{thrown, JsResult};

/// Benchmark hooks: the same workloads the native bench times (`diabolo_core::testing::bench`).
#[wasm_bindgen]
pub struct GemmBench {
    inner: CoreGemmBench,
}

#[wasm_bindgen]
impl GemmBench {
    /// `op` is `"forward"`, `"inputGrad"` or `"weightGrad"`.
    #[wasm_bindgen(constructor)]
    pub fn new(op: &str, batch: f64, inputs: f64, hidden: f64) -> JsResult<GemmBench> {
        let op = GemmOp::from_name(op)
            .ok_or_else(|| Error::invalid("op", format!("{op:?}"), "\"forward\", \"inputGrad\" or \"weightGrad\""))?;
        Ok(GemmBench {
            inner: CoreGemmBench::new(
                op,
                usize_arg("batch", batch)?,
                usize_arg("inputs", inputs)?,
                usize_arg("hidden", hidden)?,
            ),
        })
    }

    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }

    pub fn run(&mut self, reps: u32) -> f32 {
        self.inner.run(reps)
    }
}

/// Ceiling loop with separate multiply and add: `peakFlopsPerIter()` flops per iteration.
#[wasm_bindgen(js_name = mulAddPeak)]
pub fn mul_add_peak(iters: u32, seed: f32) -> f32 {
    peak::mul_add_peak(iters, seed)
}

/// Ceiling loop with relaxed madd; `undefined` in binaries built without relaxed SIMD.
#[wasm_bindgen(js_name = relaxedMaddPeak)]
pub fn relaxed_madd_peak(iters: u32, seed: f32) -> Option<f32> {
    peak::relaxed_madd_peak(iters, seed)
}

/// [`diabolo_core::kernels::gemm::self_test`] in this build: ≤ 1 means every GEMM edge case passed.
#[wasm_bindgen(js_name = gemmSelfTest)]
pub fn gemm_self_test(seed: u32) -> f64 {
    gemm::self_test(seed as u64)
}

#[wasm_bindgen(js_name = peakFlopsPerIter)]
pub fn peak_flops_per_iter() -> f64 {
    peak::FLOPS_PER_ITER
}

/// Run a golden case through this binary's f32 core; returns `{output: number[]}` as JSON.
/// The conformance suite feeds every build the same cases.
#[wasm_bindgen(js_name = conformanceCase)]
pub fn conformance_case(case_json: &str) -> JsResult<String> {
    let json: serde_json::Value =
        serde_json::from_str(case_json).map_err(|e| Error::invalid("case", e, "valid JSON"))?;
    let case = conformance::Case::from_json(&json)?;
    let out = conformance::evaluate::<f32>(&case)?;
    serde_json::to_string(&out).map_err(|e| thrown("E_INTERNAL", &e.to_string()))
}
