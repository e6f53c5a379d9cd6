//! L2 weight decay `λ/2 ‖W‖²` (biases are not decayed); gradient `λ W`, added to the weight
//! gradient after the layer's GEMMs.

use super::hooks::{Buffers, LayerView, Penalty, PenaltyTerms};
use crate::kernels::gemm::Kernel;
use crate::num::real::Real;

/// L2 weight decay of weight `lambda` on one layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L2 {
    pub lambda: f64,
}

impl<T: Kernel> Penalty<T> for L2 {
    fn term<'a>(&self, terms: &'a mut PenaltyTerms) -> &'a mut f64 {
        &mut terms.l2
    }

    fn on_weight_gradient(&self, layer: LayerView<'_, T>, gw: &mut [T], _buf: &mut Buffers<T>) -> f64 {
        l2(layer.w, self.lambda, gw)
    }
}

/// L2 weight decay `λ/2 ‖W‖²`; adds `λ W` into `gw`.
pub fn l2<T: Real>(w: &[T], lambda: f64, gw: &mut [T]) -> f64 {
    let lt = T::from_f64(lambda);
    let mut sq = 0.0;
    for (g, &v) in gw.iter_mut().zip(w) {
        sq += v.to_f64() * v.to_f64();
        *g += lt * v;
    }
    0.5 * lambda * sq
}
