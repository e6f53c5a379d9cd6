//! The two linear heads of a variational encoder (`μ` and `log σ²`), the sampled code, and
//! their backward pass with the KL term.

use crate::kernels::gemm::{Kernel, Scratch};
use crate::nn::dense::{Dense, DenseGrad, PenaltyScratch};
use crate::nn::penalty::LayerPenalties;
use crate::nn::vae;
use crate::num::rng::Rng;

/// The two linear heads of a variational encoder and their buffers.
#[derive(Clone, Debug)]
pub(crate) struct VaeHeads<T> {
    pub(super) mu: Dense<T>,
    pub(super) lv: Dense<T>,
    pub(super) gmu: DenseGrad<T>,
    pub(super) glv: DenseGrad<T>,
    pub(super) mu_out: Vec<T>,
    pub(super) lv_out: Vec<T>,
    pub(super) eps: Vec<T>,
    pub(super) z: Vec<T>,
    pub(super) dmu: Vec<T>,
    pub(super) dlv: Vec<T>,
    pub(super) dh2: Vec<T>,
}

impl<T: Kernel> VaeHeads<T> {
    /// The heads `μ` and `log σ²` (linear layers from the encoder's output to the code).
    pub(super) fn new(mu: Dense<T>, lv: Dense<T>) -> Self {
        VaeHeads {
            gmu: mu.grad_zeros(),
            glv: lv.grad_zeros(),
            mu,
            lv,
            mu_out: Vec::new(),
            lv_out: Vec::new(),
            eps: Vec::new(),
            z: Vec::new(),
            dmu: Vec::new(),
            dlv: Vec::new(),
            dh2: Vec::new(),
        }
    }

    /// `μ`, `log σ²` and the code: sampled with `rng`, or `z = μ` without it.
    pub(super) fn forward(&mut self, h: &[T], n: usize, rng: Option<&mut Rng>, scratch: &mut Scratch<T>) {
        let z_len = n * self.mu.outputs;
        for v in [&mut self.mu_out, &mut self.lv_out, &mut self.eps, &mut self.z] {
            v.resize(z_len, T::ZERO);
        }
        self.mu.forward(h, n, &mut self.mu_out, scratch);
        self.lv.forward(h, n, &mut self.lv_out, scratch);
        match rng {
            Some(rng) => vae::reparameterize(&self.mu_out, &self.lv_out, &mut self.eps, &mut self.z, rng),
            None => self.z.copy_from_slice(&self.mu_out),
        }
    }

    /// Backward from `dz`; adds the KL gradient (weight `kl_weight`) and writes the
    /// gradient w.r.t. the encoder's output into `dh`. Returns the unweighted KL.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn backward(
        &mut self,
        h: &[T],
        n: usize,
        dz: &[T],
        kl_weight: f64,
        dh: &mut [T],
        scratch: &mut Scratch<T>,
        ps: &mut PenaltyScratch<T>,
    ) -> f64 {
        let z_len = dz.len();
        self.dmu.resize(z_len, T::ZERO);
        self.dlv.resize(z_len, T::ZERO);
        self.dh2.resize(dh.len(), T::ZERO);
        vae::reparameterize_backward(&self.lv_out, &self.eps, dz, &mut self.dmu, &mut self.dlv);
        vae::kl_standard_normal(&self.mu_out, &self.lv_out, n, kl_weight, &mut self.dmu, &mut self.dlv);
        let none = LayerPenalties::default();
        self.mu.backward_penalized(
            h,
            &[],
            &self.mu_out,
            &mut self.dmu,
            n,
            &none,
            &mut self.gmu,
            Some(dh),
            scratch,
            ps,
        );
        self.lv.backward_penalized(
            h,
            &[],
            &self.lv_out,
            &mut self.dlv,
            n,
            &none,
            &mut self.glv,
            Some(&mut self.dh2),
            scratch,
            ps,
        );
        for (a, &b) in dh.iter_mut().zip(&self.dh2) {
            *a += b;
        }
        vae::kl_value(&self.mu_out, &self.lv_out, n)
    }
}
