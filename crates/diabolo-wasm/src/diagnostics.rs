//! What a binary says about itself (its kernel flavour, the core's version) and fault
//! injection for the tests of fault handling.

use diabolo_core::Error;

use wasm_bindgen::prelude::*;

use crate::errors::JsResult;

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
