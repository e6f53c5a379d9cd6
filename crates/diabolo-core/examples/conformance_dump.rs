//! Prints the native f32 outputs of every golden case as JSON (`{name: {output: [...]}}`),
//! for the suite that checks native and wasm builds agree (tests/conformance.test.ts).

use diabolo_core::testing::conformance::{evaluate, load_golden};
use std::collections::BTreeMap;

fn main() {
    let path = std::env::args().nth(1).expect("usage: conformance_dump <ops.json>");
    let golden = load_golden(&std::fs::read_to_string(&path).expect("read golden file")).expect("parse golden file");
    let all: BTreeMap<_, _> = golden
        .iter()
        .map(|g| (g.name.clone(), evaluate::<f32>(&g.case).unwrap()))
        .collect();
    println!("{}", serde_json::to_string(&all).unwrap());
}
