//! What a binary says about itself (its kernel flavour, the core's version, the limits it
//! enforces) and fault injection for the tests of fault handling.

use diabolo_core::models::autoencoder::evaluate::EVAL_CHUNK_ROWS;
use diabolo_core::spec::{BYTES_PER_PARAMETER, MAX_MODEL_BYTES, MAX_UNITS};
use diabolo_core::Error;

use wasm_bindgen::prelude::*;

use crate::args::MAX_SEED;
use crate::errors::JsResult;
use crate::train_header::TrainHeader;

/// Which kernel set this binary was compiled with: `"relaxed"`, `"simd128"` or `"scalar"`.
#[wasm_bindgen(js_name = buildFlavor)]
pub fn build_flavor() -> String {
    if cfg!(target_feature = "relaxed-simd") {
        "relaxed".into()
    } else if cfg!(target_feature = "simd128") {
        "simd128".into()
    } else {
        "scalar".into()
    }
}

/// Version of the core crate this binary was built from.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// The limits the core and this binding enforce, as the TS facade checks them early
/// (`ts/src/base/limits.ts`; `tests/boundary.test.ts` compares the two).
#[wasm_bindgen]
pub struct CoreLimits {
    /// Widest layer (inputs, units, latent size, classes).
    #[wasm_bindgen(readonly, js_name = maxUnits)]
    pub max_units: usize,
    /// Largest seed: 2^53 − 1, the largest integer a JS number holds exactly.
    #[wasm_bindgen(readonly, js_name = maxSeed)]
    pub max_seed: f64,
    /// u32 words of a model's training state header (see `train_header.rs`).
    #[wasm_bindgen(readonly, js_name = trainHeaderWords)]
    pub train_header_words: usize,
    /// Most WASM memory one model may take with its gradients and optimizer moments.
    #[wasm_bindgen(readonly, js_name = maxModelBytes)]
    pub max_model_bytes: f64,
    /// Bytes a model keeps per parameter (value, gradient, two optimizer moments).
    #[wasm_bindgen(readonly, js_name = bytesPerParameter)]
    pub bytes_per_parameter: usize,
    /// Samples evaluation runs at once (its buffers scale with this).
    #[wasm_bindgen(readonly, js_name = evalChunkRows)]
    pub eval_chunk_rows: usize,
}

#[wasm_bindgen(js_name = coreLimits)]
pub fn core_limits() -> CoreLimits {
    CoreLimits {
        max_units: MAX_UNITS,
        max_seed: MAX_SEED,
        train_header_words: TrainHeader::WORDS,
        max_model_bytes: MAX_MODEL_BYTES as f64,
        bytes_per_parameter: BYTES_PER_PARAMETER,
        eval_chunk_rows: EVAL_CHUNK_ROWS,
    }
}

/// Fault injection for the tests of fault handling: `"trap"` executes `unreachable`;
/// `"oom"` allocates 256 MiB blocks (never touched) until the allocator gives up, which
/// aborts as any real out-of-memory would.
#[wasm_bindgen(js_name = injectFault)]
pub fn inject_fault(kind: &str) -> JsResult<()> {
    match kind {
        "trap" => std::process::abort(),
        "oom" => {
            let mut blocks: Vec<Vec<u8>> = Vec::new();
            loop {
                blocks.push(Vec::with_capacity(256 << 20));
            }
        }
        _ => Err(Error::invalid("fault", kind, "\"trap\" or \"oom\"").into()),
    }
}
