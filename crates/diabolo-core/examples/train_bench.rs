//! Native column of `npm run bench:train`: training steps of the same model spec the wasm
//! builds run, on the same data, timed here. Usage:
//! `train_bench <spec.json> <data.f32> <rows> <batch> <lr> <epochs>` — one untimed epoch,
//! then `epochs` timed ones; prints samples/s of the fastest, the last epoch's loss, the
//! process's peak resident memory and the f32 GEMM kernel that ran (see `gemm_bench`) as JSON.

use diabolo_core::{Model, ModelSpec};
use std::io::Read;
use std::time::Instant;

/// Peak resident set size in bytes (Linux `VmHWM`), 0 where unknown.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, spec, data, rows, batch, lr, epochs] = &args[..] else {
        panic!("usage: train_bench <spec.json> <data.f32> <rows> <batch> <lr> <epochs>");
    };
    let spec = ModelSpec::from_json(&std::fs::read_to_string(spec).expect("spec file")).expect("valid spec");
    let (rows, batch, lr, epochs): (usize, usize, f64, usize) = (
        rows.parse().unwrap(),
        batch.parse().unwrap(),
        lr.parse().unwrap(),
        epochs.parse().unwrap(),
    );
    // Only the rows used are read, so the peak RSS is the training's, not the file's.
    let mut bytes = vec![0u8; rows * spec.inputs * 4];
    std::fs::File::open(data)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("data file with enough rows");
    let x: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let mut model = Model::<f32>::new(spec).expect("model");
    model.train_epoch(&x, rows, batch, lr).expect("warm-up epoch");
    let mut best = f64::INFINITY;
    let mut loss = 0.0;
    for _ in 0..epochs {
        let t = Instant::now();
        loss = model.train_epoch(&x, rows, batch, lr).expect("epoch").terms.total;
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"samplesPerSecond\":{:.1},\"loss\":{loss},\"rssBytes\":{},\"kernel\":\"{}\"}}",
        rows as f64 / best,
        peak_rss(),
        diabolo_core::kernels::gemm::f32_kernel_name()
    );
}
