//! The shared golden vectors (tests/golden/ops.json, computed independently in Python, f64)
//! through the native core in f64 and in f32.

use diabolo_core::testing::conformance::{evaluate, load_golden, GoldenCase, Outputs};

fn cases() -> Vec<GoldenCase> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/ops.json")).unwrap();
    load_golden(&text).unwrap()
}

/// |got − want| ≤ atol + rtol·|want| for every output value.
fn check(g: &GoldenCase, got: &Outputs, rtol: f64, atol: f64) {
    for (key, want) in &g.expected {
        let got = got.get(key).unwrap_or_else(|| panic!("{}: no output {key}", g.name));
        assert_eq!(got.len(), want.len(), "{}.{key} length", g.name);
        for (i, (a, b)) in got.iter().zip(want).enumerate() {
            assert!(
                (a - b).abs() <= atol + rtol * b.abs(),
                "{}.{key}[{i}]: got {a}, golden {b}",
                g.name
            );
        }
    }
}

#[test]
fn golden_vectors_hold_in_f64() {
    let all = cases();
    assert!(all.len() >= 28);
    for g in &all {
        check(g, &evaluate::<f64>(&g.case).unwrap(), 1e-10, 1e-12);
    }
}

#[test]
fn golden_vectors_hold_in_f32() {
    // f32 carries ~7 digits; sums of a few dozen terms lose a little more.
    for g in &cases() {
        check(g, &evaluate::<f32>(&g.case).unwrap(), 2e-5, 2e-6);
    }
}
