//! Core errors as JavaScript receives them: a real `Error` whose `message` is the core's
//! message and whose `code` property is its stable code (`E_SHAPE`, `E_INVALID`, …). The
//! TS side (`ts/src/base/errors.ts`, `fromWasmError`) reads `code`; no message is parsed.

use diabolo_core::Error;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// JavaScript's global `Error`, made here and thrown with a `code` property.
    #[wasm_bindgen(js_name = Error)]
    pub type Thrown;

    #[wasm_bindgen(constructor, js_class = Error)]
    fn new(message: &str) -> Thrown;

    #[wasm_bindgen(method, setter = code, js_class = Error)]
    fn set_code(this: &Thrown, code: &str);
}

/// What every fallible call of the binding returns: the error becomes a thrown JS `Error`.
pub type JsResult<T> = Result<T, Thrown>;

/// A JS `Error` with `message` and the `code` property.
pub fn thrown(code: &str, message: &str) -> Thrown {
    let e = Thrown::new(message);
    e.set_code(code);
    e
}

impl From<Error> for Thrown {
    fn from(e: Error) -> Thrown {
        thrown(e.code(), &e.to_string())
    }
}
