//! Native column of `npm run bench:train`: training steps of the same model spec the wasm
//! builds run, on the same data, timed here. Usage:
//! `train_bench <spec.json> <data.f32> <rows> <batch> <lr> <epochs>` — prints samples/s of the
//! fastest epoch and the last epoch's loss as JSON.

use diabolo_core::{Model, ModelSpec};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, spec, data, rows, batch, lr, epochs] = &args[..] else {
        panic!("usage: train_bench <spec.json> <data.f32> <rows> <batch> <lr> <epochs>");
    };
    let spec = ModelSpec::from_json(&std::fs::read_to_string(spec).expect("spec file")).expect("valid spec");
    let bytes = std::fs::read(data).expect("data file");
    let x: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let (rows, batch, lr, epochs): (usize, usize, f64, usize) = (
        rows.parse().unwrap(),
        batch.parse().unwrap(),
        lr.parse().unwrap(),
        epochs.parse().unwrap(),
    );
    let mut model = Model::<f32>::new(spec).expect("model");
    model.train_epoch(&x, rows, batch, lr).expect("warm-up epoch");
    let t = Instant::now();
    let mut loss = 0.0;
    for _ in 0..epochs {
        loss = model.train_epoch(&x, rows, batch, lr).expect("epoch").terms.total;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{{\"samplesPerSecond\":{:.1},\"loss\":{loss}}}",
        (rows * epochs) as f64 / s
    );
}
