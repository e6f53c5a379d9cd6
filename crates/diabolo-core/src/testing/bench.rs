//! Workloads for the benchmarks, shared by the native bench binary and the wasm binding so
//! both time exactly the same code.

use crate::kernels::gemm::{gemm, MatRef, Scratch};
use crate::num::rng::Rng;

/// The three products of training a dense layer of `hidden` units on `batch × inputs` data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GemmOp {
    /// `H = X·Wᵀ`: `[batch × inputs]·[inputs × hidden]`.
    Forward,
    /// `dX = dA·W`: `[batch × hidden]·[hidden × inputs]`.
    InputGrad,
    /// `dW = dAᵀ·X`: `[hidden × batch]·[batch × inputs]`.
    WeightGrad,
}

impl GemmOp {
    pub const ALL: [GemmOp; 3] = [GemmOp::Forward, GemmOp::InputGrad, GemmOp::WeightGrad];

    pub fn name(self) -> &'static str {
        match self {
            GemmOp::Forward => "forward",
            GemmOp::InputGrad => "inputGrad",
            GemmOp::WeightGrad => "weightGrad",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// Operands of one GEMM benchmark, allocated once.
pub struct GemmBench {
    op: GemmOp,
    batch: usize,
    inputs: usize,
    hidden: usize,
    x: Vec<f32>,
    w: Vec<f32>,
    da: Vec<f32>,
    out: Vec<f32>,
    scratch: Scratch<f32>,
}

impl GemmBench {
    pub fn new(op: GemmOp, batch: usize, inputs: usize, hidden: usize) -> Self {
        let mut rng = Rng::new(1);
        let mut fill = |n: usize| (0..n).map(|_| rng.next_f32() - 0.5).collect::<Vec<f32>>();
        let (x, w, da) = (fill(batch * inputs), fill(hidden * inputs), fill(batch * hidden));
        let out = vec![0.0; batch.max(hidden) * inputs.max(hidden)];
        GemmBench {
            op,
            batch,
            inputs,
            hidden,
            x,
            w,
            da,
            out,
            scratch: Scratch::new(),
        }
    }

    /// `(m, k, n)` of the product as the GEMM sees it.
    pub fn mkn(&self) -> (usize, usize, usize) {
        let (b, d, h) = (self.batch, self.inputs, self.hidden);
        match self.op {
            GemmOp::Forward => (b, d, h),
            GemmOp::InputGrad => (b, h, d),
            GemmOp::WeightGrad => (h, b, d),
        }
    }

    pub fn flops(&self) -> f64 {
        let (m, k, n) = self.mkn();
        2.0 * (m * k * n) as f64
    }

    /// Run the product `reps` times; returns one output value so the work is observable.
    pub fn run(&mut self, reps: u32) -> f32 {
        let (b, d, h) = (self.batch, self.inputs, self.hidden);
        for _ in 0..reps {
            match self.op {
                GemmOp::Forward => gemm(
                    MatRef::row_major(&self.x, b, d),
                    MatRef::row_major(&self.w, h, d).t(),
                    &mut self.out,
                    h,
                    false,
                    &mut self.scratch,
                ),
                GemmOp::InputGrad => gemm(
                    MatRef::row_major(&self.da, b, h),
                    MatRef::row_major(&self.w, h, d),
                    &mut self.out,
                    d,
                    false,
                    &mut self.scratch,
                ),
                GemmOp::WeightGrad => gemm(
                    MatRef::row_major(&self.da, b, h).t(),
                    MatRef::row_major(&self.x, b, d),
                    &mut self.out,
                    d,
                    false,
                    &mut self.scratch,
                ),
            }
        }
        self.out[0]
    }
}
