//! Penalties on a dense layer, one file each, through the hooks of [`Penalty`] (`hooks.rs`):
//! the layer's backward pass calls every active penalty at each hook, and each adds its
//! gradient where it belongs and returns its value. They compose: one layer may carry
//! sparsity, contraction and weight decay at once (denoising acts on the input, not here).
//! - `sparsity.rs` — KL sparsity of the mean activations, on the output gradient;
//! - `contractive.rs` — the squared Frobenius norm of the layer's Jacobian, on the
//!   pre-activation gradient and the weight gradient;
//! - `l2.rs` — weight decay, on the weight gradient.

mod contractive;
mod hooks;
mod l2;
mod sparsity;

use crate::error::{Error, Result};
use crate::kernels::gemm::Kernel;

pub use contractive::{add_scaled_rows, contractive, mean_jacobian_norm, Contractive};
pub use hooks::{Buffers, LayerView, Penalty, PenaltyScratch, PenaltyTerms};
pub use l2::{l2, L2};
pub use sparsity::{kl_bernoulli, kl_sparsity, mean_activations, Sparsity};

/// The penalties attached to one layer. All zero / `None` means none.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LayerPenalties {
    /// L2 weight decay λ (on W, not b).
    pub l2: f64,
    pub sparsity: Option<Sparsity>,
    /// Contractive weight λ.
    pub contractive: f64,
}

impl LayerPenalties {
    pub fn validate(&self) -> Result<()> {
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(Error::invalid("l2", self.l2, "a finite number ≥ 0"));
        }
        if !(self.contractive.is_finite() && self.contractive >= 0.0) {
            return Err(Error::invalid("contractive", self.contractive, "a finite number ≥ 0"));
        }
        if let Some(s) = self.sparsity {
            if !(s.rho > 0.0 && s.rho < 1.0) {
                return Err(Error::invalid("sparsity.rho", s.rho, "a number in (0, 1)"));
            }
            if !(s.beta.is_finite() && s.beta >= 0.0) {
                return Err(Error::invalid("sparsity.beta", s.beta, "a finite number ≥ 0"));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.l2 == 0.0 && self.sparsity.is_none() && self.contractive == 0.0
    }

    /// Call `f` with each active penalty and its place (for [`PenaltyScratch::slot`]), in a
    /// fixed order — part of the arithmetic, since two penalties may add into the same
    /// gradient: sparsity, contractive, L2.
    pub fn each<T: Kernel>(&self, mut f: impl FnMut(usize, &dyn Penalty<T>)) {
        if let Some(s) = self.sparsity {
            f(0, &s);
        }
        if self.contractive > 0.0 {
            f(
                1,
                &Contractive {
                    lambda: self.contractive,
                },
            );
        }
        if self.l2 > 0.0 {
            f(2, &L2 { lambda: self.l2 });
        }
    }
}
